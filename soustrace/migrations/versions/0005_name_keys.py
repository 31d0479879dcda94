"""recompute name keys with the one name normaliser (`soustrace.names`)

The organisation key of a name-only organisation (`NAME:…`), every organisation's `normalized_name`, and
the edge key of relations to a provider outside the catalog (keyed by its normalised name) were built with
a legal-form list that differed between modules. `soustrace.names` now holds one list; this recomputes what
was stored with the old one, so the same spelling finds the same row before and after the upgrade. A key
whose new value is already taken by another row is left as it was (the two rows are not merged here: a
merge must move roles, relations and evidence, which `soustrace reprocess` does from the raw payloads).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from soustrace.names import normalize_name

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _edge_key(row: sa.Row) -> str:
    """The relation key formula of the store at this revision (frozen here, as migrations must be)."""
    name_key = normalize_name(row.provider_name) if row.provider_name else None
    parts = (row.kind, row.role, row.status, row.method, row.src_org_id, row.dst_org_id, None, name_key,
             row.contract_id, row.site_id, row.target_url)
    key = "|".join("" if p is None else str(p) for p in parts)
    return key if len(key) <= 200 else key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    org = sa.table("organization", sa.column("id"), sa.column("org_key"), sa.column("name"),
                   sa.column("normalized_name"))
    taken = {k for (k,) in conn.execute(sa.select(org.c.org_key))}
    for row in conn.execute(sa.select(org.c.id, org.c.org_key, org.c.name, org.c.normalized_name)).all():
        norm = normalize_name(row.name)
        values: dict[str, object] = {}
        if norm != row.normalized_name:
            values["normalized_name"] = norm
        if row.org_key.startswith("NAME:") and norm:
            key = f"NAME:{norm}"[:300]
            if key != row.org_key and key not in taken:
                values["org_key"] = key
                taken.discard(row.org_key)
                taken.add(key)
        if values:
            conn.execute(sa.update(org).where(org.c.id == row.id).values(**values))

    rel = sa.table("relation", *(sa.column(c) for c in (
        "id", "edge_key", "kind", "role", "status", "method", "src_org_id", "dst_org_id", "provider_id",
        "provider_name", "contract_id", "site_id", "target_url")))
    edges = {k for (k,) in conn.execute(sa.select(rel.c.edge_key))}
    rows = conn.execute(sa.select(rel).where(rel.c.provider_id.is_(None), rel.c.provider_name.is_not(None))).all()
    for row in rows:
        key = _edge_key(row)
        if key != row.edge_key and key not in edges:
            conn.execute(sa.update(rel).where(rel.c.id == row.id).values(edge_key=key))
            edges.discard(row.edge_key)
            edges.add(key)


def downgrade() -> None:
    """Keys stay as recomputed: the old lists are gone, and both spellings resolve through the new one."""
