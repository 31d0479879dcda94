"""Dump what soustrace makes of every shipped sample and fixture, to compare two versions of the code.

Why: a refactoring (moving modules, splitting files) must not change behaviour. This script drives the
project only through its command line (`python -m soustrace`), so it runs unchanged before and after a move:
it ingests every real sample and test fixture into a fresh SQLite database, runs the hosting extractor on
the annotated snippets, asks the main questions, and writes one JSON file of the results with volatile
columns (timestamps, durations) removed. Compare two runs with `diff` or `cmp`.

    python scripts/snapshot_outputs.py before.json
    ... change the code ...
    python scripts/snapshot_outputs.py after.json && cmp before.json after.json
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = [
    "data/samples/boamp", "data/samples/ted", "data/samples/decp/real",
    "tests/fixtures/ted/eforms_sdk_examples", "tests/fixtures/decp/official_examples_fictitious",
]
VOLATILE = ("_at", "seen", "fetched", "created", "updated", "started", "finished", "duration", "generation")


def run(db: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "soustrace", "--db", db, "-q", *args],
                          capture_output=True, text=True, cwd=ROOT)
    return f"exit={proc.returncode}\n{proc.stdout}"


def dump_tables(path: Path) -> dict[str, list[list[object]]]:
    con = sqlite3.connect(path)
    out: dict[str, list[list[object]]] = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for table in tables:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        keep = [c for c in cols if not any(v in c for v in VOLATILE)]
        if not keep:
            continue
        select = ", ".join(f'"{c}"' for c in keep)
        rows = [list(r) for r in con.execute(f'SELECT {select} FROM "{table}"')]
        out[table] = sorted(([keep] if False else []) + [[_plain(v) for v in r] for r in rows], key=repr)
    return out


def _plain(value: object) -> object:
    return value.hex() if isinstance(value, bytes) else value


def main() -> None:
    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "snap.db"
        db = f"sqlite:///{db_path}"
        result: dict[str, object] = {}
        for item in INPUTS:
            result[f"ingest {item}"] = run(db, "ingest", str(ROOT / item)).splitlines()[0]
        dev = ROOT / "data/samples/hosting/dev.jsonl"
        result["extract"] = run(db, "extract", str(dev))
        for question in (["query", "uses", "aws", "--all-orgs", "--format", "csv"],
                         ["query", "providers", "--format", "csv"],
                         ["db", "stats", "--format", "json"]):
            result[" ".join(question)] = run(db, *question)
        result["tables"] = dump_tables(db_path)
    target.write_text(json.dumps(result, indent=1, sort_keys=True, default=str), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
