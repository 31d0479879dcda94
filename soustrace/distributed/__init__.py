"""Crawls spread over workers: scrapy-redis holds the shared queue and duplicate filter, PostgreSQL the store.

`crawl ... --queue redis://...` only enqueues units of work (a host's sites for disclosures, a date window
or a file for the notice sources, a daily package for TED); `soustrace worker` processes pull them.
Completeness lives in the database (the crawl-window ledger, the `site_visit` ledger), never in Redis, so a
lost worker or a flushed Redis costs at most a re-enqueue with `--resume`. What Redis holds besides the
work is the API hosts' politeness limits, shared by every worker (`politeness.py`).
"""
