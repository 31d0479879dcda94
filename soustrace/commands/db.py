"""`soustrace db`: schema upgrades, counts and the rejected records (which, at which stage, why)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from soustrace.commands.common import read_engine_from_ctx
from soustrace.commands.output import output_options, write_frame


@click.group("db")
def db() -> None:
    """Database schema, statistics and rejected records."""


@db.command("upgrade")
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Create or upgrade the schema to the latest migration (also done by every command that writes)."""
    from soustrace.db import current_revision, make_engine, resolve_url, upgrade_schema
    from soustrace.pipelines.store.providers import ensure_providers

    url = resolve_url((ctx.find_root().obj or {}).get("db_url"))
    engine = make_engine(url, upgrade=False)
    ran = upgrade_schema(engine)
    ensure_providers(engine)  # the catalog is part of a usable database: `query uses aws` must know aws
    click.echo(f"{'upgraded' if ran else 'already at'} revision {current_revision(engine)} ({engine.url!r})")


@db.command("stats")
@output_options
@click.pass_context
def stats(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Counts of notices per source, contracts, organisations, relations and rejects (never creates tables).

    \b
    Examples:
      soustrace db stats
      soustrace db stats --format json
      soustrace db stats -f csv -o stats.csv
    """
    from soustrace.queries.stats import db_stats

    data = db_stats(read_engine_from_ctx(ctx))
    if fmt == "json":  # the nested document scripts already read (notices per source as an object)
        text = json.dumps(data, indent=2) + "\n"
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
        return
    rows = [{"what": f"notices ({source})", "count": n} for source, n in data["notices"].items()]  # type: ignore[union-attr]
    rows += [{"what": key, "count": value} for key, value in data.items() if key != "notices"]
    write_frame(pd.DataFrame(rows, columns=["what", "count"]), fmt, out, title="database")


REJECT_COLUMNS = ["source", "record_id", "stage", "reason", "url", "last_seen"]


@db.command("rejects")
@click.option("--source", default=None, help="Only this source (boamp, ted, decp, disclosures...).")
@click.option("--limit", type=int, default=None, help="At most this many, most recent first.")
@output_options
@click.pass_context
def rejects(ctx: click.Context, source: str | None, limit: int | None, fmt: str, out: Path | None) -> None:
    """Records and files that were not stored: source, record, stage, reason, where they came from.

    \b
    Examples:
      soustrace db rejects
      soustrace db rejects --source decp -f csv -o rejects.csv
    """
    from sqlalchemy import select

    from soustrace.models import Reject

    query = select(Reject).order_by(Reject.last_seen.desc(), Reject.id.desc())
    if source:
        query = query.where(Reject.source == source)
    if limit:
        query = query.limit(limit)
    with read_engine_from_ctx(ctx).connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.with_only_columns(
            *(getattr(Reject, c) for c in REJECT_COLUMNS)))]
    frame = pd.DataFrame(rows, columns=REJECT_COLUMNS)
    write_frame(frame, fmt, out, title=f"rejects{' (' + source + ')' if source else ''}")



