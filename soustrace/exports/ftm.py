"""FollowTheMoney entities (Aleph / OpenAleph, OpenSanctions tooling): one JSON entity a line.

Mapping, built with the `followthemoney` library (every entity goes through its model):

* public buyers → `PublicBody`; companies and providers' legal entities → `Company` (SIRET and SIREN in
  `registrationNumber`, VAT in `vatCode`, `country`, every spelling seen in `alias`);
* catalog providers → `Organization` (a provider is a brand or group, not one registered company), with its
  jurisdiction, CLOUD Act exposure and SecNumCloud status in `notes`;
* contracts (a notice's lot) → `Contract` (`authority` = the buyer, `title`, `amount`, `currency`, CPV in
  `classification`, the notice URL in `sourceUrl`, `noticeId`, `contractDate` = award date; `type` says
  "award notice" or "reported" for a contract known from the press or a ruling);
* each winner, lead, member and declared subcontractor → `ContractAward` (`contract`, `supplier`, `role`
  such as "lead (mandataire)" or "subcontractor (declared, for EDITIONS KIRO)", `amount`, `date`,
  `lotNumber`, `cpvCode`, the notice's quote in `summary` and its URL in `sourceUrl`). `amount` is the
  party's own amount when the source states one, else the lot's for winner/lead/member — shared by the
  members of a group, as the description says: never sum it across a group;
* hosting, built-by, runs-on and declared-subcontract edges → `UnknownLink` (FtM has no hosting relation)
  with a `role` naming the relation and where it was read ("hosting provider (legal notice)",
  "hosting provider (press article)", "CDN (DNS)"), `status`, the best evidence's quote in `summary`, its
  URL in `sourceUrl`, the method, confidence and first/last seen dates in `description`, `date` = first
  seen and `retrievedAt` = when the evidence was last read. Negated edges ("not hosted by") are not
  exported: a link in Aleph reads as a fact.

Entity ids are `make_id("soustrace", <kind>, <natural key>...)`: the organisation's resolution key
(`FR-SIREN:…`), the notice's source and id with the lot, the provider's catalog id, the edge's kind, role,
method, status and both ends' keys. The same data exported twice gives the same ids, so a re-import updates
the Aleph collection instead of duplicating it. Rows are read in keyset pages: memory does not grow with
the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from followthemoney import EntityProxy, model
from sqlalchemy import Connection, Engine, Select, func, select, union
from sqlalchemy.orm import aliased

from soustrace.exports.atomic import atomic_path
from soustrace.models import Contract, Document, Notice, OrgAlias, Organization, PartyRole, Provider, Relation, Site
from soustrace.queries.evidence import best_evidence
from soustrace.queries.filters import ContractFilter

PAGE = 2000
NS = "soustrace"
EDGE_KINDS = ("hosting", "built-by", "runs-on", "declared-subcontract")
PARTY_ROLES = {"winner": "winner", "lead": "lead (mandataire)", "member": "member (co-traitant)",
               "subcontractor": "subcontractor (declared)"}
WON = ("winner", "lead", "member")
HOSTING_ROLES = {"host": "hosting provider", "cdn": "CDN", "data-storage": "data storage",
                 "sub-processor": "sub-processor", "other": "hosting (other)"}
KIND_ROLES = {"built-by": "built the site", "runs-on": "runs on", "declared-subcontract": "declared subcontractor"}
READ_IN = {"page": "web page", "legal": "legal notice", "privacy": "privacy page", "terms": "terms of use",
           "subprocessors": "sub-processor list", "press": "press article", "court": "court ruling",
           "official": "official answer", "dns": "DNS", "structured": "notice", "user": "added by hand",
           "catalog": "provider catalog"}


def org_entity_id(org_key: str) -> str:
    return _id("org", org_key)


def provider_entity_id(provider_id: str) -> str:
    return _id("provider", provider_id)


def _id(*parts: object) -> str:
    e = model.make_entity("Thing")
    return str(e.make_id(NS, *("" if p is None else str(p) for p in parts)))


def _contract_key(source: str | None, source_id: str | None, lot: str | None, contract_id: int) -> tuple:
    return (source, source_id, lot or "") if source else ("contract", contract_id)


def _date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10] if value else None


def _amount(value: Any) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01"))) if not isinstance(value, Decimal) else str(value)


def _pages(conn: Connection, stmt: Select, key: Any, name: str = "id") -> Iterator[list[Any]]:
    """Rows of `stmt` in pages ordered by `key` (an integer id, selected as `name`), one indexed query each."""
    last = None
    while True:
        page = stmt.order_by(key).limit(PAGE)
        if last is not None:
            page = page.where(key > last)
        rows = conn.execute(page).mappings().all()
        if not rows:
            return
        yield rows
        last = rows[-1][name]


class _Scope:
    """Which rows to export: everything, or the contracts matching the filters and what touches them."""

    def __init__(self, flt: ContractFilter) -> None:
        self.active = flt.active
        self.contracts = select(Contract.id).where(flt.condition())
        buyers = select(Contract.buyer_id).where(Contract.id.in_(self.contracts), Contract.buyer_id.is_not(None))
        parties = select(PartyRole.org_id).where(PartyRole.contract_id.in_(self.contracts))
        self.core_orgs = union(buyers, parties).subquery()
        targets = select(Relation.dst_org_id).where(Relation.src_org_id.in_(select(self.core_orgs.c[0])),
                                                    Relation.dst_org_id.is_not(None))
        self.orgs = union(select(self.core_orgs.c[0]), targets).subquery()


def iter_entities(engine: Engine, *, date_from: str | dt.date | None = None, date_to: str | dt.date | None = None,
                  buyer: str | None = None, cpv: str | None = None) -> Iterator[EntityProxy]:
    """Every entity, providers first, then organisations, contracts, awards and edges."""
    scope = _Scope(ContractFilter.of(date_from, date_to, buyer, cpv))
    with engine.connect() as conn:
        yield from _providers(conn)
        yield from _organizations(conn, scope)
        yield from _contracts(conn, scope)
        yield from _awards(conn, scope)
        yield from _edges(conn, scope)


def _providers(conn: Connection) -> Iterator[EntityProxy]:
    for values in conn.execute(select(Provider.__table__).order_by(Provider.id)).mappings():
        row = Provider(**dict(values))
        e = model.make_entity("Organization")
        e.id = provider_entity_id(row.id)
        data = row.data if isinstance(row.data, dict) else {}
        e.add("name", data.get("display_name") or row.name)
        e.add("alias", [a for a in data.get("aliases") or [] if isinstance(a, str)])
        e.add("country", row.hq_country, quiet=True)
        e.add("notes", f"Provider catalog (soustrace): jurisdiction {row.jurisdiction or 'unknown'}; "
                       f"CLOUD Act exposure {row.cloud_act or 'unknown'}; SecNumCloud "
                       f"{row.secnumcloud_status or 'unknown'} (not verified against ANSSI's list).")
        e.add("keywords", "cloud provider")
        yield e


def _organizations(conn: Connection, scope: _Scope) -> Iterator[EntityProxy]:
    stmt = select(Organization.id, Organization.org_key, Organization.name, Organization.siren, Organization.siret,
                  Organization.vat, Organization.foreign_id, Organization.foreign_scheme, Organization.country,
                  Organization.kind, Organization.id_valid, Organization.id_issue, Organization.provider_id)
    if scope.active:
        stmt = stmt.where(Organization.id.in_(select(scope.orgs.c[0])))
    for rows in _pages(conn, stmt, Organization.id):
        aliases: dict[int, list[str]] = {}
        for org_id, name in conn.execute(select(OrgAlias.org_id, OrgAlias.name)
                                         .where(OrgAlias.org_id.in_([r["id"] for r in rows]))):
            aliases.setdefault(org_id, []).append(name)
        for r in rows:
            e = model.make_entity("PublicBody" if r["kind"] == "public-buyer" else "Company")
            e.id = org_entity_id(r["org_key"])
            e.add("name", r["name"] or r["org_key"])
            e.add("alias", [a for a in aliases.get(r["id"], []) if a != r["name"]])
            e.add("registrationNumber", [r["siret"], r["siren"]])
            if r["foreign_id"]:
                e.add("registrationNumber", r["foreign_id"])
            e.add("vatCode", r["vat"])
            e.add("country", r["country"], quiet=True)
            if r["id_valid"] is False:
                e.add("notes", f"Identifier as written fails its check: {r['id_issue'] or 'invalid'}")
            yield e
            if r["provider_id"]:
                link = model.make_entity("UnknownLink")
                link.id = _id("legal-entity", r["org_key"], r["provider_id"])
                link.add("subject", e.id)
                link.add("object", provider_entity_id(r["provider_id"]))
                link.add("role", "legal entity of the provider (soustrace catalog)")
                yield link


def _contract_select() -> Select:
    buyer = aliased(Organization, name="buyer")
    return (select(Contract.id, Contract.lot, Contract.title, Contract.cpv, Contract.procedure, Contract.award_date,
                   Contract.amount, Contract.amount_min, Contract.amount_max, Contract.currency,
                   Notice.source, Notice.source_id, Notice.url, buyer.org_key.label("buyer_key"),
                   *([Contract.__table__.c.kind.label("contract_kind")] if "kind" in Contract.__table__.c else []))
            .outerjoin(Notice, Notice.id == Contract.notice_id)
            .outerjoin(buyer, buyer.id == Contract.buyer_id))


def _contracts(conn: Connection, scope: _Scope) -> Iterator[EntityProxy]:
    stmt = _contract_select()
    if scope.active:
        stmt = stmt.where(Contract.id.in_(scope.contracts))
    for rows in _pages(conn, stmt, Contract.id):
        for r in rows:
            e = model.make_entity("Contract")
            e.id = _id("contract", *_contract_key(r["source"], r["source_id"], r["lot"], r["id"]))
            ref = f"{r['source']}:{r['source_id']}" if r["source"] else f"contract:{r['id']}"
            ref += f" lot {r['lot']}" if r["lot"] else ""
            e.add("title", r["title"] or ref)
            e.add("name", ref)
            if r["buyer_key"]:
                e.add("authority", org_entity_id(r["buyer_key"]))
            e.add("amount", _amount(r["amount"]))
            e.add("currency", r["currency"], quiet=True)
            e.add("classification", r["cpv"])
            e.add("procedure", r["procedure"])
            e.add("contractDate", _date(r["award_date"]))
            e.add("noticeId", r["source_id"])
            e.add("sourceUrl", r["url"])
            e.add("publisher", (r["source"] or "").upper() or None)
            e.add("type", "reported" if r.get("contract_kind") == "reported" else "award notice")
            if r["amount_min"] is not None or r["amount_max"] is not None:
                e.add("description", f"amount range: {r['amount_min']} – {r['amount_max']} {r['currency'] or ''}")
            yield e


def _awards(conn: Connection, scope: _Scope) -> Iterator[EntityProxy]:
    party = aliased(Organization, name="party")
    stmt = (_contract_select().add_columns(
        PartyRole.id.label("party_role_id"), PartyRole.role, PartyRole.amount.label("party_amount"),
        PartyRole.org_id, party.org_key.label("party_key"))
        .join(PartyRole, PartyRole.contract_id == Contract.id).join(party, party.id == PartyRole.org_id)
        .where(PartyRole.role.in_(list(PARTY_ROLES))))
    if scope.active:
        stmt = stmt.where(Contract.id.in_(scope.contracts))
    for rows in _pages(conn, stmt, PartyRole.id, "party_role_id"):
        evidence = best_evidence(conn, [r["party_role_id"] for r in rows], party_roles=True)
        leads = _declared_for(conn, [r for r in rows if r["role"] == "subcontractor"])
        for r in rows:
            key = _contract_key(r["source"], r["source_id"], r["lot"], r["id"])
            e = model.make_entity("ContractAward")
            e.id = _id("award", *key, r["party_key"], r["role"])
            e.add("contract", _id("contract", *key))
            e.add("supplier", org_entity_id(r["party_key"]))
            role = PARTY_ROLES[r["role"]]
            if lead := leads.get((r["id"], r["org_id"])):
                role = f"subcontractor (declared, for {lead})"
            e.add("role", role)
            if r["party_amount"] is not None:
                e.add("amount", _amount(r["party_amount"]))
            elif r["role"] in WON and r["amount"] is not None:
                e.add("amount", _amount(r["amount"]))
                e.add("description", "the lot's amount (each member of a group shows it whole)")
            e.add("currency", r["currency"], quiet=True)
            e.add("date", _date(r["award_date"]))
            e.add("lotNumber", r["lot"] or None)
            e.add("cpvCode", r["cpv"])
            e.add("documentNumber", r["source_id"])
            ev = evidence.get(r["party_role_id"])
            e.add("summary", ev.text if ev else None)
            e.add("sourceUrl", (ev.url if ev else None) or r["url"])
            yield e


def _declared_for(conn: Connection, rows: list[Any]) -> dict[tuple[int, int], str]:
    """{(contract id, subcontractor org id): the contractor it is declared for}."""
    if not rows:
        return {}
    lead = aliased(Organization, name="lead")
    out: dict[tuple[int, int], str] = {}
    stmt = (select(Relation.contract_id, Relation.dst_org_id, lead.name)
            .join(lead, lead.id == Relation.src_org_id)
            .where(Relation.kind == "declared-subcontract", Relation.contract_id.in_({r["id"] for r in rows})))
    for contract_id, sub_id, name in conn.execute(stmt):
        out.setdefault((contract_id, sub_id), name)
    return out


def _edges(conn: Connection, scope: _Scope) -> Iterator[EntityProxy]:
    src, dst = aliased(Organization, name="src"), aliased(Organization, name="dst")
    stmt = (select(Relation.id, Relation.kind, Relation.role, Relation.status, Relation.method,
                   Relation.confidence, Relation.provider_id, Relation.provider_name, Relation.first_seen,
                   Relation.last_seen, Site.url.label("site_url"), src.org_key.label("src_key"),
                   dst.org_key.label("dst_key"), Relation.contract_id, Notice.source, Notice.source_id, Contract.lot)
            .outerjoin(Site, Site.id == Relation.site_id)
            .outerjoin(Contract, Contract.id == Relation.contract_id)
            .outerjoin(Notice, Notice.id == Contract.notice_id)
            .outerjoin(src, src.id == func.coalesce(Relation.src_org_id, Site.org_id))
            .outerjoin(dst, dst.id == Relation.dst_org_id)
            .where(Relation.kind.in_(EDGE_KINDS), Relation.status != "negated"))
    if scope.active:
        stmt = stmt.where(src.id.in_(select(scope.core_orgs.c[0])))
    for rows in _pages(conn, stmt, Relation.id):
        evidence = best_evidence(conn, [r["id"] for r in rows])
        doc_ids = {_doc_id(ev.ref) for ev in evidence.values()} - {None}
        doc_kinds = dict(conn.execute(select(Document.id, Document.kind).where(Document.id.in_(doc_ids))).all())
        for r in rows:
            if r["src_key"] is None:
                continue
            if r["provider_id"]:
                target = provider_entity_id(r["provider_id"])
            elif r["dst_key"]:
                target = org_entity_id(r["dst_key"])
            else:
                continue  # a name the catalog lacks and no organisation: nothing to link to
            ev = evidence.get(r["id"])
            read_in = r["method"]
            if ev is not None:
                doc = _doc_id(ev.ref)
                read_in = doc_kinds.get(doc) if doc is not None and r["method"] == "nlp" else ev.kind
            contract = _contract_key(r["source"], r["source_id"], r["lot"], r["contract_id"]) \
                if r["contract_id"] else ()
            e = model.make_entity("UnknownLink")
            e.id = _id("relation", r["kind"], r["role"], r["method"], r["status"], r["src_key"], target,
                       r["provider_name"], r["site_url"], *contract)
            e.add("subject", org_entity_id(r["src_key"]))
            e.add("object", target)
            label = HOSTING_ROLES.get(r["role"] or "host", "hosting") if r["kind"] == "hosting" \
                else KIND_ROLES.get(r["kind"], r["kind"])
            e.add("role", f"{label} ({READ_IN.get(read_in or '', read_in or 'unknown source')})")
            e.add("status", r["status"])
            e.add("summary", ev.text if ev else None)
            e.add("sourceUrl", ev.url if ev else None)
            e.add("date", _date(r["first_seen"]))
            e.add("retrievedAt", ev.seen_at.isoformat() if ev and isinstance(ev.seen_at, dt.datetime) else None)
            e.add("publisher", READ_IN.get(read_in or "", read_in))
            e.add("description", _edge_description(r, ev))
            yield e


def _doc_id(ref: str | None) -> int | None:
    return int(ref.split(":", 1)[1]) if ref and ref.startswith("document:") else None


def _edge_description(r: Any, ev: Any) -> str:
    parts = [f"method {r['method']}, confidence {r['confidence']:.2f}",
             f"first seen {_date(r['first_seen'])}, last seen {_date(r['last_seen'])}"]
    if r["provider_name"] and not r["provider_id"]:
        parts.append(f"provider as written: {r['provider_name']}")
    if r["site_url"]:
        parts.append(f"site {r['site_url']}")
    if r["source"]:
        parts.append(f"contract {r['source']}:{r['source_id']}" + (f" lot {r['lot']}" if r["lot"] else ""))
    if ev is not None:
        parts.append(f"evidence {ev.ref or ev.url} ({ev.count} evidence row{'s' if ev.count != 1 else ''})")
    return "; ".join(parts)


def write_entities(entities: Iterator[EntityProxy], out: TextIO | Path) -> Counter[str]:
    """Write one JSON entity a line; returns the count per schema. A file appears whole or not at all."""
    counts: Counter[str] = Counter()
    if isinstance(out, Path):
        with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8") as fh:
            return write_entities(entities, fh)
    for entity in entities:
        out.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        counts[entity.schema.name] += 1
    return counts
