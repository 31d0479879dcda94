"""Scrapy item pipelines: parse raw notice items, then store them in batches through `Store`.

Spiders yield typed items (`soustrace.spiders.items`): `RawNotice` and `FetchReject` reach these two
pipelines; spiders never parse. After the last batch is written, the store pipeline settles every window
of the crawl in the ledger (complete / short / failed), so the ledger only claims what is really in the database.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from soustrace.db import make_engine
from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.faults import InfrastructureError, describe, is_infrastructure_error
from soustrace.pipelines.store import Store, StoreStats
from soustrace.pipelines.store.ledger import WindowLedger
from soustrace.records import NoticeRecord, RejectRecord
from soustrace.spiders.items import FetchReject, RawNotice, WindowDone

log = logging.getLogger(__name__)
INFRASTRUCTURE_ERROR_STAT = "soustrace/infrastructure_error"


class ParsePipeline:
    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, RawNotice):
            item.notice = parse_payload(item.source, item.source_id, item.raw, record=item.record, url=item.url,
                                        content_type=item.content_type)
        return item


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = make_engine(crawler.settings.get("SOUSTRACE_DB"))
        self.store = Store(self.engine, batch_size=crawler.settings.getint("STORE_BATCH_SIZE", 200))
        self.batch: list[NoticeRecord | RejectRecord] = []
        self.stats = StoreStats()
        self.rejected: set[str] = set()
        # The database or the disk failed: nothing more is stored, the crawl closes, the command exits 2.
        self.failure: InfrastructureError | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider  # Scrapy ≥ 2.13 no longer passes it
        spider.ledger = WindowLedger(self.engine)  # type: ignore[attr-defined]

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, WindowDone):  # a queued window's last page is in (soustrace.distributed.windows)
            self.finish_window(spider or self.crawler.spider, item.window_id)
            return item
        if self.failure is not None:
            raise DropItem(f"not stored: the crawl is stopping ({self.failure})")
        if isinstance(item, FetchReject):
            self.batch.append(item.reject)
            source_id = item.reject.record_id
        elif isinstance(item, RawNotice) and item.notice is not None:
            self.batch.append(item.notice)
            source_id = item.source_id
        else:
            return item
        if len(self.batch) >= self.store.batch_size:
            self.flush()
        return {"source": item.source, "source_id": source_id}  # keep raw bytes out of logs

    def flush(self) -> None:
        if not self.batch or self.failure is not None:
            return
        try:
            stats = self.store.store_batch(self.batch)
        except InfrastructureError as exc:
            self._stop(exc)
            return
        self.stats.add(stats)
        stored = set(stats.stored_ids)
        self.rejected.update(
            r.source_id for r in self.batch if isinstance(r, NoticeRecord) and r.source_id not in stored
        )
        self.batch = []

    def _stop(self, exc: InfrastructureError) -> None:
        """Not the data's fault: record it, drop the batch (nothing was written), close the crawl."""
        self.failure = exc
        self.batch = []
        log.error("crawl stopped, the store failed: %s", exc)
        self.crawler.stats.set_value(INFRASTRUCTURE_ERROR_STAT, str(exc))
        engine, spider = self.crawler.engine, self.crawler.spider
        if engine is not None and spider is not None:
            engine.close_spider(spider, "infrastructure_error")

    def finish_window(self, spider: Spider, window_id: int) -> str:
        """Store what is batched, then settle this one window (a worker runs for days, windows end all along)."""
        self.flush()
        state = spider.windows.pop(window_id)  # type: ignore[attr-defined]
        if self.failure is not None:  # its notices were dropped with the failed batch: it stays unsettled
            return "stopped"
        return spider.ledger.finish(state, self.rejected)  # type: ignore[attr-defined]

    def close_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.flush()
        self.crawler.stats.set_value("soustrace/store", self.stats.as_dict())
        if self.failure is None:  # windows are settled only by a run whose writes all went through
            ledger: WindowLedger = spider.ledger  # type: ignore[attr-defined]
            try:
                for state in getattr(spider, "windows", {}).values():
                    ledger.finish(state, self.rejected)
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise
                self.crawler.stats.set_value(INFRASTRUCTURE_ERROR_STAT, describe(exc))
        self.engine.dispose()
