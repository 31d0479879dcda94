"""`soustrace crawl SOURCE`: date-range crawls that prove their completeness or fail loudly."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from soustrace.commands.common import date_option, engine_from_ctx, is_verbose, parse_overrides

SETTING = click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, e.g. -s BOAMP_API_URL=http://127.0.0.1:8000/boamp",
)


def run_spider(ctx: click.Context, spider: str, overrides: tuple[str, ...], **kwargs: Any) -> None:
    """Run one spider in this process with the project settings, `--db` and `-s` overrides."""
    from scrapy.crawler import CrawlerProcess

    from soustrace.db import resolve_url
    from soustrace.settings import crawl_settings

    values = parse_overrides(overrides)
    db_url = resolve_url((ctx.find_root().obj or {}).get("db_url"))
    from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT

    settings = crawl_settings(db_url, values, quiet=not is_verbose(ctx))  # Scrapy's logs only with -v
    check_reachable(settings.get(API_SETTING.get(spider, ""), ""))
    engine_from_ctx(ctx)  # schema and catalog before the spiders write (a database error stops us here)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **{k: v for k, v in kwargs.items() if v is not None})
    process.start()
    failure = crawler.stats.get_value(INFRASTRUCTURE_ERROR_STAT) if crawler.stats else None
    if failure:  # the database or the disk, not the data: no summary to trust
        click.echo(f"crawl {spider} STOPPED: {failure}", err=True)
        sys.exit(2)


# The host each spider reaches first (the packages route reads TED's web site, the search route its API).
API_SETTING = {"boamp": "BOAMP_API_URL", "ted": "TED_WEB_URL", "ted_api": "TED_API_URL", "decp": "DECP_API_URL"}


def check_reachable(url: str, timeout: float = 10.0) -> None:
    """Fail in seconds, naming the host, when a source cannot be reached (no network, DNS down, host down).

    Without it an offline crawl spent minutes in Scrapy's retries (each DNS failure retried with backoff)
    and ended with "re-run with --resume", as if the source had been short.
    """
    import concurrent.futures
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)

    def connect() -> None:
        with socket.create_connection((host, port), timeout=timeout):
            pass

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:  # getaddrinfo has no timeout of its own: the thread bounds it
        pool.submit(connect).result(timeout=timeout + 5)
    except (OSError, concurrent.futures.TimeoutError) as exc:
        raise click.ClickException(f"cannot reach {host} (no network?): {exc or type(exc).__name__}") from exc
    finally:
        pool.shutdown(wait=False)


def report(ctx: click.Context, source: str, date_from: dt.date, date_until: dt.date, params: str) -> None:
    """Print the crawl summary; exit 1 naming the windows that are short or failed."""
    from soustrace.pipelines.store.ledger import summarize

    summary = summarize(engine_from_ctx(ctx), source, date_from, date_until, params)
    click.echo(json.dumps({"source": source, "from": str(date_from), "to": str(date_until), **summary}, indent=2))
    if summary["incomplete"] or summary["windows"] == 0:
        names = "\n  ".join(summary["incomplete"]) or "no window was crawled"  # type: ignore[arg-type]
        click.echo(f"crawl INCOMPLETE for {source}:\n  {names}\nre-run with --resume", err=True)
        sys.exit(1)


def enqueue(ctx: click.Context, source: str, start: dt.date, end: dt.date, params: str, resume: bool,
            queue: str, overrides: tuple[str, ...]) -> None:
    """`--queue`: the windows a local crawl would run go to Redis, one unit each, for `soustrace worker`."""
    from soustrace.distributed.queue import QueueError, connect
    from soustrace.distributed.windows import enqueue_windows

    values = parse_overrides(overrides)
    days = int(values.get("CRAWL_WINDOW_DAYS") or WINDOW_DAYS.get(source, 7))
    try:
        connect(queue).close()
        out = enqueue_windows(engine_from_ctx(ctx), queue, source, start, end, params, days, resume=resume)
    except QueueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(out, indent=2))


def enqueue_packages(ctx: click.Context, start: dt.date, end: dt.date, country: str, kinds: str, params: str,
                     resume: bool, queue: str, overrides: tuple[str, ...]) -> None:
    """`crawl ted --queue`: one unit per daily package of the range (the release calendars are read here)."""
    from soustrace import settings
    from soustrace.commands.common import parse_overrides
    from soustrace.distributed.packages import enqueue_packages as push_packages
    from soustrace.distributed.queue import QueueError, connect
    from soustrace.spiders.ted.calendar import CalendarError

    values = parse_overrides(overrides)
    web_url = values.get("TED_WEB_URL") or settings.TED_WEB_URL
    try:
        connect(queue).close()
        out = push_packages(engine_from_ctx(ctx), queue, start, end, country=country, kinds=kinds, params=params,
                            web_url=web_url, user_agent=values.get("USER_AGENT") or settings.USER_AGENT,
                            resume=resume)
    except QueueError as exc:
        raise click.ClickException(str(exc)) from exc
    except (CalendarError, OSError) as exc:  # no calendar, no units: nothing is marked queued
        raise click.ClickException(f"TED's release calendar at {web_url} cannot be read, nothing enqueued: "
                                   f"{exc}") from exc
    click.echo(json.dumps(out, indent=2))


WINDOW_DAYS = {"boamp": 7, "ted": 7, "decp": 36600}  # as the spiders' settings say (decp: files are the unit)
QUEUE = click.option("--queue", metavar="redis://HOST:6379/0",
                     help="Do not crawl here: enqueue the units (a window; TED: a daily package) for "
                          "`soustrace worker` processes.")


def date_options(func: Any) -> Any:
    func = QUEUE(func)
    func = click.option("--resume", is_flag=True, help="Re-run only the windows not yet proven complete.")(func)
    func = date_option("--to", "date_until", end=True, as_datetime=True, required=True,
                       help="Last publication date, inclusive (YYYY, YYYY-MM or YYYY-MM-DD).")(func)
    func = date_option("--from", "date_from", as_datetime=True, required=True,
                       help="First publication date, inclusive (YYYY, YYYY-MM or YYYY-MM-DD).")(func)
    return func


@click.group("crawl")
def crawl() -> None:
    """Crawl a source for a date range (BOAMP, TED, DECP) or contractors' disclosure pages."""


