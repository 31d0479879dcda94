"""`soustrace sites`: the websites whose disclosures and DNS say who hosts what a contract delivers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx, progress_bar, read_engine_from_ctx
from soustrace.commands.output import output_options, write_frame
from soustrace.hosting.sites import SITE_KIND_ALIASES, SITE_KINDS, OrgNotFound, add_site, discover, import_sites
from soustrace.models import Organization, Site


@click.group("sites")
def sites() -> None:
    """Sites of contractors, of what contracts deliver, and of buyers' platforms."""


@sites.command("add")
@click.argument("org")
@click.argument("url")
@click.option("--kind", type=click.Choice([*SITE_KINDS, *SITE_KIND_ALIASES]), default="vendor-site", show_default=True,
              help="buyer: a public buyer's own site (its legal notice names who built and who hosts it).")
@click.option("--contract", "contract_id", type=int, help="Contract id, for a delivered site.")
@click.pass_context
def add(ctx: click.Context, org: str, url: str, kind: str, contract_id: int | None) -> None:
    """Tie URL to ORG (SIREN/SIRET, organisation id or exact name).

    \b
    Example:
      soustrace sites add 82922038300022 https://www.editions-kiro.com
    """
    from urllib.parse import urlsplit

    given = url.strip()
    bare_host = "://" not in given and not re.match(r"(?i)[a-z][a-z0-9+.-]*:(?!\d)", given)
    parts = urlsplit(f"https://{given}" if bare_host else given)  # `www.example.fr` means its https site
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url!r} is not an http(s) URL (e.g. https://www.example.fr)", param_hint="URL")
    engine = engine_from_ctx(ctx)
    try:
        with Session(engine) as session, session.begin():
            site = add_site(session, org, url, kind=kind, contract_id=contract_id)
            click.echo(f"site {site.id} {site.url} ({site.kind}) for organisation {site.org_id}")
    except (OrgNotFound, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@sites.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Add sites from a CSV with columns org,url[,kind]; bad rows are reported, the others stored."""
    try:
        stored, errors = import_sites(engine_from_ctx(ctx), file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for error in errors:
        click.echo(error, err=True)
    click.echo(f"{stored} site(s) stored, {len(errors)} row(s) rejected")
    if errors:
        ctx.exit(1)


@sites.command("list")
@click.option("--kind", type=click.Choice(SITE_KINDS))
@output_options
@click.pass_context
def list_(ctx: click.Context, kind: str | None, fmt: str, out: Path | None) -> None:
    """Stored sites with their organisation, contract, how they were found and when last crawled.

    \b
    Examples:
      soustrace sites list
      soustrace sites list --kind vendor-site -f csv -o sites.csv
    """
    import pandas as pd

    with Session(read_engine_from_ctx(ctx)) as session:
        query = select(Site, Organization).outerjoin(Organization, Organization.id == Site.org_id).order_by(Site.id)
        if kind:
            query = query.where(Site.kind == kind)
        rows = [{"id": s.id, "url": s.url, "kind": s.kind, "org_id": s.org_id, "org": o.name if o else None,
                 "siren": o.siren if o else None, "contract_id": s.contract_id, "found_by": s.found_by,
                 "last_crawled": s.last_crawled} for s, o in session.execute(query)]
    columns = ["id", "url", "kind", "org_id", "org", "siren", "contract_id", "found_by", "last_crawled"]
    write_frame(pd.DataFrame(rows, columns=columns), fmt, out, title="sites")


@sites.command("discover")
@click.option("--no-reparse", is_flag=True, help="Only read stored contract titles, do not re-parse payloads.")
@click.pass_context
def discover_(ctx: click.Context, no_reparse: bool) -> None:
    """Find sites in stored notices: WebsiteURI, vendors' e-mail domains, URLs named in the texts."""
    with progress_bar(ctx, "discover") as progress:
        stats = discover(engine_from_ctx(ctx), use_default_parser=not no_reparse, progress=progress)
    click.echo(json.dumps(stats.as_dict(), indent=2))


@sites.command("dns")
@click.option("--site", "site_url", help="One stored site, by URL (default: every site).")
@click.option("--ranges", "ranges_dir", type=click.Path(file_okay=False, path_type=Path),
              help="IP-range snapshot directory (default: data/ip_ranges).")
@click.pass_context
def dns_(ctx: click.Context, site_url: str | None, ranges_dir: Path | None) -> None:
    """Resolve sites (A/AAAA/CNAME) and match providers' ranges and domains: a second, independent method."""
    from soustrace.hosting.dns import check_sites

    _check_resolver()
    report = check_sites(engine_from_ctx(ctx), site_url=site_url, ranges_dir=ranges_dir)
    click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))


def _check_resolver(probe: str = "gouv.fr") -> None:
    """Stop in seconds when no DNS resolver answers, instead of reporting every site as NXDOMAIN.

    An offline machine's resolver fails every name alike; `gouv.fr` always exists, so a failure to resolve
    it says the resolver, not the sites, is the problem.
    """
    import dns.exception
    import dns.resolver

    try:
        dns.resolver.Resolver().resolve(probe, "NS", lifetime=5.0)
    except dns.exception.DNSException as exc:
        raise click.ClickException(f"no DNS resolver answers (no network?): {probe} did not resolve "
                                   f"({type(exc).__name__})") from exc
