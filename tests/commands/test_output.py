"""The shared output layer: every format writes the same values; the terminal view stays readable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from rich.console import Console

from soustrace.commands.output import output_options, print_frame, write_frame

FRAME = pd.DataFrame([
    {"name": "EDITIONS KIRO", "amount": 449350.0, "award": dt.date(2024, 10, 16), "n": 2, "note": None},
    {"name": "Moter", "amount": float("nan"), "award": None, "n": 1, "note": "x" * 300},
])


def test_files_round_trip(tmp_path: Path) -> None:
    write_frame(FRAME, "csv", tmp_path / "a.csv")
    write_frame(FRAME, "json", tmp_path / "a.json")
    write_frame(FRAME, "jsonl", tmp_path / "a.jsonl")
    write_frame(FRAME, "parquet", tmp_path / "a.parquet")
    as_json = json.loads((tmp_path / "a.json").read_text())
    assert as_json[0] == {"name": "EDITIONS KIRO", "amount": 449350.0, "award": "2024-10-16", "n": 2, "note": None}
    assert as_json[1]["amount"] is None and as_json[1]["award"] is None
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert lines == as_json
    csv = pd.read_csv(tmp_path / "a.csv")
    assert list(csv["name"]) == ["EDITIONS KIRO", "Moter"] and csv.loc[0, "award"] == "2024-10-16"
    parquet = pq.read_table(tmp_path / "a.parquet")
    assert parquet.column("award").to_pylist() == [dt.date(2024, 10, 16), None]
    assert parquet.column("amount").to_pylist()[0] == 449350.0


def test_parquet_needs_a_file() -> None:
    with pytest.raises(click.UsageError):
        write_frame(FRAME, "parquet", None)


def test_terminal_view_switches_to_records_when_narrow() -> None:
    wide = Console(record=True, width=200)
    print_frame(wide, FRAME, "t")
    assert "┃ name" in wide.export_text()
    narrow = Console(record=True, width=40)
    print_frame(narrow, pd.concat([FRAME] * 1, axis=1).set_axis([f"c{i}" for i in range(5)], axis=1), "t")
    text = narrow.export_text()
    assert "c0 EDITIONS KIRO" in text.replace("  ", " ")


def test_output_options_decorator() -> None:
    @click.command()
    @output_options
    def cmd(fmt: str, out: Path | None) -> None:
        write_frame(FRAME, fmt, out)

    result = CliRunner().invoke(cmd, ["--format", "jsonl"])
    assert result.exit_code == 0
    assert json.loads(result.output.splitlines()[0])["name"] == "EDITIONS KIRO"
