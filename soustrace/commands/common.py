"""Helpers shared by the command modules: the engine from `--db`, errors on stderr, progress bars."""

from __future__ import annotations

import click
from rich.console import Console
from sqlalchemy import Engine

from soustrace.db import make_engine

err_console = Console(stderr=True)


def engine_from_ctx(ctx: click.Context) -> Engine:
    obj = ctx.find_root().obj or {}
    try:
        return make_engine(obj.get("db_url"))
    except Exception as exc:
        raise click.ClickException(f"cannot open database: {exc}") from exc


def is_quiet(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("quiet"))
