"""scrapy-redis's scheduler and duplicate filter, with two additions a unit of work needs.

1. Locality: the first request of a unit (a host's home page; for a window, a `data:` request that opens
   it) is flagged `meta["soustrace_claim"]` and goes through the shared Redis queue, so whichever worker
   pops it claims the unit; every other request (what a claimed unit spawns) stays in that worker's
   memory. That is how per-domain politeness survives scale-out: one host is fetched by one worker at a
   time, under that worker's Scrapy slot (CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, AutoThrottle),
   instead of N workers each being "polite" at once. It also keeps a window's page accounting in one
   process.
2. Campaigns: a fingerprint is salted with the unit's campaign token, so `--resume` (a new campaign)
   re-fetches what a dead worker lost, while within one campaign the shared filter still stops two
   workers, or two enqueues, from fetching the same page.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

CLAIM = "soustrace_claim"
CAMPAIGN = "soustrace_campaign"


class CampaignDupeFilter(RFPDupeFilter):
    def request_fingerprint(self, request: Any) -> str:
        fp = super().request_fingerprint(request)
        campaign = request.meta.get(CAMPAIGN)
        return hashlib.sha1(f"{fp}:{campaign}".encode()).hexdigest() if campaign else fp


class UnitScheduler(Scheduler):
    """Shared queue for units' first requests, a local FIFO for what a claimed unit spawns (served first)."""

    def open(self, spider: Any) -> Any:
        self.local: deque[Any] = deque()
        return super().open(spider)

    def enqueue_request(self, request: Any) -> bool:
        if request.meta.get(CLAIM):
            return super().enqueue_request(request)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/local")
        self.local.append(request)
        return True

    def next_request(self) -> Any:
        if self.local:
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/local")
            return self.local.popleft()
        return super().next_request()

    def has_pending_requests(self) -> bool:
        return bool(self.local) or super().has_pending_requests()

    def __len__(self) -> int:
        return len(self.local) + super().__len__()
