"""`soustrace worker`: one Scrapy process that works the shared Redis queue and stores into `--db`.

Start as many as the sites' politeness and the machines allow, on any machine that reaches Redis and the
database. Each runs one crawler per source (disclosures, and the notice sources' windows); every crawler
uses scrapy-redis's scheduler and duplicate filter, so no page is fetched by two workers in one campaign.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from soustrace.commands.common import is_quiet, parse_overrides


def run_worker(db_url: str, queue: str, sources: list[str], idle_exit: int, overrides: dict[str, str],
               *, quiet: bool = False) -> dict[str, Any]:
    """Run the crawlers until stopped (SIGTERM/SIGINT drain in-flight requests) or idle for `idle_exit` s."""
    from scrapy.crawler import CrawlerProcess

    from soustrace.distributed.queue import worker_settings
    from soustrace.distributed.spiders import QUEUED_SPIDERS
    from soustrace.settings import crawl_settings

    values: dict[str, Any] = {**worker_settings(queue), "MAX_IDLE_TIME_BEFORE_CLOSE": idle_exit, **overrides}
    process = CrawlerProcess(crawl_settings(db_url, values, quiet=quiet))
    crawlers = {}
    for source in sources:
        crawlers[source] = process.create_crawler(QUEUED_SPIDERS[source]())
        process.crawl(crawlers[source])
    process.start()
    return {source: {k: v for k, v in (c.stats.get_stats() if c.stats else {}).items()
                     if k.startswith(("disclosures/", "soustrace/", "item_scraped_count", "finish_reason",
                                      "downloader/request_count", "scheduler/"))}
            for source, c in crawlers.items()}


@click.command("worker")
@click.option("--queue", required=True, metavar="redis://HOST:6379/0", help="The shared Redis queue.")
@click.option("--idle-exit", type=click.IntRange(min=0), default=0, show_default=True,
              help="Exit 0 after this many seconds with nothing queued (0: run until stopped).")
@click.option("--source", "sources", multiple=True, type=click.Choice(["disclosures", "boamp", "ted", "decp"]),
              help="Only these sources' units (default: all).")
@click.option("--status", is_flag=True, help="Print what the queue holds and the site-visit ledger, then exit.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s CONCURRENT_REQUESTS=16")
@click.pass_context
def worker(ctx: click.Context, queue: str, idle_exit: int, sources: tuple[str, ...], status: bool,
           overrides: tuple[str, ...]) -> None:
    """Pull requests from the shared queue, fetch, parse, extract and store into --db.

    --source ted serves both TED queues (daily packages and API windows).

    \b
    Examples:
      soustrace --db postgresql+psycopg://soustrace@db/soustrace worker --queue redis://redis:6379/0
      soustrace --db ... worker --queue redis://redis:6379/0 --idle-exit 60 -s DOWNLOAD_DELAY=2
      soustrace --db ... worker --queue redis://redis:6379/0 --status
    """
    from soustrace.db import resolve_url
    from soustrace.distributed.queue import QueueError, connect, queue_lengths
    from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT

    try:
        connect(queue).close()
        if status:
            click.echo(json.dumps({"queue": queue_lengths(queue), "site_visits": _visit_counts(ctx)}, indent=2))
            return
    except QueueError as exc:
        raise click.ClickException(str(exc)) from exc
    db_url = resolve_url((ctx.find_root().obj or {}).get("db_url"))
    _ensure_schema(db_url)
    from soustrace.distributed.spiders import SOURCE_QUEUES

    chosen = [name for source in (sources or SOURCE_QUEUES) for name in SOURCE_QUEUES[source]]
    stats = run_worker(db_url, queue, chosen, idle_exit, parse_overrides(overrides), quiet=is_quiet(ctx))
    click.echo(json.dumps(stats, indent=2, default=str))
    stopped = {name: s.get(INFRASTRUCTURE_ERROR_STAT) for name, s in stats.items() if s.get(INFRASTRUCTURE_ERROR_STAT)}
    if stopped:  # the database, the disk or Redis failed: what was in flight stays resumable
        click.echo(f"worker STOPPED: {stopped}", err=True)
        sys.exit(2)


def _visit_counts(ctx: click.Context) -> dict[str, int]:
    from soustrace.commands.common import engine_from_ctx
    from soustrace.pipelines.visits import VisitLedger

    return VisitLedger(engine_from_ctx(ctx)).counts()


def _ensure_schema(db_url: str) -> None:
    """Migrate once before the reactor starts, not in each crawler's pipeline at the same time."""
    from soustrace.db import make_engine

    make_engine(db_url).dispose()
