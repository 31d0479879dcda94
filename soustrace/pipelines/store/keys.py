"""Natural keys: how the store knows that a row it is about to write is already there.

Every key is computed from the identifying facts of a row (never from database state other than the ids
it points at), so the batch writer can build them in memory, the per-row writer can look them up, and a
re-run of any input finds the same keys. Changing any of these functions changes stored keys: don't,
without a migration.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from soustrace.identity import normalize_name as _normalize_name

# Memoised: the same provider and organisation names come back in every batch.
normalize_name = functools.lru_cache(maxsize=65_536)(_normalize_name)


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def join_key(*parts: object) -> str:
    return "|".join("" if p is None else str(p) for p in parts)


def relation_key(*, kind: str, role: str | None, status: str, method: str, src_org_id: int | None,
                 dst_org_id: int | None, provider_id: str | None, provider_name: str | None, contract_id: int | None,
                 site_id: int | None, target_url: str | None) -> str:
    """An edge's natural key: the same claim, by the same method, about the same parties, is one row."""
    name_key = None if provider_id else (normalize_name(provider_name) if provider_name else None)
    key = join_key(kind, role, status, method, src_org_id, dst_org_id, provider_id, name_key, contract_id, site_id,
                   target_url)
    return key if len(key) <= 200 else key[:120] + "#" + sha256(key)


def evidence_key(relation_id: int | None, party_role_id: int | None, notice_id: int | None,
                 document_id: int | None, path: str, start: int | None, end: int | None, text: str,
                 extractor: str) -> str:
    """One piece of evidence: what backs which edge or role, read where, by which extractor."""
    return sha256(join_key(relation_id, party_role_id, notice_id, document_id, path, start, end, text, extractor))


def reject_key(source: str, record_id: str | None, url: str | None, stage: str, reason: str) -> str:
    return sha256(join_key(source, record_id, url, stage, reason))


def normalize_site_url(url: str) -> str:
    """`www.example.fr/` and `http://www.example.fr` are one site: scheme added, trailing slash removed."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    path = parts.path.rstrip("/")
    return f"{scheme}://{host}{port}{path}"


def insert_ids(s: Session, table: Table, rows: list[dict[str, Any]], key: Sequence[str]) -> list[int]:
    """Insert `rows` in one multi-row statement; their new ids in row order, matched on their natural key.

    `RETURNING` order is not promised by SQLite, and asking SQLAlchemy to sort makes it send one row per
    statement there; the natural key (unique, so one id per key) gives the order back at no cost.
    """
    if not rows:
        return []
    if s.get_bind().dialect.name == "postgresql":
        return _insert_with_drawn_ids(s, table, rows)
    stmt = table.insert().returning(table.c.id, *(table.c[k] for k in key))
    ids = {tuple(r[1:]): r[0] for r in s.execute(stmt, rows)}
    return [ids[tuple(row[k] for k in key)] for row in rows]


def _insert_with_drawn_ids(s: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL: the ids drawn from the table's sequence in one statement, then a plain `executemany`.

    Why: a multi-row `INSERT ... RETURNING` is one statement of thousands of placeholders, which the driver
    re-parses on every batch (most of the writer's CPU there); an `executemany` of one prepared row is not.
    """
    ids = list(s.scalars(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                         {"t": table.name, "n": len(rows)}))
    s.execute(table.insert(), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids
