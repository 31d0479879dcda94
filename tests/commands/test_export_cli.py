"""`soustrace export ...` through the real CLI entry point, on both backends.

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from answers_data import build
from click.testing import CliRunner

from soustrace.cli import cli
from soustrace.exports.ocds_schema import validate_package


def run(db_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", db_url, "export", *args], catch_exceptions=False)


def test_export_graph(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    result = run(db_url, "graph", str(tmp_path / "aws.gexf"), "--provider", "aws")
    assert result.exit_code == 0, result.stderr
    assert "12 nodes, 19 edges" in result.stderr
    g = nx.read_gexf(tmp_path / "aws.gexf")
    assert (g.number_of_nodes(), g.number_of_edges()) == (12, 19)
    result = run(db_url, "graph", str(tmp_path / "g.csv"), "--buyer", "Bordeaux")
    assert result.exit_code == 0
    assert (tmp_path / "g.nodes.csv").exists() and (tmp_path / "g.edges.csv").exists()
    assert run(db_url, "graph", str(tmp_path / "g.html"), "--provider", "aws").exit_code == 0
    assert 'id="search"' in (tmp_path / "g.html").read_text()


def test_export_graph_errors(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    unknown = run(db_url, "graph", str(tmp_path / "x.gexf"), "--provider", "nope-cloud")
    assert unknown.exit_code == 1 and "unknown provider" in unknown.stderr
    suffix = run(db_url, "graph", str(tmp_path / "x.txt"))
    assert suffix.exit_code == 2 and "--format" in suffix.stderr
    empty = run(db_url, "graph", str(tmp_path / "x.gexf"), "--provider", "aws", "--to", "2000")
    assert empty.exit_code == 0
    assert ("the graph is empty: no contract held by an organisation hosted by 'aws' matches the filters"
            in empty.stderr)


def test_export_awards(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    result = run(db_url, "awards", str(tmp_path / "a.jsonl"), "--from", "2020")
    assert result.exit_code == 0 and "wrote 6 award rows" in result.stderr
    rows = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert {r["notice_id"] for r in rows} == {"00000156-2025"}
    stdout = run(db_url, "awards", "-", "--role", "subcontractor", "--format", "csv")
    assert stdout.exit_code == 0
    assert stdout.stdout.splitlines()[0].startswith("source,notice_id,lot,buyer,organization,national_id,role")
    assert len(stdout.stdout.splitlines()) == 3
    assert run(db_url, "awards", "-", "--format", "parquet").exit_code == 2


def test_export_ocds(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    out = tmp_path / "releases.json"
    result = run(db_url, "ocds", str(out), "--ocid-prefix", "ocds-test01", "--uri", "https://example.org/r.json")
    assert result.exit_code == 0, result.stderr
    assert "wrote 2 releases" in result.stderr and "valid" in result.stderr
    pkg = json.loads(out.read_text())
    assert validate_package(pkg) == []
    assert pkg["uri"] == "https://example.org/r.json"
    assert {r["ocid"] for r in pkg["releases"]} == {"ocds-test01-ted-00000156-2025", "ocds-test01-boamp-17-1028"}


@pytest.mark.parametrize("command", ["graph", "awards", "ocds"])
def test_help_has_examples(command: str) -> None:
    result = CliRunner().invoke(cli, ["export", command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"soustrace export {command}" in result.stdout
