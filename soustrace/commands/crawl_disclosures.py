"""`soustrace crawl disclosures`: read the legal notices of stored sites and record who hosts them.

Sites are chosen in the database (by organisation, by URL, all, or those not crawled since a date), grouped
by URL so a page shared by several Site rows is fetched once, and crawled in this process.
Also runnable alone for tests and scripts:
`python -m soustrace.commands.crawl_disclosures --db URL disclosures --all`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx, is_verbose, parse_overrides
from soustrace.models import Site


def select_targets(engine: Engine, *, org: str | None = None, site: str | None = None, all_sites: bool = False,
                   since: dt.date | None = None) -> list[dict[str, Any]]:
    """Spider targets `{url, sites: [...]}`; --since keeps sites never crawled or crawled before that date."""
    from soustrace.hosting.sites import resolve_org
    from soustrace.pipelines.store import normalize_site_url

    with Session(engine) as session:
        query = select(Site).order_by(Site.id)
        if org:
            query = query.where(Site.org_id == resolve_org(session, org, create=False).id)
        if site:
            query = query.where(Site.url == normalize_site_url(site))
        if not (org or site or all_sites or since):
            raise click.UsageError("say which sites: --org, --site, --all or --since")
        if since:
            query = query.where(or_(Site.last_crawled.is_(None), Site.last_crawled < since.isoformat()))
        grouped: dict[str, dict[str, Any]] = {}
        for row in session.scalars(query):
            entry = grouped.setdefault(row.url, {"url": row.url, "sites": []})
            entry["sites"].append({"site_id": row.id, "org_id": row.org_id, "contract_id": row.contract_id,
                                   "kind": row.kind, "url": row.url})
        return list(grouped.values())


def run_disclosure_crawl(db_url: str, targets: list[dict[str, Any]], overrides: dict[str, str] | None = None,
                         *, quiet: bool = False) -> dict[str, Any]:
    """Run the spider in this process (Twisted's reactor starts once per process) and return its stats."""
    from scrapy.crawler import CrawlerProcess

    from soustrace.settings import crawl_settings
    from soustrace.spiders.disclosures import DisclosuresSpider

    process = CrawlerProcess(crawl_settings(db_url, overrides, quiet=quiet))
    crawler = process.create_crawler(DisclosuresSpider)
    process.crawl(crawler, targets=targets)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k.removeprefix("disclosures/"): v for k, v in stats.items()
            if k.startswith("disclosures/") or k in ("item_scraped_count", "finish_reason")}


def enqueue_targets(engine: Engine, queue: str, targets: list[dict[str, Any]], *, resume: bool) -> None:
    """Ledger rows first (a worker may pop a unit at once), then one Redis push; prints what was queued."""
    from soustrace.distributed.disclosures import units_for
    from soustrace.distributed.queue import QueueError, connect, push_units, units_key
    from soustrace.pipelines.visits import VisitLedger, new_campaign

    ledger = VisitLedger(engine)
    skipped = 0
    if resume:
        done = ledger.complete_urls(t["url"] for t in targets)
        skipped = sum(t["url"] in done for t in targets)
        targets = [t for t in targets if t["url"] not in done]
    if not targets and not resume:
        raise click.ClickException("no stored site matches (add one with `soustrace sites add ORG URL`)")
    try:
        connect(queue).close()  # before touching the ledger: a dead Redis queues nothing
        campaign = new_campaign()
        units = units_for(targets, campaign)
        ledger.queue([t["url"] for t in targets], campaign)
        pushed = push_units(queue, "disclosures", units)
    except QueueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"enqueued": pushed, "unit": "host", "sites": len(targets), "already_complete": skipped,
                           "campaign": campaign, "queue": units_key("disclosures")}, indent=2))


@click.command("disclosures")
@click.option("--org", help="Sites of one organisation (id, SIREN/SIRET or exact name).")
@click.option("--site", help="One stored site, by URL.")
@click.option("--all", "all_sites", is_flag=True, help="Every stored site.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Sites not crawled since this date.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0")
@click.option("--queue", metavar="redis://HOST:6379/0",
              help="Do not crawl here: enqueue one unit per host for `soustrace worker` processes.")
@click.option("--resume", is_flag=True, help="With --queue: only the sites whose last queued visit is not complete.")
@click.pass_context
def crawl_disclosures_command(ctx: click.Context, org: str | None, site: str | None, all_sites: bool,
                              since: dt.datetime | None, overrides: tuple[str, ...], queue: str | None,
                              resume: bool) -> None:
    """Fetch legal notices, privacy and sub-processor pages of stored sites; record stated hosts.

    \b
    Examples:
      soustrace crawl disclosures --org 829220383
      soustrace crawl disclosures --site https://www.editions-kiro.com
      soustrace crawl disclosures --since 2026-01-01 -s DOWNLOAD_DELAY=2
      soustrace crawl disclosures --all --queue redis://127.0.0.1:6379/0
      soustrace crawl disclosures --all --queue redis://127.0.0.1:6379/0 --resume
    """
    if resume and not queue:
        raise click.UsageError("--resume needs --queue (a local crawl re-reads what --since selects)")
    from soustrace.db import resolve_url
    from soustrace.hosting.sites import OrgNotFound

    engine = engine_from_ctx(ctx)
    try:
        targets = select_targets(engine, org=org, site=site, all_sites=all_sites,
                                 since=since.date() if since else None)
        if queue:
            enqueue_targets(engine, queue, targets, resume=resume)
            return
    except OrgNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    if not targets:
        raise click.ClickException("no stored site matches (add one with `soustrace sites add ORG URL`)")
    db_url = resolve_url((ctx.find_root().obj or {}).get("db_url"))
    stats = run_disclosure_crawl(db_url, targets, parse_overrides(overrides), quiet=not is_verbose(ctx))
    click.echo(json.dumps({"sites": sum(len(t["sites"]) for t in targets), "urls": len(targets), **stats},
                          indent=2, default=str))
    errors = int(stats.get("fetch_error") or 0) + int(stats.get("http_error") or 0)
    if errors and not stats.get("pages"):
        raise click.ClickException(f"no page fetched from {len(targets)} site(s): {errors} fetch error(s) "
                                   "(no network? run with -v to see each one)")


@click.group()
@click.option("--db", "db_url", envvar="SOUSTRACE_DB", default=None, help="SQLAlchemy database URL.")
@click.option("-q", "--quiet", is_flag=True)
@click.pass_context
def _standalone(ctx: click.Context, db_url: str | None, quiet: bool) -> None:
    """Same options as `soustrace`, for running this command without the CLI wiring."""
    ctx.ensure_object(dict)
    ctx.obj.update(db_url=db_url, quiet=quiet)


_standalone.add_command(crawl_disclosures_command)

if __name__ == "__main__":  # pragma: no cover
    _standalone()
