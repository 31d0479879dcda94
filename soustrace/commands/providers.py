"""`soustrace providers`: the provider catalog (list, show, load) and the IP-range snapshot update."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx


@click.group("providers")
def providers() -> None:
    """The hosting-provider catalog shipped in data/providers.json."""


@providers.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def list_providers(ctx: click.Context, fmt: str) -> None:
    """Every provider with its jurisdiction, CLOUD Act exposure and SecNumCloud status.

    \b
    Example:
      soustrace providers list --format json
    """
    from soustrace.models import Provider
    from soustrace.pipelines.store.providers import ensure_providers

    engine = engine_from_ctx(ctx)
    ensure_providers(engine)
    with Session(engine) as s:
        rows = [{"id": p.id, "name": p.name, "hq_country": p.hq_country, "jurisdiction": p.jurisdiction,
                 "cloud_act": p.cloud_act, "secnumcloud": p.secnumcloud_status}
                for p in s.scalars(select(Provider).order_by(Provider.id))]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "HQ", "jurisdiction", "CLOUD Act", "SecNumCloud")
    for row in rows:
        table.add_row(*(str(row[k] if row[k] is not None else "?") for k in
                        ("id", "name", "hq_country", "jurisdiction", "cloud_act", "secnumcloud")))
    Console().print(table)


@providers.command("show")
@click.argument("provider")
@click.pass_context
def show(ctx: click.Context, provider: str) -> None:
    """One provider's catalog entry (id or alias), with legal entities and the evidence of each fact.

    \b
    Example:
      soustrace providers show aws
    """
    from soustrace.pipelines.store.providers import ensure_providers, find_provider

    engine = engine_from_ctx(ctx)
    ensure_providers(engine)
    found = find_provider(engine, provider)
    if found is None:
        raise click.ClickException(f"no provider {provider!r} in the catalog (see `soustrace providers list`)")
    data = {k: v for k, v in (found.data or {}).items() if not k.startswith("_")}
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@providers.command("load")
@click.pass_context
def load(ctx: click.Context) -> None:
    """(Re)load data/providers.json into the database (done automatically on first use)."""
    from soustrace.pipelines.store.providers import ensure_providers

    click.echo(json.dumps({"providers_written": ensure_providers(engine_from_ctx(ctx))}))


@providers.command("update-ranges")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to write (default data/ip_ranges).")
@click.option("--url", "urls", multiple=True, metavar="PROVIDER=URL", help="Override a provider's list URL.")
def update_ranges(directory: str | None, urls: tuple[str, ...]) -> None:
    """Refresh the dated IP-range snapshot from the providers' own published lists (needs the internet).

    \b
    Example:
      soustrace providers update-ranges --url aws=https://ip-ranges.amazonaws.com/ip-ranges.json
    """
    from pathlib import Path

    from soustrace.hosting.ip_ranges import update_ranges as run_update

    overrides = dict(u.split("=", 1) for u in urls) if urls else None
    result = run_update(directory=Path(directory) if directory else None, urls=overrides)
    click.echo(json.dumps(result, default=str, ensure_ascii=False, indent=2))
