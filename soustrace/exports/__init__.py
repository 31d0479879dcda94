"""File exports for other tools (Gephi, spreadsheets, OCDS consumers, a browser); read-only, streamed from SQL."""
