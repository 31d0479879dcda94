"""Pipelines: source parsers that turn raw payloads into `soustrace.records`, and the storage pipeline."""
