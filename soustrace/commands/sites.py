"""`soustrace sites`: the websites whose disclosures and DNS say who hosts what a contract delivers."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx
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
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def list_(ctx: click.Context, kind: str | None, fmt: str) -> None:
    """Stored sites with their organisation, contract, how they were found and when last crawled."""
    with Session(engine_from_ctx(ctx)) as session:
        query = select(Site, Organization).outerjoin(Organization, Organization.id == Site.org_id).order_by(Site.id)
        if kind:
            query = query.where(Site.kind == kind)
        rows = [{"id": s.id, "url": s.url, "kind": s.kind, "org_id": s.org_id, "org": o.name if o else None,
                 "siren": o.siren if o else None, "contract_id": s.contract_id, "found_by": s.found_by,
                 "last_crawled": s.last_crawled} for s, o in session.execute(query)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("id", "url", "kind", "organisation", "contract", "found by", "last crawled")
    for r in rows:
        table.add_row(str(r["id"]), r["url"], r["kind"], f"{r['org'] or ''} {r['siren'] or ''}".strip(),
                      str(r["contract_id"] or ""), r["found_by"] or "", r["last_crawled"] or "")
    Console().print(table)


@sites.command("discover")
@click.option("--no-reparse", is_flag=True, help="Only read stored contract titles, do not re-parse payloads.")
@click.pass_context
def discover_(ctx: click.Context, no_reparse: bool) -> None:
    """Find sites in stored notices: WebsiteURI, vendors' e-mail domains, URLs named in the texts."""
    stats = discover(engine_from_ctx(ctx), use_default_parser=not no_reparse)
    click.echo(json.dumps(stats.as_dict(), indent=2))


@sites.command("dns")
@click.option("--site", "site_url", help="One stored site, by URL (default: every site).")
@click.option("--ranges", "ranges_dir", type=click.Path(file_okay=False, path_type=Path),
              help="IP-range snapshot directory (default: data/ip_ranges).")
@click.pass_context
def dns_(ctx: click.Context, site_url: str | None, ranges_dir: Path | None) -> None:
    """Resolve sites (A/AAAA/CNAME) and match providers' ranges and domains: a second, independent method."""
    from soustrace.hosting.dns import check_sites

    report = check_sites(engine_from_ctx(ctx), site_url=site_url, ranges_dir=ranges_dir)
    click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