@crawl.command("boamp")
@date_options
@click.option("--nature", help="Only this BOAMP nature, e.g. ATTRIBUTION.")
@SETTING
@click.pass_context
def crawl_boamp(
    ctx: click.Context,
    date_from: dt.datetime,
    date_until: dt.datetime,
    resume: bool,
    nature: str | None,
    overrides: tuple[str, ...],
    queue: str | None,
) -> None:
    """BOAMP notices published between two dates (dateparution), every nature unless --nature.

    \b
    Example:
      soustrace crawl boamp --from 2024-03-01 --to 2024-03-07 --nature ATTRIBUTION
    """
    start, end = date_from.date(), date_until.date()
    if queue:
        return enqueue(ctx, "boamp", start, end, f"nature={nature.upper()}" if nature else "", resume, queue, overrides)
    run_spider(ctx, "boamp", overrides, from_date=str(start), until_date=str(end), resume=resume, nature=nature)
    report(ctx, "boamp", start, end, f"nature={nature.upper()}" if nature else "")


@crawl.command("ted")
@date_options
@click.option("--country", default="FRA", show_default=True, help="Buyer country: FRA, ALL or ISO3 list FRA,BEL.")
@click.option("--via", type=click.Choice(["packages", "api"]), default="packages", show_default=True,
              help="packages: the daily packages, every notice of each day (date ranges); "
                   "api: Search API then one download per notice (narrow queries, ~1.7 notices/s at most).")
@click.option("--kinds", default="award,modification", show_default=True,
              help="With --via packages: the notice kinds kept (award, modification, call, planning, "
                   "rectification, other) or ALL. The API route asks for result notices.")
@SETTING
@click.pass_context
def crawl_ted(
    ctx: click.Context,
    date_from: dt.datetime,
    date_until: dt.datetime,
    resume: bool,
    country: str,
    via: str,
    kinds: str,
    overrides: tuple[str, ...],
    queue: str | None,
) -> None:
    """TED notices published between two dates: result notices (awards, modifications, VEAT) by default.

    \b
    Examples:
      soustrace crawl ted --from 2025-01-01 --to 2025-01-31 --country ALL
      soustrace crawl ted --from 2025-01-06 --to 2025-01-06 --country FRA --via api
      soustrace crawl ted --from 2024-01-01 --to 2024-12-31 --queue redis://redis:6379/0
    """
    from soustrace.spiders.base import SpiderArgumentError
    from soustrace.spiders.ted.packages import TedPackagesSpider

    start, end = date_from.date(), date_until.date()
    codes = country.upper().replace(" ", "")
    if codes != "ALL" and not all(len(c) == 3 and c.isalpha() for c in codes.split(",")):
        raise click.BadParameter(
            f"{country!r}: use FRA, ALL or ISO 3166 alpha-3 codes like FRA,BEL", param_hint="--country"
        )
    if via == "api":
        if queue:
            return enqueue(ctx, "ted", start, end, f"country={'ALL' if codes == 'ALL' else codes}", resume, queue,
                           overrides)
        run_spider(ctx, "ted_api", overrides, from_date=str(start), until_date=str(end), resume=resume,
                   country=country)
        report(ctx, "ted", start, end, f"country={'ALL' if codes == 'ALL' else codes}")
        return
    try:
        params = TedPackagesSpider(from_date=str(start), until_date=str(end), country=country, kinds=kinds).params
    except SpiderArgumentError as exc:
        raise click.BadParameter(str(exc)) from exc
    if queue:
        return enqueue_packages(ctx, start, end, country, kinds, params, resume, queue, overrides)
    run_spider(ctx, "ted", overrides, from_date=str(start), until_date=str(end), resume=resume, country=country,
               kinds=kinds)
    report(ctx, "ted", start, end, params)


@crawl.command("decp")
@date_options
@SETTING
@click.pass_context
def crawl_decp(
    ctx: click.Context, date_from: dt.datetime, date_until: dt.datetime, resume: bool, overrides: tuple[str, ...],
    queue: str | None,
) -> None:
    """DECP consolidated files from data.gouv.fr for a period (records kept by dateNotification).

    \b
    Example:
      soustrace crawl decp --from 2024-01-01 --to 2024-03-31
    """
    start, end = date_from.date(), date_until.date()
    if queue:
        return enqueue(ctx, "decp", start, end, "", resume, queue, overrides)
    run_spider(ctx, "decp", overrides, from_date=str(start), until_date=str(end), resume=resume)
    report(ctx, "decp", start, end, "")


def _attach_disclosures() -> None:
    from soustrace.commands.crawl_disclosures import crawl_disclosures_command

    crawl.add_command(crawl_disclosures_command, "disclosures")


_attach_disclosures()
