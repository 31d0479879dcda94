"""click command groups, one module each; only `soustrace.cli` imports them."""
