"""One way to print or save any answer: `--format table|csv|json|jsonl|parquet` and `--out FILE`.

Every query returns a pandas DataFrame, so every command gets the same formats from one place (as in
sqlite-utils): a table a person reads in a terminal, CSV for a spreadsheet, JSON/JSONL for scripts, Parquet
for notebooks. Values are written as they are (dates in ISO 8601, amounts as numbers, empty = null), never
rounded for display except in the table.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json", "jsonl", "parquet")
F = TypeVar("F", bound=Callable[..., Any])
TABLE_CELL_MAX = 90  # characters of a cell shown in a terminal table (files keep everything)


def output_options(func: F) -> F:
    """click decorator: adds `--format/-f` and `--out/-o` (the command receives `fmt` and `out`)."""
    func = click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Write to FILE instead of standard output (required for parquet).")(func)
    func = click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(func)
    return func


def jsonable(value: Any) -> Any:
    """A JSON-safe scalar: ISO dates, numbers for decimals, null for NaN/NaT."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value


def json_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Each column as JSON-safe Python values (ISO dates, plain numbers, None for missing), converted a
    column at a time: a pass cell by cell over a 12k-row answer took a second, most of a CLI call."""
    out: dict[str, list[Any]] = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            out[col] = [None if v is None or v is pd.NaT else v.isoformat() for v in series.dt.to_pydatetime()]
        elif series.dtype == object:  # dates, decimals, mixed values: each as `jsonable` says
            out[col] = [jsonable(v) for v in series.tolist()]
        else:  # numbers, booleans, strings: as Python scalars, missing ones as None
            out[col] = series.astype(object).where(series.notna(), None).tolist()
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = json_columns(frame)
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _cell(value: Any, limit: int | None = TABLE_CELL_MAX) -> str:
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 or value != round(value, 2) else f"{value:g}"
    text = str(value).replace("\n", " ")
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


def rich_table(frame: pd.DataFrame, title: str | None = None, columns: list[str] | None = None) -> Table:
    """A terminal table; long texts are cut (the files keep them whole)."""
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def print_frame(console: Console, frame: pd.DataFrame, title: str | None = None,
                columns: list[str] | None = None) -> None:
    """A table when the columns fit the terminal, else one block per row (field: value), like `psql \\x`.

    A 17-column table folded into 80 characters is unreadable; a vertical record stays readable at
    any width, and full values remain one `--format csv` away.
    """
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    if frame.empty:
        console.print(f"[bold]{title or ''}[/bold] [dim](no rows)[/dim]")
        return
    if len(cols) * 11 <= console.width:
        console.print(rich_table(frame, title, cols))
        return
    if title:
        console.print(f"[bold]{title}[/bold] [dim]({len(frame)} rows)[/dim]")
    for n, row in enumerate(frame[cols].itertuples(index=False), start=1):
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for col, value in zip(cols, row, strict=True):
            cell = _cell(value, limit=None if col.endswith("url") or col.endswith("urls") else 400)
            if cell:
                grid.add_row(col, cell)
        console.rule(f"[dim]{n}[/dim]", align="left")
        console.print(grid)


def to_parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns of one Python type (dates, decimals, strings) stay typed; mixed ones become strings.

    pyarrow stores a column of `datetime.date` as a Parquet date and of `Decimal` as a decimal, which is
    what a notebook wants; it only fails on mixed columns, which are the ones turned into text.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col].dropna()}
            if len(kinds) > 1:
                out[col] = out[col].map(lambda v: None if jsonable(v) is None else str(jsonable(v)))
    return out


def write_frame(frame: pd.DataFrame, fmt: str, out: Path | None = None, *, title: str | None = None,
                table_columns: list[str] | None = None, console: Console | None = None) -> None:
    """Write `frame` in `fmt` to `out` or standard output."""
    if fmt == "parquet":
        if out is None:
            raise click.UsageError("--format parquet needs --out FILE (binary output)")
        to_parquet_safe(frame).to_parquet(out, index=False)
        return
    if fmt == "table":
        if out is not None:
            with out.open("w", encoding="utf-8") as fh:
                print_frame(Console(file=fh, width=200), frame, title, table_columns)
            return
        print_frame(console or Console(), frame, title, table_columns)
        return
    text = render_text(frame, fmt)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def render_text(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        pd.DataFrame(json_columns(frame), columns=frame.columns).to_csv(buf, index=False)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(frame))
    raise ValueError(f"unknown format {fmt!r}")
