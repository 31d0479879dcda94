"""`scrapy crawl SPIDER`, exiting non-zero when the crawl failed, as `soustrace crawl` does.

Scrapy's own `crawl` exits 0 unless the crawler could not start: a crawl whose windows came up short, whose
store hit a full disk, or that was cut short, looked like a success to a cron job or a shell script.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError


def crawl_exit_status(crawler: Any) -> tuple[int, str]:
    """The exit status of one finished crawl and why: 2 infrastructure, 1 incomplete or cut short, 0 done."""
    from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT
    from soustrace.spiders.base import WindowedSpider

    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get(INFRASTRUCTURE_ERROR_STAT):
        return 2, f"STOPPED: {stats[INFRASTRUCTURE_ERROR_STAT]}"
    reason = stats.get("finish_reason")
    if reason != "finished":
        return 1, f"did not finish ({reason or 'no finish reason'})"
    spider = crawler.spider
    if isinstance(spider, WindowedSpider) and getattr(spider, "_ledger", None) is not None:
        from soustrace.pipelines.store.ledger import summarize

        summary = summarize(spider.ledger.engine, spider.source, spider.from_date, spider.until_date,
                            spider.params)
        if summary["incomplete"] or summary["windows"] == 0:
            names = "; ".join(summary["incomplete"]) or "no window was crawled"  # type: ignore[arg-type]
            return 1, f"INCOMPLETE: {names} (re-run with -a resume=1)"
    return 0, ""


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self.exitcode, why = crawl_exit_status(crawler)
        if why:
            import sys

            print(f"crawl {args[0]} {why}", file=sys.stderr)
