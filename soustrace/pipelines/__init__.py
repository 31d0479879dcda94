"""Scrapy item pipelines and the store: parsed records (from `soustrace.parsers`) into the database.

`items` holds the item pipelines every crawl runs (parse, then store in batches); `decp_files` and
`disclosures` are the source-specific pipelines; `ingest` feeds local files to the same store; `store` is the
one writer (batched, idempotent, evidence on every edge); `windows` is the crawl-window ledger.
"""
