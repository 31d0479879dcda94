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
from rich.text import Text

from soustrace.exports.safe_text import csv_cell, display_text

FORMATS = ("table", "csv", "json", "jsonl", "parquet")
F = TypeVar("F", bound=Callable[..., Any])


def check_out(_ctx: click.Context | None, _param: click.Parameter | None, value: Path | None) -> Path | None:
    """`-o FILE`: None for `-` (standard output); a path whose folder does not exist is refused in one line."""
    if value is None or str(value) == "-":
        return None
    return check_path(value)


def check_path(value: Path | str) -> Path:
    """An output path that can be written: its folder exists and it is not a folder (else a one-line error)."""
    path = Path(value)
    if path.is_dir():
        raise click.BadParameter(f"{str(path)!r} is a folder: give a file name", param_hint="'-o' / '--out'")
    parent = path.parent
    if not parent.is_dir():
        raise click.BadParameter(f"cannot write {str(path)!r}: folder {str(parent)!r} does not exist",
                                 param_hint="'-o' / '--out'")
    return path


def out_option(help: str = "Write to FILE instead of standard output ('-' = standard output).", *,
               keep_dash: bool = False) -> Any:
    """The `-o/--out FILE` of every command that writes (the command receives `out`: a Path or None; with
    `keep_dash`, `Path("-")` for standard output, for commands that also take the file as an argument)."""
    def callback(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if keep_dash and value is not None and str(value) == "-":
            return value
        return check_out(ctx, param, value)

    return click.option("-o", "--out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                        default=None, callback=callback, help=help)


def output_options(func: F) -> F:
    """click decorator: adds `--format/-f` and `--out/-o` (the command receives `fmt` and `out`)."""
    func = out_option("Write to FILE instead of standard output ('-' = stdout; a file is needed for parquet).")(func)
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
        elif _id_column(col, series):  # an id made float by a missing value (4124.0) is written 4124
            out[col] = [None if pd.isna(v) else int(v) for v in series.tolist()]
        else:  # numbers, booleans, strings: as Python scalars, missing ones as None
            out[col] = series.astype(object).where(series.notna(), None).tolist()
    return out


def _id_column(name: str, series: pd.Series) -> bool:
    if not (name == "id" or name.endswith("_id")) or not pd.api.types.is_float_dtype(series.dtype):
        return False
    values = series.dropna()
    return bool(len(values)) and bool((values == values.round()).all())


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = json_columns(frame)
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _cell(value: Any) -> str:
    """A value as shown in a terminal: whole (never cut), control characters removed, newlines as spaces."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 or value != round(value, 2) else f"{value:g}"
    return display_text(str(value)).replace("\n", " ")


def rich_table(frame: pd.DataFrame, title: str | None = None, columns: list[str] | None = None,
               wrap: tuple[str, ...] = ()) -> Table:
    """A terminal table whose cells are never cut, and only the `wrap` columns (names, titles: not quotes,
    URLs, identifiers or numbers) wrapped, between words (`print_frame` only uses it when it fits)."""
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    table = Table(title=title and display_text(title), show_lines=False, header_style="bold")
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        if col in wrap:
            table.add_column(col, min_width=_longest_word(frame, col), overflow="fold")
        else:
            table.add_column(col, justify="right" if numeric else "left", no_wrap=True, overflow="ignore")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*(Text(_cell(v)) for v in row))  # Text: a name holding `[/b]` is not markup
    return table


WRAP_WIDTH = 24  # a wrapped column (a name) is given at least this much, or its longest word


def _longest_word(frame: pd.DataFrame, col: str) -> int:
    return max([len(col), *(len(w) for v in frame[col].tolist() for w in _cell(v).split())])


def _table_width(frame: pd.DataFrame, cols: list[str], wrap: tuple[str, ...] = ()) -> int:
    """Characters the table needs: widest cell of each column (a wrapped one: far less), plus borders."""
    widths = []
    for col in cols:
        widest = max([len(col), *(len(_cell(v)) for v in frame[col].tolist())])
        widths.append(min(widest, max(WRAP_WIDTH, _longest_word(frame, col))) if col in wrap else widest)
    return sum(widths) + 3 * len(cols) + 1


def print_frame(console: Console, frame: pd.DataFrame, title: str | None = None,
                columns: list[str] | None = None, wrap: tuple[str, ...] = ()) -> None:
    """A table when every row fits on one line, else one block per row (field: value), like `psql \\x`.

    Nothing is cut and nothing is broken inside a value: a quote, a URL, an identifier or an amount a
    journalist copies from the terminal is the whole value. In the per-row view a long value runs on as one
    line that the terminal wraps (`soft_wrap`), so copying it gives it back without inserted line breaks.
    """
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    shown = display_text(title or "")
    if frame.empty:
        console.print(Text.assemble((shown, "bold"), " ", ("(no rows)", "dim")))
        return
    if _table_width(frame, cols, wrap) <= console.width:
        console.print(rich_table(frame, title, cols, wrap))
        return
    if title:
        console.print(Text.assemble((shown, "bold"), " ", (f"({len(frame)} rows)", "dim")))
    width = max(len(c) for c in cols)
    for n, row in enumerate(frame[cols].itertuples(index=False), start=1):
        console.rule(Text(str(n), style="dim"), align="left")
        for col, value in zip(cols, row, strict=True):
            cell = _cell(value)
            if cell:
                console.print(Text.assemble((col.ljust(width), "bold"), " ", cell), soft_wrap=True)


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
                table_columns: list[str] | None = None, console: Console | None = None,
                wrap: tuple[str, ...] = ()) -> None:
    """Write `frame` in `fmt` to `out` or standard output."""
    if fmt == "parquet":
        if out is None:
            raise click.UsageError("--format parquet needs --out FILE (binary output)")
        to_parquet_safe(frame).to_parquet(out, index=False)
        return
    if out is not None and str(out) == "-":
        out = None
    if fmt == "table":
        if out is not None:
            with out.open("w", encoding="utf-8") as fh:
                print_frame(Console(file=fh, width=100_000), frame, title, table_columns)
            return
        print_frame(console or Console(), frame, title, table_columns, wrap)
        return
    text = render_text(frame, fmt)
    if out is not None and str(out) != "-":
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def render_text(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":  # text cells that a spreadsheet would run as formulas are neutralised (`csv_cell`)
        buf = io.StringIO()
        cells = {col: [csv_cell(v) for v in values] for col, values in json_columns(frame).items()}
        pd.DataFrame(cells, columns=frame.columns, dtype=object).to_csv(buf, index=False)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(frame))
    raise ValueError(f"unknown format {fmt!r}")
