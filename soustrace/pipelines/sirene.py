"""Naming organisations from INSEE's SIRENE stock: DECP 2024 records carry identifiers only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from soustrace.models import OrgAlias, Organization
from soustrace.names import normalize_name


def apply_sirene_names(engine: Engine, path: Path, batch_size: int = 5000) -> int:
    """Give a name to every unnamed organisation whose SIREN is in the file; returns how many were named."""
    from soustrace.parsers.decp.stream import iter_sirene_names

    with Session(engine) as s:
        wanted = set(
            s.scalars(select(Organization.siren).where(Organization.siren.is_not(None), Organization.name.is_(None)))
        )
    named = 0
    batch: list[tuple[str, str]] = []
    for siren, name in iter_sirene_names(path):
        if siren in wanted:
            batch.append((siren, name))
        if len(batch) >= batch_size:
            named += _apply(engine, batch)
            batch = []
    return named + (_apply(engine, batch) if batch else 0)


def _apply(engine: Engine, batch: list[tuple[str, str]]) -> int:
    with Session(engine) as s, s.begin():
        for siren, name in batch:
            for org in s.scalars(select(Organization).where(Organization.siren == siren, Organization.name.is_(None))):
                s.execute(
                    update(Organization)
                    .where(Organization.id == org.id)
                    .values(name=name, normalized_name=normalize_name(name))
                )
                s.add(OrgAlias(org_id=org.id, name=name[:500], source="sirene"))
    return len(batch)
