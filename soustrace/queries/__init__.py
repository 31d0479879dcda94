"""Read-only answers over the models (queries and exports never write)."""
