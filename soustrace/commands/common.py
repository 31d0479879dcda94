"""Helpers shared by the command modules: the engine from `--db`, errors on stderr, progress bars."""

from __future__ import annotations

import click
from rich.console import Console
from sqlalchemy import Engine

from soustrace.db import make_engine

err_console = Console(stderr=True)


def engine_from_ctx(ctx: click.Context) -> Engine:
    """The engine of `--db`; when the command ends, the stored answer rows are brought up to date if it wrote,
    so the first question after a crawl does not pay for their rebuild (see `queries.answer_cache`)."""
    obj = ctx.find_root().obj or {}
    try:
        engine = make_engine(obj.get("db_url"))
    except Exception as exc:
        raise click.ClickException(f"cannot open database: {exc}") from exc
    ctx.call_on_close(lambda: _refresh_answers(engine))
    return engine


def _refresh_answers(engine: Engine) -> None:
    from soustrace.queries import answer_cache

    try:
        answer_cache.ensure_fresh(engine)
    except Exception as exc:  # never fail a command that did its work: the next read rebuilds them
        err_console.print(f"[yellow]note:[/] stored answers not refreshed ({type(exc).__name__}: {exc})")


def is_quiet(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("quiet"))
