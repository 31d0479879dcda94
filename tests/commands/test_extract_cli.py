"""`soustrace extract FILE`: JSONL in, JSONL out, bad lines reported with their number, exit 1 at the end."""

from __future__ import annotations

import json

from click.testing import CliRunner

from soustrace.cli import cli
from soustrace.paths import DATA_DIR


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_extract_jsonl_roundtrip(tmp_path):
    recs = [json.loads(line) for line in (DATA_DIR / "samples/hosting/dev.jsonl").read_text().splitlines()[:5]]
    src = _write(
        tmp_path / "in.jsonl",
        [json.dumps({"id": r["id"], "text": r["text"], "url": "http://x/" + r["id"]}) for r in recs],
    )
    result = CliRunner().invoke(cli, ["extract", src])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    assert rows[0]["url"] == "http://x/dev-001"
    by_id = {r["id"]: r for r in rows}
    assert {x["provider_id"] for x in by_id["dev-003"]["relations"]} == {"ovhcloud"}
    for row, rec in zip(rows, recs, strict=True):
        assert set(row) >= {"id", "editor", "relations"}
        for rel in row["relations"]:
            assert rec["text"][rel["start"] : rel["end"]] == rel["surface"]


def test_bad_lines_reported_and_run_continues(tmp_path):
    src = _write(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": "a", "text": "Hébergeur : OVH SAS"}),
            "{not json",
            json.dumps({"id": "b", "text": 42}),
            json.dumps({"text": "no id"}),
            json.dumps({"id": "c", "text": "Hosted by Netlify, Inc.", "lang": "en"}),
        ],
    )
    result = CliRunner().invoke(cli, ["extract", src])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "c"]
    assert "line 2" in result.stderr and "invalid JSON" in result.stderr
    assert "line 3" in result.stderr and "'text'" in result.stderr
    assert "line 4" in result.stderr and "'id'" in result.stderr


def test_out_option_and_stdin(tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli,
        ["extract", "-", "--out", str(out)],
        input=json.dumps({"id": 1, "text": "Le site est hébergé par Scalingo SAS."}) + "\n",
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == 1 and row["relations"][0]["provider_id"] == "scalingo"
