"""A new user's first hour (issue 17), through the real CLI: fast listing, one convention for dates,
outputs and global options, reads that never create tables, one-line errors, output safe to open."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console
from sqlalchemy import create_engine, inspect, text

from soustrace.cli import COMMANDS, SUMMARIES, cli
from soustrace.commands.chain_tree import render_tree
from soustrace.commands.output import print_frame, render_text
from soustrace.exports.safe_text import csv_cell

ROOT = Path(__file__).resolve().parents[2]
BOAMP = ROOT / "data" / "samples" / "boamp" / "boamp_xml_v230_17-29167.xml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def test_listing_imports_no_heavy_module() -> None:
    code = ("import sys; from soustrace.cli import main; sys.argv=['soustrace','--help']\n"
            "try:\n main()\nexcept SystemExit: pass\n"
            "heavy={'sqlalchemy','alembic','pandas','networkx','pyarrow','spacy','scrapy'} & set(sys.modules)\n"
            "print(sorted(heavy), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stderr.strip() == "[]"
    assert "query" in result.stdout and SUMMARIES["query"] in result.stdout


def test_summaries_are_the_commands_own_first_help_line() -> None:
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        first = (command.help or "").strip().splitlines()[0]
        assert SUMMARIES[name] == first, name


def test_global_options_after_the_subcommand(tmp_path: Path) -> None:
    db = tmp_path / "after.db"
    result = run("ingest", str(BOAMP), "--db", f"sqlite:///{db}", "-q")
    assert result.exit_code == 0, result.output
    assert db.exists()
    stats = run("db", "stats", "-f", "json", "--db", f"sqlite:///{db}")
    assert json.loads(stats.stdout)["notices"] == {"boamp": 1}


@pytest.mark.parametrize("args", [
    ["crawl", "boamp", "--from", "2024-03-07", "--to", "2024-03-01"],
    ["query", "uses", "aws", "--from", "2025", "--to", "2024"],
    ["export", "awards", "-o", "-", "--from", "2024-06", "--to", "2024-05"],
])
def test_reversed_dates_are_one_usage_error(args: list[str], tmp_path: Path) -> None:
    result = run("--db", f"sqlite:///{tmp_path / 'x.db'}", *args)
    assert result.exit_code == 2
    assert "reversed date range: --from" in result.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_partial_dates_mean_whole_periods(tmp_path: Path) -> None:
    result = run("--db", f"sqlite:///{tmp_path / 'x.db'}", "query", "uses", "aws", "--from", "2024-02", "--to",
                 "2024-02")
    assert result.exit_code == 0, result.output


def test_missing_output_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    for args in (["query", "uses", "aws", "-f", "csv", "-o"], ["export", "graph", "--format", "html", "--out"],
                 ["db", "stats", "-o"]):
        result = run("--db", f"sqlite:///{tmp_path / 'x.db'}", *args, str(tmp_path / "nope" / "out.file"))
        assert result.exit_code == 2, result.output
        assert "does not exist" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_reads_never_create_tables_in_a_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    foreign = create_engine(f"sqlite:///{path}")
    with foreign.begin() as conn:
        conn.execute(text("create table theirs (x int)"))
    for args in (["db", "stats"], ["query", "uses", "aws"], ["providers", "list"], ["db", "rejects"]):
        result = run("--db", f"sqlite:///{path}", *args)
        assert result.exit_code == 0, result.output
        assert "holds no soustrace tables" in result.stderr
    assert inspect(create_engine(f"sqlite:///{path}")).get_table_names() == ["theirs"]


def test_every_query_answers_on_a_fresh_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run("--db", db, "db", "upgrade").exit_code == 0
    for args in (["query", "uses", "aws"], ["query", "contracts", "--provider", "aws"], ["query", "providers"]):
        result = run("--db", db, *args, "-f", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == []
    assert "unknown provider 'amazn'" in run("--db", db, "query", "uses", "amazn").stderr


def test_catalog_is_there_after_only_notices_were_stored(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'notices.db'}"
    assert run("--db", db, "-q", "ingest", str(BOAMP)).exit_code == 0
    result = run("--db", db, "query", "contracts", "--provider", "aws", "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    listed = json.loads(run("--db", db, "providers", "list", "-f", "json").stdout)
    assert {"aws", "ovhcloud"} <= {p["id"] for p in listed}


def test_unreachable_source_fails_fast_naming_the_host(tmp_path: Path) -> None:
    result = run("--db", f"sqlite:///{tmp_path / 'c.db'}", "crawl", "boamp", "--from", "2024-03-01", "--to",
                 "2024-03-01", "-s", "BOAMP_API_URL=http://127.0.0.1:9/api")
    assert result.exit_code == 1
    assert "cannot reach 127.0.0.1 (no network?)" in result.stderr and "Traceback" not in result.stderr


def test_ingest_names_skipped_and_failed_files(tmp_path: Path) -> None:
    folder = tmp_path / "dir[" / "b]x"
    folder.mkdir(parents=True)
    (folder / "random.csv").write_text("name,age\nann,3\n", encoding="utf-8")
    (folder / "notice[b].xml").write_bytes(BOAMP.read_bytes())
    (folder / "broken.json").write_text('{"marches": [{"id": ', encoding="utf-8")
    result = run("--db", f"sqlite:///{tmp_path / 'i.db'}", "ingest", str(folder))
    assert result.exit_code == 1  # the broken DECP file failed
    assert "skipped (not a format soustrace reads):" in result.stderr and "random.csv" in result.stderr
    assert "failed:" in result.stderr and "broken.json" in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["files"], summary["skipped_files"], summary["failed_files"], summary["stored"]) == (3, 1, 1, 1)


def test_sites_add_refuses_what_is_not_http(tmp_path: Path) -> None:
    for url in ("ftp://example.org/", "gopher://example.org", "javascript:alert(1)"):
        result = run("--db", f"sqlite:///{tmp_path / 's.db'}", "sites", "add", "829220383", url)
        assert result.exit_code == 2 and "is not an http(s) URL" in result.stderr


def test_csv_cells_cannot_be_formulas() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "@cmd", "\tx", "-2+3", "ACME"],
                          "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0], "text_number": ["-12.5"] * 6})
    parsed = pd.read_csv(__import__("io").StringIO(render_text(frame, "csv")), dtype={"name": str})
    assert list(parsed["name"]) == ["'=HYPERLINK(\"http://x\")", "'+SUM(A1)", "'@cmd", "'\tx", "'-2+3", "ACME"]
    assert parsed["amount"].tolist() == [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert csv_cell("-12.5") == "-12.5" and csv_cell(-3) == -3


def test_escape_sequences_never_reach_the_terminal() -> None:
    hostile = "ACME\x1b]0;pwned\x07\x1b[2J\x9b31m [/b] [red]x"
    console = Console(record=True, width=300, force_terminal=True)
    print_frame(console, pd.DataFrame({"contractor": [hostile], "n": [1]}), "uses")
    tree = {"query": hostile, "roots": [{"type": "organization", "label": hostile, "children": [
        {"type": "provider", "label": hostile, "edge": {"kind": "hosting", "role": "host", "evidence": [
            {"text": hostile, "url": "https://e.x/\x1b[2J"}]}}]}]}
    console.print(render_tree(tree))
    out = console.export_text(styles=False)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "[/b] [red]x" in out  # shown as text, not read as markup


def test_placeholder_id_is_a_missing_id() -> None:
    from soustrace.identity import identify

    for placeholder in ("000000000", "00000000000000", "000 000 000"):
        found = identify("Commune de Test", placeholder)
        assert found is not None and found.siren is None and found.org_key == "NAME:COMMUNE DE TEST"
    assert identify("EDITIONS KIRO", "829220383").siren == "829220383"


def test_ctrl_c_keeps_what_was_stored_and_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from soustrace.pipelines import ingest as ingest_module

    real = ingest_module.iter_file
    seen: list[Path] = []

    def interrupted_on_second(path: Path):  # type: ignore[no-untyped-def]
        seen.append(path)
        if len(seen) == 2:
            raise KeyboardInterrupt
        yield from real(path)

    monkeypatch.setattr(ingest_module, "iter_file", interrupted_on_second)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    result = run("--db", db, "ingest", "--jobs", "1", str(BOAMP.parent))
    assert result.exit_code == 130
    held = json.loads(run("--db", db, "db", "stats", "-f", "json").stdout)["notices"]
    assert f"interrupted: the database holds {json.dumps(held)} notices" in result.stderr
