"""`export sqlite`: a PostgreSQL (or SQLite) store copied to a file Datasette serves, answering as the library does.

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from answers_data import build
from click.testing import CliRunner
from sqlalchemy import func, select

from soustrace.cli import cli
from soustrace.exports.datasette_app.app import prepare
from soustrace.models import Base
from soustrace.queries.uses import uses


def test_copy_has_every_row_and_answers_like_query_uses(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    out = tmp_path / "snapshot.db"
    result = CliRunner().invoke(cli, ["--db", db_url, "export", "sqlite", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # the stored answer rows are derived: the command refreshed them in the source after copying (its
    # generation counters went along, so the copy rebuilds them on its first question)
    derived = {"hosting_answer", "data_generation"}
    with engine.connect() as conn:
        expected = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                    if t.name not in derived}
    copy = sqlite3.connect(out)
    got = {name: copy.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in expected}
    assert got == expected and got["relation"] > 0
    views = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"hosting", "supply_chain", "edges", "awards"} <= views
    copy.close()
    again = CliRunner().invoke(cli, ["--db", db_url, "export", "sqlite", str(out)])
    assert again.exit_code != 0 and "--force" in again.output  # never overwritten silently

    prepared = prepare(out)

    async def fetch(url: str) -> list[dict]:
        await prepared.datasette.invoke_startup()
        return (await prepared.datasette.client.get(url)).json()

    canned = asyncio.run(fetch("/snapshot/uses.json?provider=aws&_shape=array"))
    library = uses(engine, "aws", include_without_contracts=True)
    assert {r["relation_id"] for r in canned} == set(library["relation_id"])  # incl. a DNS edge of a site
    by_id = {r["relation_id"]: r for r in canned}
    for row in library.dropna(subset=["contractor"]).to_dict("records"):
        mine = by_id[row["relation_id"]]
        assert (mine["contractor"], mine["contracts_won"], mine["subcontracts"], mine["evidence_url"],
                mine["quote"]) == (row["contractor"], row["contracts_won"], row["subcontracts"], row["evidence_url"],
                                   row["evidence_text"])
    chain = asyncio.run(fetch("/snapshot/supply_chain.json?_shape=array&provider_id=aws&_sort=relation_id"))
    pairs = {(r["contractor"].split(" (")[0], r["role"], r["buyer"][:6]) for r in chain}
    assert pairs >= {("EDITIONS KIRO", "lead", "MINARM"), ("MICROLYNX", "subcontractor", "MINARM")}
