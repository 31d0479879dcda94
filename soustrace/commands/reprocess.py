"""`soustrace reprocess`: re-parse stored raw notices after a parser upgrade, with no network."""

from __future__ import annotations

import json

import click

from soustrace.commands.common import engine_from_ctx, progress_bar


@click.command("reprocess")
@click.option("--source", type=click.Choice(["boamp", "ted", "decp"]), help="Only this source.")
@click.pass_context
def reprocess(ctx: click.Context, source: str | None) -> None:
    """Rebuild contracts, roles and relations from the stored raw payloads.

    \b
    Example:
      soustrace reprocess --source boamp
    """
    from soustrace.pipelines.store import Store

    with progress_bar(ctx, "reprocess") as progress:
        stats = Store(engine_from_ctx(ctx)).reprocess(source, progress=progress)
    click.echo(json.dumps({"reprocessed": stats.revised, "parse_errors": stats.parse_errors}))
