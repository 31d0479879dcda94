"""Datasette metadata for a soustrace database: the shipped `metadata.yaml` plus the canned queries of `queries.sql`.

The texts live in files a journalist (or an editor) can read and correct without touching Python; this
module only joins them: the queries file is split at its `-- name:` lines, `{{block}}` markers are replaced
by the `-- block:` of that name, and the metadata's `databases.soustrace` is keyed by the served file's name
(Datasette names a database after its file).
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
METADATA_FILE = HERE / "metadata.yaml"
QUERIES_FILE = HERE / "queries.sql"
_MARK = re.compile(r"^-- (name|block): *([a-z_]+) *$", re.MULTILINE)


@cache
def canned_sql() -> dict[str, str]:
    """{query name: its SQL}, blocks substituted."""
    text = QUERIES_FILE.read_text(encoding="utf-8")
    parts = _MARK.split(text)
    blocks: dict[str, str] = {}
    queries: dict[str, str] = {}
    for kind, name, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        (blocks if kind == "block" else queries)[name] = body.strip()
    out = {}
    for name, sql in queries.items():
        for block, body in blocks.items():
            sql = sql.replace("{{" + block + "}}", body)
        if "{{" in sql:
            raise ValueError(f"queries.sql: unknown block in query {name!r}")
        out[name] = sql
    return out


def build_metadata(database: str) -> dict[str, Any]:
    """The metadata dict for Datasette, for the database named `database` (the served file's stem)."""
    meta = copy.deepcopy(yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8")))
    db = meta["databases"].pop("soustrace")
    queries = db.setdefault("queries", {})
    for name, sql in canned_sql().items():
        query = queries.setdefault(name, {})
        query["sql"] = sql
        query.setdefault("hide_sql", True)  # the question and its answer first; "show" reveals the SQL
    meta["databases"][database] = db
    return meta
