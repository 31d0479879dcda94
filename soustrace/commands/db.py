"""`soustrace db`: schema upgrades and counts."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from soustrace.commands.common import engine_from_ctx
from soustrace.db import current_revision, make_engine, resolve_url, upgrade_schema
from soustrace.queries.stats import db_stats


@click.group("db")
def db() -> None:
    """Database schema and statistics."""


@db.command("upgrade")
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Create or upgrade the schema to the latest migration (also done automatically on first use)."""
    url = resolve_url((ctx.find_root().obj or {}).get("db_url"))
    engine = make_engine(url, upgrade=False)
    ran = upgrade_schema(engine)
    click.echo(f"{'upgraded' if ran else 'already at'} revision {current_revision(engine)} ({engine.url!r})")


@db.command("stats")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Counts of notices per source, contracts, organisations, relations and rejects.

    \b
    Example:
      soustrace db stats --format json
    """
    data = db_stats(engine_from_ctx(ctx))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    table = Table("what", "count")
    for source, n in data["notices"].items():  # type: ignore[union-attr]
        table.add_row(f"notices ({source})", str(n))
    for key, value in data.items():
        if key != "notices":
            table.add_row(key, str(value))
    Console().print(table)
