"""Loads the provider catalog (`data/providers.json`) into the Provider table, and its legal entities.

Loaded on first use by every writer, and again whenever the catalog file changes (its sha256 is kept in
each row's data), so relations can always point at catalog ids and answers can join sovereignty facts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.identity import identify, normalize_name
from soustrace.models import OrgAlias, Organization, Provider
from soustrace.paths import DATA_DIR

CATALOG = DATA_DIR / "providers.json"


def _cloud_act(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def provider_row(pid: str, entry: dict[str, Any], digest: str) -> dict[str, Any]:
    snc = entry.get("secnumcloud") or {}
    scope = snc.get("scope")
    return {
        "id": pid,
        "name": entry.get("display_name") or pid,
        "hq_country": entry.get("hq_country"),
        "jurisdiction": entry.get("jurisdiction"),
        "cloud_act": _cloud_act(entry.get("cloud_act")),
        "secnumcloud_status": (snc.get("status") or None) and str(snc.get("status"))[:40],
        "secnumcloud_date": (snc.get("date") or None) and str(snc.get("date"))[:20],
        "secnumcloud_scope": "; ".join(scope) if isinstance(scope, list) else scope,
        "data": {**entry, "_catalog_sha256": digest},
    }


def load_catalog_file(path: Path = CATALOG) -> tuple[dict[str, dict[str, Any]], str]:
    """The catalog and its sha256, read once per file version (writers check it at every batch)."""
    stat = path.stat()
    return _read_catalog(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_catalog(path: Path, _mtime_ns: int, _size: int) -> tuple[dict[str, dict[str, Any]], str]:
    raw = path.read_bytes()
    return json.loads(raw)["providers"], hashlib.sha256(raw).hexdigest()


def ensure_providers(engine: Engine, path: Path = CATALOG) -> int:
    """Upsert the catalog when the table is empty or holds another version; returns rows written."""
    with Session(engine) as s, s.begin():
        return ensure_providers_in(s, path)


def ensure_providers_in(s: Session, path: Path = CATALOG) -> int:
    """The same inside a caller's transaction (writers call it before pointing edges at catalog ids)."""
    if not path.exists():
        return 0
    providers, digest = load_catalog_file(path)
    current = {p.id: p for p in s.scalars(select(Provider))}
    if (
        current
        and set(current) >= set(providers)
        and all((p.data or {}).get("_catalog_sha256") == digest for p in current.values())
    ):
        return 0
    for pid, entry in providers.items():
        values = provider_row(pid, entry, digest)
        row = current.get(pid)
        if row is None:
            s.add(Provider(**values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    s.flush()
    for pid, entry in providers.items():
        for entity in entry.get("legal_entities") or []:
            _legal_entity(s, pid, entity)
    s.flush()
    return len(providers)


def _legal_entity(s: Session, pid: str, entity: dict[str, Any]) -> None:
    """A provider's legal entity as an Organization tied to it, so the same company winning a contract
    (OVH SAS, SIREN 424761419) is recognised as that provider. French RCS/SIRET numbers resolve to the
    SIREN; other registrations are kept as foreign ids with their scheme."""
    name = entity.get("name")
    reg = entity.get("registration") or {}
    number, scheme, country = reg.get("number"), reg.get("scheme") or "", entity.get("country")
    national_id = id_scheme = None
    if number:
        digits = re.sub(r"\D", "", number)
        if country == "FR" and len(digits) in (9, 14):
            national_id, id_scheme = digits, "SIRET" if len(digits) == 14 else "SIREN"
        else:
            national_id, id_scheme = number.split(" (")[0], re.sub(r"[^A-Z]", "", scheme.upper())[:20] or None
    ident = identify(name, national_id, id_scheme, country)
    if ident is None:
        return
    org = s.scalar(select(Organization).where(Organization.org_key == ident.org_key))
    if org is None:
        org = Organization(org_key=ident.org_key, name=name, normalized_name=normalize_name(name), kind="provider",
                           siren=ident.siren, siret=ident.siret, vat=ident.vat, foreign_id=ident.foreign_id,
                           foreign_scheme=ident.foreign_scheme, country=ident.country or country,
                           id_valid=ident.valid, id_issue=ident.issue, provider_id=pid)
        s.add(org)
        s.flush()
    else:
        org.provider_id = org.provider_id or pid
        org.kind = "provider"
    if name and s.scalar(select(OrgAlias.id).where(OrgAlias.org_id == org.id, OrgAlias.name == name[:500])) is None:
        s.add(OrgAlias(org_id=org.id, name=name[:500], source="catalog"))


def find_provider(engine: Engine, ref: str) -> Provider | None:
    """A provider by id, display name or alias (case-insensitive)."""
    wanted = ref.strip().lower()
    with Session(engine) as s:
        for provider in s.scalars(select(Provider).order_by(Provider.id)):
            names = [provider.id, provider.name, *((provider.data or {}).get("aliases") or [])]
            if wanted in (n.lower() for n in names if n):
                return provider
    return None
