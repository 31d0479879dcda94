"""Helpers shared by the command modules: engines from `--db` (read or write), dates, errors on stderr.

Why two engines: a command that only reads must never create tables in whatever `--db` points at (it may be
someone else's database); a command that writes creates and migrates the schema and loads the provider
catalog, so that every later question (`query uses aws`) finds the catalog whatever was written first.
A read on a database that holds no soustrace schema says so on stderr and answers from an empty one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import click
from rich.console import Console
from sqlalchemy import Engine

from soustrace.dates import check_range, parse_date
from soustrace.db import make_engine

err_console = Console(stderr=True)


def _db_url(ctx: click.Context) -> str | None:
    return (ctx.find_root().obj or {}).get("db_url")


def engine_from_ctx(ctx: click.Context) -> Engine:
    """The engine of `--db` for a command that writes: schema created or migrated, provider catalog loaded.
    When the command ends, the stored answer rows are brought up to date (see `queries.answer_cache`), so the
    first question after a crawl does not pay for their rebuild."""
    from soustrace.pipelines.store.providers import ensure_providers

    try:
        engine = make_engine(_db_url(ctx))
        ensure_providers(engine)
    except click.ClickException:
        raise
    except Exception as exc:
        raise click.ClickException(f"cannot open database {_shown(ctx)}: {_first_line(exc)}") from exc
    ctx.call_on_close(lambda: _refresh_answers(engine))
    return engine


def read_engine_from_ctx(ctx: click.Context) -> Engine:
    """The engine of `--db` for a command that only reads: nothing is created or migrated in it.

    A database without soustrace's tables (missing SQLite file, empty or foreign database) is said so on
    stderr and the command answers from an empty in-memory soustrace database holding the catalog, so
    `query uses aws` names the provider and returns no rows instead of failing on a missing table.
    """
    from soustrace.db import current_revision, head_revision, resolve_url

    url = resolve_url(_db_url(ctx))
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        from pathlib import Path

        if not Path(url.removeprefix("sqlite:///").split("?")[0]).exists():
            return _empty_engine(f"no database at {url} yet")
    try:
        engine = make_engine(url, upgrade=False)
        revision = current_revision(engine)
    except Exception as exc:
        raise click.ClickException(f"cannot open database {url}: {_first_line(exc)}") from exc
    if revision is None:
        engine.dispose()
        return _empty_engine(f"{url} holds no soustrace tables (left untouched)")
    if revision != head_revision():
        raise click.ClickException(f"{url} is at schema revision {revision}, older than this soustrace: "
                                   "run `soustrace db upgrade` (or any writing command) first")
    return engine


def _empty_engine(why: str) -> Engine:
    from sqlalchemy.pool import StaticPool

    from soustrace.pipelines.store.providers import ensure_providers

    err_console.print(f"[yellow]note:[/] {why}: answering from an empty database "
                      "(load data with `soustrace demo`, `soustrace ingest` or `soustrace crawl`)", soft_wrap=True)
    engine = make_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    ensure_providers(engine)
    return engine


def _shown(ctx: click.Context) -> str:
    from soustrace.db import resolve_url

    return resolve_url(_db_url(ctx))


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _refresh_answers(engine: Engine) -> None:
    from soustrace.queries import answer_cache

    try:
        answer_cache.ensure_fresh(engine)
    except Exception as exc:  # never fail a command that did its work: the next read rebuilds them
        err_console.print(f"[yellow]note:[/] stored answers not refreshed ({type(exc).__name__}: {exc})")


def is_quiet(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("quiet"))


def is_verbose(ctx: click.Context) -> bool:
    return bool((ctx.find_root().obj or {}).get("verbose"))


T = TypeVar("T")


def _no_live_display(ctx: click.Context) -> bool:
    return is_quiet(ctx) or not err_console.is_terminal


@contextlib.contextmanager
def progress_bar(ctx: click.Context, label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A bar on stderr for work that reports (done, total); yields that callback.

    Transient and off with `--quiet` or when stderr is not a terminal, so that pipes and logs only get the
    command's final summary line.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=_no_live_display(ctx), console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def counted(ctx: click.Context, label: str, items: Iterable[T], *, every: int = 500) -> Iterator[T]:
    """`items` passed through unchanged, with a running count, rate and elapsed time on stderr.

    For streamed exports whose total is unknown until the end (a count first would read the database twice).
    """
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), TextColumn("{task.completed:,.0f} {task.fields[unit]}"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    with Progress(*columns, disable=_no_live_display(ctx), console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None, unit="rows", rate="")
        n = 0
        for n, item in enumerate(items, 1):
            if n % every == 0:
                speed = bar.tasks[task].speed
                bar.update(task, completed=n, rate=f"{speed:,.0f}/s" if speed else "")
            yield item
        bar.update(task, completed=n)


class DateParam(click.ParamType):
    """YYYY, YYYY-MM or YYYY-MM-DD, the same for every command; an upper bound means the period's last day.

    `as_datetime` keeps the crawl commands' historical `datetime` values (midnight of that day).
    """

    name = "date"

    def __init__(self, *, end: bool = False, as_datetime: bool = False) -> None:
        self.end, self.as_datetime = end, as_datetime

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            day = parse_date(str(value), end=self.end)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.as_datetime and day is not None:
            return dt.datetime.combine(day, dt.time())
        return day


_FROM_NAMES, _TO_NAMES = ("date_from",), ("date_to", "date_until")


def _check_order(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """Whichever of --from/--to is read second sees both: a reversed range is refused in one line."""
    start = next((ctx.params[n] for n in _FROM_NAMES if ctx.params.get(n) is not None), None)
    end = next((ctx.params[n] for n in _TO_NAMES if ctx.params.get(n) is not None), None)
    if _param.name in _FROM_NAMES:
        start = value
    else:
        end = value
    try:
        check_range(start, end)
    except ValueError as exc:
        raise click.UsageError(str(exc), ctx) from exc
    return value


def date_option(flag: str, name: str, *, end: bool = False, as_datetime: bool = False, **kwargs: Any) -> Any:
    """`--from`/`--to` with the one date parser and the one reversed-range error."""
    return click.option(flag, name, type=DateParam(end=end, as_datetime=as_datetime), callback=_check_order,
                        **kwargs)


def parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """`-s NAME=VALUE` options as Scrapy setting overrides (one parser for every command that crawls)."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="-s")
        out[name.strip()] = value
    return out
