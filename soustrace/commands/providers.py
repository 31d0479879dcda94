"""`soustrace providers`: the provider catalog (list, show, load) and the IP-range snapshot update."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx, read_engine_from_ctx
from soustrace.commands.output import output_options, write_frame


@click.group("providers")
def providers() -> None:
    """The hosting-provider catalog shipped with soustrace (data/providers.json)."""


@providers.command("list")
@output_options
@click.pass_context
def list_providers(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Every provider with its jurisdiction, CLOUD Act exposure and SecNumCloud status.

    \b
    Examples:
      soustrace providers list
      soustrace providers list --format json
    """
    import pandas as pd

    from soustrace.models import Provider
    from soustrace.queries.catalog import secnumcloud_bucket

    with Session(read_engine_from_ctx(ctx)) as s:
        rows = [{"id": p.id, "name": p.name, "hq_country": p.hq_country, "jurisdiction": p.jurisdiction,
                 "cloud_act": p.cloud_act, "secnumcloud": secnumcloud_bucket(p.secnumcloud_status),
                 "secnumcloud_as_quoted": p.secnumcloud_status}
                for p in s.scalars(select(Provider).order_by(Provider.id))]
    columns = ["id", "name", "hq_country", "jurisdiction", "cloud_act", "secnumcloud", "secnumcloud_as_quoted"]
    # the status as quoted goes to csv/json: too long for a terminal row
    write_frame(pd.DataFrame(rows, columns=columns), fmt, out, title="providers", table_columns=columns[:-1],
                wrap=("name",))


@providers.command("show")
@click.argument("provider")
@click.pass_context
def show(ctx: click.Context, provider: str) -> None:
    """One provider's catalog entry (id or alias), with legal entities and the evidence of each fact.

    \b
    Example:
      soustrace providers show aws
    """
    from soustrace.pipelines.store.providers import find_provider

    found = find_provider(read_engine_from_ctx(ctx), provider)
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
    from soustrace.hosting.ip_ranges import update_ranges as run_update

    bad = [u for u in urls if "=" not in u]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not PROVIDER=URL", param_hint="--url")
    overrides = dict(u.split("=", 1) for u in urls) if urls else None
    result = run_update(directory=Path(directory) if directory else None, urls=overrides)
    click.echo(json.dumps(result, default=str, ensure_ascii=False, indent=2))
    failed = _failures(result)
    if failed:
        raise click.ClickException(f"{len(failed)} range list(s) not updated: {', '.join(failed)}")


def _failures(result: dict[str, object]) -> list[str]:
    """Providers whose list could not be fetched (the update reports "failed, old snapshot kept: ...")."""
    return sorted(pid for pid, outcome in result.items() if str(outcome).startswith("failed"))
