"""Item pipeline for DECP resources: chunked download to disk, then the streaming parser, then the store.

Runs before the generic parse/store pipelines and consumes resource items, so neither the file nor its
records ever sit whole in memory: memory stays flat whatever the file size.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.request
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.threads import deferToThread

from soustrace.db import make_engine
from soustrace.pipelines.faults import InfrastructureError
from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT
from soustrace.pipelines.store import Store
from soustrace.records import NoticeRecord, ParseError
from soustrace.spiders.items import DecpResource

CHUNK = 1 << 20


class DecpFilePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.cache = Path(self.settings.get("DECP_CACHE_DIR") or Path.home() / ".cache" / "soustrace" / "decp")
        self.user_agent = self.settings.get("USER_AGENT")
        self.engine = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DecpFilePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, DecpResource):
            return item
        return deferToThread(self._load, item, spider or self.crawler.spider)

    def _load(self, item: DecpResource, spider: Spider) -> None:
        from soustrace.parsers.decp.stream import iter_decp

        state = spider.windows[item.window_id]  # type: ignore[attr-defined]
        resource = item.resource
        try:
            path = self.download(resource)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            state.errors.append(f"{resource.get('title')}: download failed: {exc}")
            raise DropItem(str(exc)) from exc
        if self.engine is None:
            self.engine = make_engine(self.settings.get("SOUSTRACE_DB"))
        store = Store(self.engine, batch_size=self.settings.getint("STORE_BATCH_SIZE", 200))

        broken: list[Exception] = []

        def counted():
            try:
                # evidence cites the published file (its data.gouv.fr URL), not the local cache copy
                for record in iter_decp(path, date_from=item.date_from, date_until=item.date_until,
                                        url=resource.get("url")):
                    state.fetched += 1
                    if isinstance(record, NoticeRecord):
                        state.ids.add(record.source_id)
                    yield record
            except (ParseError, OSError, ValueError) as exc:  # the records before the break are still stored
                broken.append(exc)

        try:
            stats = store.add_all(counted())
        except InfrastructureError as exc:  # the database or the disk: the crawl stops, exit 2
            state.errors.append(f"{resource.get('title')}: store failed: {exc}")
            self.crawler.stats.set_value(INFRASTRUCTURE_ERROR_STAT, str(exc))
            from twisted.internet import reactor

            reactor.callFromThread(self.crawler.engine.close_spider, spider, "infrastructure_error")
            raise DropItem(str(exc)) from exc
        state.errors.extend(f"{resource.get('title')}: {exc}" for exc in broken)
        state.lost.update(state.ids - set(stats.stored_ids))
        # data.gouv.fr announces no record count: the expectation is every in-range record the files hold
        state.expected = len(state.ids)
        spider.logger.info("%s: %s", resource.get("title"), stats.as_dict())
        raise DropItem(f"{resource.get('title')} stored")  # nothing left for the generic pipelines

    def download(self, resource: dict[str, Any]) -> Path:
        """Download in chunks to the cache (kept when size and checksum say it is the same file)."""
        url = resource["url"]
        name = hashlib.sha256(url.encode()).hexdigest()[:16] + "-" + Path(url.split("?")[0]).name
        target = self.cache / name
        expected = resource.get("filesize")
        if target.exists() and expected and target.stat().st_size == int(expected):
            return target
        self.cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        received = 0
        with urllib.request.urlopen(request, timeout=self.settings.getint("DOWNLOAD_TIMEOUT", 180)) as response:
            announced = response.headers.get("Content-Length")
            with partial.open("wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    received += len(chunk)
        sizes = {int(v) for v in (announced, expected) if v not in (None, "")}
        if any(received != size for size in sizes):
            partial.unlink(missing_ok=True)
            raise ValueError(f"truncated download of {url}: {received} bytes, announced {sorted(sizes)}")
        partial.replace(target)
        return target

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.engine is not None:
            self.engine.dispose()
