"""Organisations for a whole batch at once: OrgRefs resolved to ids by `org_key`, in memory first.

The per-row writer asks the database once per organisation per notice; at volume that `SELECT` is most of
the work. Here the batch writer first *claims* every OrgRef of the batch (identity computed once per
spelling), then `resolve` does, for the whole batch: one `SELECT` of the keys it has not met before, one
multi-row `INSERT ... RETURNING` of the new ones, one `UPDATE` per organisation whose gaps (name, SIRET, VAT,
country, public-buyer kind) the batch fills, and one `INSERT` of the new spellings (aliases).

The same rules as `Writer.org`: the first spelling names a new organisation, later ones only fill gaps
(never overwrite), a public buyer seen as a company becomes a public buyer, every spelling is an alias.
Gap updates are written as `COALESCE(column, new)` so a stale memory can never overwrite anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from soustrace.identity import Identity, identify
from soustrace.models import OrgAlias, Organization
from soustrace.pipelines.store.keys import insert_ids, normalize_name
from soustrace.records import OrgRef

ORG = Organization.__table__
ALIAS = OrgAlias.__table__
CHUNK = 500  # parameters per IN list (SQLite allows 32k, PostgreSQL 65k; smaller plans are cached better)


@dataclass(slots=True)
class KnownOrg:
    """What the store remembers of an organisation row: its id and the gaps it still has."""

    id: int
    named: bool
    siret: str | None
    vat: str | None
    country: str | None
    kind: str


@dataclass(slots=True)
class Claim:
    """Everything one batch says about one organisation key, merged in the order it was said."""

    ident: Identity
    name: str | None = None
    country: str | None = None
    siret: str | None = None
    vat: str | None = None
    kind: str = "company"
    names: dict[str, str | None] = field(default_factory=dict)  # spelling -> source of its first use


class OrgBook:
    """Organisation keys -> rows, across batches (bounded), and the spellings already stored."""

    def __init__(self, limit: int = 300_000) -> None:
        self.limit = limit
        self.known: dict[str, KnownOrg] = {}
        self.aliases: set[tuple[int, str]] = set()
        self._idents: dict[tuple[str | None, str | None, str | None, str | None], Identity | None] = {}
        self.claims: dict[str, Claim] = {}

    def clear(self) -> None:
        """After a rollback: ids created by the failed batch do not exist."""
        self.known.clear()
        self.aliases.clear()
        self.claims.clear()

    # ---- claiming (no database) ---------------------------------------------------------------------------

    def claim(self, ref: OrgRef | None, *, kind: str = "company", source: str | None = None) -> str | None:
        """The org_key of `ref` (None when it names nobody); remembers what it says for `resolve`."""
        if ref is None:
            return None
        memo = (ref.name, ref.national_id, ref.id_scheme, ref.country)
        if memo in self._idents:
            ident = self._idents[memo]
        else:
            ident = self._idents[memo] = identify(ref.name, ref.national_id, ref.id_scheme, ref.country)
            if len(self._idents) > 100_000:
                self._idents.clear()
        if ident is None:
            return None
        key = ident.org_key
        claim = self.claims.get(key)
        if claim is None:
            claim = self.claims[key] = Claim(ident, kind=kind)
        elif kind == "public-buyer":
            claim.kind = kind
        claim.country = claim.country or ident.country or ref.country
        claim.siret = claim.siret or ident.siret
        claim.vat = claim.vat or ident.vat
        if ref.name:
            name = ref.name.strip()
            if name and claim.name is None:
                claim.name = name
            claim.names.setdefault(name[:500], source)
        return key

    # ---- resolving (a few statements per batch) -------------------------------------------------------------

    def resolve(self, s: Session) -> dict[str, int]:
        """Write what the claims say; returns org_key -> id for every key claimed in this batch."""
        claims, self.claims = self.claims, {}
        if len(self.known) > self.limit:
            self.known.clear()
            self.aliases.clear()
        missing = [k for k in claims if k not in self.known]
        for i in range(0, len(missing), CHUNK):
            rows = s.execute(select(ORG.c.id, ORG.c.org_key, ORG.c.name, ORG.c.siret, ORG.c.vat, ORG.c.country,
                                    ORG.c.kind).where(ORG.c.org_key.in_(missing[i:i + CHUNK])))
            for r in rows:
                self.known[r.org_key] = KnownOrg(r.id, r.name is not None, r.siret, r.vat, r.country, r.kind)
        self._insert_new([(k, c) for k, c in claims.items() if k not in self.known], s)
        self._fill_gaps(claims, s)
        self._aliases(claims, s)
        return {k: self.known[k].id for k in claims}

    def _insert_new(self, new: list[tuple[str, Claim]], s: Session) -> None:
        if not new:
            return
        rows = []
        for key, c in new:
            i = c.ident
            rows.append({"org_key": key, "kind": c.kind, "siren": i.siren, "siret": c.siret, "vat": c.vat,
                         "foreign_id": i.foreign_id, "foreign_scheme": i.foreign_scheme, "country": c.country,
                         "id_valid": i.valid, "id_issue": i.issue, "name": c.name,
                         "normalized_name": normalize_name(c.name) if c.name else None, "provider_id": None})
        for oid, row in zip(insert_ids(s, ORG, rows, ("org_key",)), rows, strict=True):
            self.known[row["org_key"]] = KnownOrg(oid, row["name"] is not None, row["siret"], row["vat"],
                                                  row["country"], row["kind"])

    def _fill_gaps(self, claims: dict[str, Claim], s: Session) -> None:
        updates = []
        for key, c in claims.items():
            k = self.known[key]
            fills = {
                "b_name": c.name if not k.named and c.name else None,
                "b_siret": c.siret if k.siret is None else None,
                "b_vat": c.vat if k.vat is None else None,
                "b_country": c.country if k.country is None and c.country else None,
                "b_kind": "public-buyer" if c.kind == "public-buyer" and k.kind == "company" else None,
            }
            if not any(fills.values()):
                continue
            norm = normalize_name(fills["b_name"]) if fills["b_name"] else None
            updates.append({"b_id": k.id, **fills, "b_norm": norm})
            k.named = k.named or fills["b_name"] is not None
            k.siret, k.vat = k.siret or fills["b_siret"], k.vat or fills["b_vat"]
            k.country = k.country or fills["b_country"]
            k.kind = fills["b_kind"] or k.kind
        if not updates:
            return
        stmt = ORG.update().where(ORG.c.id == bindparam("b_id")).values(
            name=func.coalesce(ORG.c.name, bindparam("b_name")),
            normalized_name=case((ORG.c.name.is_(None), bindparam("b_norm")), else_=ORG.c.normalized_name),
            siret=func.coalesce(ORG.c.siret, bindparam("b_siret")),
            vat=func.coalesce(ORG.c.vat, bindparam("b_vat")),
            country=func.coalesce(ORG.c.country, bindparam("b_country")),
            kind=case(((ORG.c.kind == "company") & (bindparam("b_kind") == "public-buyer"), "public-buyer"),
                      else_=ORG.c.kind),
        )
        s.connection().execute(stmt, updates)

    def _aliases(self, claims: dict[str, Claim], s: Session) -> None:
        wanted: dict[tuple[int, str], str | None] = {}
        for key, c in claims.items():
            oid = self.known[key].id
            for name, source in c.names.items():
                if (oid, name) not in self.aliases:
                    wanted.setdefault((oid, name), source)
        if not wanted:
            return
        # by org_id (indexed), not by (org_id, name) row values: SQLite scans the table for those
        org_ids = sorted({oid for oid, _name in wanted})
        for i in range(0, len(org_ids), CHUNK):
            self.aliases.update((r.org_id, r.name) for r in s.execute(
                select(ALIAS.c.org_id, ALIAS.c.name).where(ALIAS.c.org_id.in_(org_ids[i:i + CHUNK]))))
        rows = [{"org_id": oid, "name": name, "source": src} for (oid, name), src in wanted.items()
                if (oid, name) not in self.aliases]
        if rows:
            s.execute(ALIAS.insert(), rows)
            self.aliases.update((r["org_id"], r["name"]) for r in rows)
