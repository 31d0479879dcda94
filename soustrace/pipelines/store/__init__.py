"""The store: the only writer of the database.

* `pipeline` — `Store`: records streamed in batches, one transaction each, quarantine of what fails;
* `batch` — `BatchWriter`: a batch of notices in a few multi-row statements;
* `names` — organisations of a batch resolved by natural key, in memory first;
* `summaries` — per-organisation contract totals moved by each batch's new contracts;
* `writer` — `Writer`: the per-row writer of disclosure, press, site and DNS findings;
* `keys` — the natural keys both writers share;
* `ledger` — the crawl windows that prove a crawl complete;
* `providers` — the provider catalog loaded into the database.
"""

from soustrace.pipelines.store.keys import normalize_site_url, relation_key, sha256
from soustrace.pipelines.store.pipeline import Store, StoreStats, iter_batches
from soustrace.pipelines.store.writer import Writer

__all__ = ["Store", "StoreStats", "Writer", "iter_batches", "normalize_site_url", "relation_key", "sha256"]
