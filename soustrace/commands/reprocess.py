"""`soustrace reprocess`: re-parse stored raw notices after a parser upgrade, with no network."""

from __future__ import annotations

import json

import click

from soustrace.commands.common import engine_from_ctx, err_console, is_quiet


@click.command("reprocess")
@click.option("--source", type=click.Choice(["boamp", "ted", "decp"]), help="Only this source.")
@click.pass_context
def reprocess(ctx: click.Context, source: str | None) -> None:
    """Rebuild contracts, roles and relations from the stored raw payloads.

    \b
    Example:
      soustrace reprocess --source boamp
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from soustrace.pipelines.store import Store

    columns = (TextColumn("reprocess"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=is_quiet(ctx), console=err_console, transient=True) as bar:
        task = bar.add_task("reprocess", total=None)
        stats = Store(engine_from_ctx(ctx)).reprocess(
            source, progress=lambda done, total: bar.update(task, completed=done, total=total))
    click.echo(json.dumps({"reprocessed": stats.revised, "parse_errors": stats.parse_errors}))
