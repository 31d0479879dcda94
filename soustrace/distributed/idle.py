"""When a worker's crawler stops: never by default; with `--idle-exit N`, after N seconds of nothing to do.

scrapy-redis's own MAX_IDLE_TIME_BEFORE_CLOSE counts from the last time the start list was seen non-empty
(a class attribute set at import), so a worker busy for ten minutes would close at its first idle moment;
here the clock starts when the crawler becomes idle and any activity stops it.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin


class IdleExitMixin:
    """Mixed into RedisMixin spiders (uses its `server`, `redis_key`, `count_size`, `max_idle_time`)."""

    _idle_since: float | None = None

    def busy(self) -> None:
        self._idle_since = None

    def spider_idle(self) -> None:
        if self.server is not None and self.count_size(self.redis_key) > 0:  # type: ignore[attr-defined]
            self._idle_since = None
            self.schedule_next_requests()  # type: ignore[attr-defined]
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if self.max_idle_time and now - self._idle_since >= self.max_idle_time:  # type: ignore[attr-defined]
            return
        raise DontCloseSpider


class QueuedSpiderMixin(IdleExitMixin, RedisMixin):
    """What every queued spider adds to its local spider: the Redis connection made from the crawler's
    settings, and start requests read from the queue instead of the spider's own arguments."""

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.setup_redis(crawler)
        return spider

    async def start(self) -> Any:
        for request in self.next_requests():
            yield request
