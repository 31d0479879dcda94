"""An older revision of a notice read after a newer one stays a kept revision, not the current notice.

Two payloads of one real BOAMP record (API page of 2024-03-01): as published, and as a later rectified
publication would read (new date, new object) — the second is built from the first, said here.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.models import Notice
from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.store import Store, sha256
from tests.samples import FIXTURES

PAGE = FIXTURES / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"


def _revisions() -> tuple:
    row = json.loads(PAGE.read_bytes())["results"][0]
    newer = dict(row, dateparution="2006-07-20", objet=row["objet"] + " (rectifié)")
    def rec(r: dict):
        raw = json.dumps(r, ensure_ascii=False, sort_keys=True).encode()
        return parse_payload("boamp", r["idweb"], raw, record=r, url=r.get("url_avis"))
    return rec(row), rec(newer)


def test_older_revision_arriving_last_does_not_become_current(engine: Engine) -> None:
    older, newer = _revisions()
    assert older.publication_date < newer.publication_date
    store = Store(engine)
    assert store.add_all([newer]).stored == 1
    assert store.add_all([older]).revised == 1
    assert store.add_all([older]).duplicates == 1
    with Session(engine) as s:
        notice = s.scalars(select(Notice).where(Notice.source_id == newer.source_id)).one()
        assert notice.publication_date == newer.publication_date
        assert notice.sha256 == sha256(newer.raw)
        assert [r.sha256 for r in notice.revisions] == [sha256(newer.raw), sha256(older.raw)]  # both kept
    store.reprocess("boamp")  # re-parses the current payload, not the last to arrive
    with Session(engine) as s:
        notice = s.scalars(select(Notice).where(Notice.source_id == newer.source_id)).one()
        assert notice.publication_date == newer.publication_date


def test_newer_revision_arriving_last_becomes_current(engine: Engine) -> None:
    older, newer = _revisions()
    store = Store(engine)
    store.add_all([older])
    assert store.add_all([newer]).revised == 1
    with Session(engine) as s:
        notice = s.scalars(select(Notice).where(Notice.source_id == newer.source_id)).one()
        assert notice.publication_date == newer.publication_date and notice.sha256 == sha256(newer.raw)
