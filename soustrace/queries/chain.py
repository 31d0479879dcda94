"""`chain`: the whole path around one organisation or contract, every edge with its evidence.

    buyer ─awards→ contract ─lead/member/winner→ contractor ─declared-subcontract→ subcontractor
                                                     ├─hosting (host/cdn/data-storage/...)→ provider ─runs-on→ provider
                                                     └─delivers-site→ site ─hosting→ provider

The answer is a plain dict tree (JSON-ready) so a script, the CLI's `--format json` and the rich tree renderer
(`soustrace.commands.chain_tree`) all read the same thing. Every node has `type`, `id`, `label`, its
attributes and `children`; every node but the roots has the `edge` that led to it: kind, role, status, method,
confidence, dates and up to five evidence rows (URL or notice id, quoted text, when seen) with the total
count.

A reference is resolved strictly (`org:ID`, `contract:ID`, `ted:00000156-2025#LOT-0001`, a SIREN/SIRET, a
name): a name matching several organisations is an error listing them, never a silent pick.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select

from soustrace.errors import NotFoundError
from soustrace.models import Contract, Notice, Organization, PartyRole, Relation, Site
from soustrace.names import normalize_name
from soustrace.queries.catalog import catalog_runs_on, load_catalog
from soustrace.queries.evidence import all_evidence

SOURCES = ("boamp", "ted", "decp")
ROLE_ORDER = {"winner": 0, "lead": 1, "member": 2, "subcontractor": 3, "reported": 4, "buyer": 5}


class ChainRefError(NotFoundError):
    """The reference matches nothing, or several things (the message lists them)."""


@dataclass(slots=True)
class Target:
    kind: str  # "organization" | "contract"
    ids: list[int]
    label: str


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, Decimal | int | float) else None


def resolve_ref(conn: Connection, ref: str) -> Target:
    """`org:ID`, `contract:ID`, `[source:]NOTICE_ID[#LOT]`, a SIREN/SIRET, or a name."""
    text = ref.strip()
    if m := re.fullmatch(r"(org|contract):(\d+)", text):
        kind, ident = m.group(1), int(m.group(2))
        model = Organization if kind == "org" else Contract
        if conn.scalar(select(model.id).where(model.id == ident)) is None:
            raise ChainRefError(f"no {'organisation' if kind == 'org' else 'contract'} with id {ident}")
        return Target("organization" if kind == "org" else "contract", [ident], text)
    digits = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d{9}|\d{14}", digits):
        ids = list(conn.scalars(select(Organization.id).where(Organization.siren == digits[:9])))
        if not ids:
            raise ChainRefError(f"no organisation with SIREN {digits[:9]}")
        return Target("organization", ids, text)
    if re.fullmatch(r"\d+", text):
        raise ChainRefError(f"{text!r} is ambiguous: write org:{text} or contract:{text}")
    notice = _notice_target(conn, text)
    if notice is not None:
        return notice
    return _org_by_name(conn, text)


def _notice_target(conn: Connection, text: str) -> Target | None:
    m = re.fullmatch(r"(?:(notice|boamp|ted|decp):)?([^#]+?)(?:#(.+))?", text)
    if not m:
        return None
    prefix, source_id, lot = m.groups()
    stmt = select(Contract.id).join(Notice, Notice.id == Contract.notice_id).where(Notice.source_id == source_id)
    if prefix in SOURCES:
        stmt = stmt.where(Notice.source == prefix)
    if lot is not None:
        stmt = stmt.where(Contract.lot == lot)
    ids = list(conn.scalars(stmt.order_by(Contract.lot)))
    if ids:
        return Target("contract", ids, text)
    if prefix or lot is not None:
        raise ChainRefError(f"no contract for notice {source_id!r}" + (f" lot {lot!r}" if lot is not None else ""))
    return None


def _org_by_name(conn: Connection, text: str) -> Target:
    norm = normalize_name(text) or text.upper()
    exact = list(conn.execute(select(Organization.id, Organization.name, Organization.siren)
                              .where(Organization.normalized_name == norm).limit(20)))
    found = exact or list(conn.execute(
        select(Organization.id, Organization.name, Organization.siren)
        .where(or_(Organization.normalized_name.contains(norm, autoescape=True),
                   func.upper(Organization.name).contains(text.upper(), autoescape=True))).limit(20)))
    if not found:
        raise ChainRefError(f"no organisation, contract or notice matches {text!r}")
    if len(found) > 1:
        listed = "; ".join(f"org:{r.id} {r.name}" + (f" (SIREN {r.siren})" if r.siren else "") for r in found[:10])
        raise ChainRefError(f"{text!r} matches {len(found)} organisations, pick one: {listed}")
    return Target("organization", [found[0].id], text)


@dataclass
class _Builder:
    """Fetches each level in one query per level (not per node), then assembles the tree in memory."""

    conn: Connection
    catalog: dict[str, dict[str, str | None]] = field(default_factory=dict)
    orgs: dict[int, dict[str, Any]] = field(default_factory=dict)

    def org_info(self, ids: set[int]) -> None:
        missing = [i for i in ids if i not in self.orgs]
        for i in range(0, len(missing), 5000):
            for r in self.conn.execute(select(Organization.id, Organization.name, Organization.siren,
                                              Organization.kind, Organization.country, Organization.provider_id)
                                       .where(Organization.id.in_(missing[i:i + 5000]))):
                self.orgs[r.id] = r._asdict()

    def org_node(self, org_id: int, edge: dict | None, children: list[dict] | None = None) -> dict[str, Any]:
        info = self.orgs.get(org_id, {})
        return {"type": "buyer" if info.get("kind") == "public-buyer" else "organization", "id": f"org:{org_id}",
                "label": info.get("name") or f"org:{org_id}", "siren": info.get("siren"),
                "country": info.get("country"), "edge": edge, "children": children or []}

    @staticmethod
    def edge(row: Any, evidence: list[dict], kind: str | None = None) -> dict[str, Any]:
        return {"kind": kind or row.kind, "role": getattr(row, "role", None),
                "status": getattr(row, "status", None), "method": getattr(row, "method", None),
                "confidence": getattr(row, "confidence", None), "first_seen": _iso(getattr(row, "first_seen", None)),
                "last_seen": _iso(getattr(row, "last_seen", None)),
                "relation_id": getattr(row, "id", None), "site_id": getattr(row, "site_id", None),
                "evidence": evidence,
                "evidence_count": evidence[0]["count"] if evidence else 0}

    def provider_node(self, rel: Any, evidence: list[dict], runs_on: dict[str, list[tuple[Any, list]]],
                      depth: int = 0) -> dict[str, Any]:
        pid = rel.provider_id
        facts = self.catalog.get(pid or "", {})
        children = []
        if pid and depth == 0:
            children = [self.provider_node(r, ev, runs_on, depth + 1) for r, ev in runs_on.get(pid, [])]
        return {"type": "provider", "id": f"provider:{pid}" if pid else f"provider-name:{rel.provider_name}",
                "label": facts.get("name") or rel.provider_name or pid, "provider_id": pid,
                "jurisdiction": facts.get("jurisdiction", "unknown"), "cloud_act": facts.get("cloud_act", "unknown"),
                "secnumcloud": facts.get("secnumcloud", "unknown"), "edge": self.edge(rel, evidence),
                "children": children}

    def hosting_of(self, org_ids: set[int], site_ids: set[int]) -> tuple[dict[int, list], dict[int, list]]:
        """Hosting edges per organisation and per site, with evidence and the runs-on hop underneath."""
        by_org: dict[int, list] = {}
        by_site: dict[int, list] = {}
        rows: list[Any] = []
        org_list, site_list = sorted(org_ids), sorted(site_ids)
        for i in range(0, max(len(org_list), 1), 5000):
            rows += self.conn.execute(select(Relation).where(
                Relation.kind == "hosting", Relation.src_org_id.in_(org_list[i:i + 5000]))).all()
        for i in range(0, max(len(site_list), 1), 5000):
            rows += self.conn.execute(select(Relation).where(
                Relation.kind == "hosting", Relation.src_org_id.is_(None),
                Relation.site_id.in_(site_list[i:i + 5000]))).all()
        evidence = all_evidence(self.conn, [r.id for r in rows])
        runs_on = self.runs_on({r.provider_id for r in rows if r.provider_id})
        for r in sorted(rows, key=lambda r: (r.status != "current", -r.confidence, r.id)):
            node = self.provider_node(r, evidence.get(r.id, []), runs_on)
            if r.src_org_id is not None:
                by_org.setdefault(r.src_org_id, []).append(node)
            else:
                by_site.setdefault(r.site_id, []).append(node)
        return by_org, by_site

    def runs_on(self, provider_ids: set[str]) -> dict[str, list[tuple[Any, list]]]:
        if not provider_ids:
            return {}
        rows = self.conn.execute(
            select(Relation, Organization.provider_id.label("upper")).join(
                Organization, Organization.id == Relation.src_org_id)
            .where(Relation.kind == "runs-on", Organization.provider_id.in_(sorted(provider_ids)))).all()
        evidence = all_evidence(self.conn, [r.id for r in rows])
        out: dict[str, list[tuple[Any, list]]] = {}
        for r in rows:
            out.setdefault(r.upper, []).append((r, evidence.get(r.id, [])))
        for upper, facts in catalog_runs_on(self.conn).items():
            if upper not in provider_ids:
                continue
            for lower, stated_in in facts:
                fact = SimpleNamespace(kind="runs-on", role=None, status="current", method="catalog",
                                       confidence=None, first_seen=None, last_seen=None, id=None,
                                       provider_id=lower, provider_name=None)
                out.setdefault(upper, []).append((fact, [{"kind": "catalog", "url": None, "ref": "provider catalog",
                                                          "text": stated_in, "path": "runs_on", "count": 1}]))
        return out


def chain(engine: Engine, ref: str, *, max_contracts: int = 50) -> dict[str, Any]:
    """The tree around `ref`; an organisation's contracts are listed most recent first, up to `max_contracts`."""
    with engine.connect() as conn:
        target = resolve_ref(conn, ref)
        b = _Builder(conn, load_catalog(conn))
        if target.kind == "contract":
            contract_ids, total = target.ids, len(target.ids)
        else:
            stmt = (select(Contract.id).outerjoin(PartyRole, PartyRole.contract_id == Contract.id)
                    .where(or_(PartyRole.org_id.in_(target.ids), Contract.buyer_id.in_(target.ids))).distinct())
            total = conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            contract_ids = list(conn.scalars(
                select(Contract.id).where(Contract.id.in_(stmt))
                .order_by(Contract.award_date.desc().nulls_last(), Contract.id.desc()).limit(max_contracts)))
        roots = _contract_trees(b, contract_ids)
        if target.kind == "organization":
            roots += _bare_orgs(b, [i for i in target.ids if not contract_ids])
            _attach_own_sites(b, roots, target.ids)
        return {"query": ref, "kind": target.kind, "target_ids": target.ids, "contracts_total": total,
                "contracts_shown": len(contract_ids), "roots": roots}


def _bare_orgs(b: _Builder, org_ids: list[int]) -> list[dict]:
    """An organisation with no contract is still shown, with its hosting and sites."""
    if not org_ids:
        return []
    b.org_info(set(org_ids))
    sites = _delivered_sites(b, set(org_ids), [])
    by_org, by_site = b.hosting_of(set(org_ids), {s["site_id"] for lst in sites.values() for s in lst})
    own = set(b.conn.scalars(select(Site.id).where(Site.org_id.in_(org_ids), Site.kind.in_(OWN_SITE_KINDS))))

    def direct(nodes: list[dict]) -> list[dict]:  # edges read on an own site are shown under that site
        return [n for n in nodes if (n.get("edge") or {}).get("site_id") not in own or not own]

    return [b.org_node(o, None, direct(by_org.get(o, [])) + _site_nodes(sites.get(o, []), by_site)) for o in org_ids]


OWN_SITE_KINDS = ("buyer", "editor-site")  # a public body's own sites (a contractor's show under its hosting)


def _attach_own_sites(b: _Builder, roots: list[dict], org_ids: list[int]) -> None:
    """An organisation's own sites under its root, each with who built it (`built-by`) and who hosts it, as
    its legal notice says. A builder that also holds a role on the organisation's contracts in a notice
    or DECP record is marked so (`also_contractor`): the chain then shows both links between them."""
    sites = b.conn.execute(select(Site.id, Site.url, Site.domain, Site.kind, Site.org_id, Site.found_by)
                           .where(Site.org_id.in_(org_ids), Site.kind.in_(OWN_SITE_KINDS))
                           .order_by(Site.id)).all()
    if not sites:
        return
    site_ids = [s.id for s in sites]
    rels = b.conn.execute(select(Relation).where(Relation.site_id.in_(site_ids),
                                                 Relation.kind.in_(("hosting", "built-by")))).all()
    evidence = all_evidence(b.conn, [r.id for r in rels])
    runs_on = b.runs_on({r.provider_id for r in rels if r.provider_id})
    b.org_info({r.dst_org_id for r in rels if r.dst_org_id})
    holders = _contract_holders(b, org_ids)
    kids: dict[int, list[dict]] = {}
    for r in sorted(rels, key=lambda r: (r.kind != "built-by", r.status != "current", -r.confidence, r.id)):
        edge = {**b.edge(r, evidence.get(r.id, [])), "site_id": r.site_id}
        if r.kind == "built-by" and r.dst_org_id is not None:
            node = b.org_node(r.dst_org_id, edge)
            if r.dst_org_id in holders:
                node["also_contractor"] = holders[r.dst_org_id]
        elif r.kind == "built-by":
            node = {"type": "organization", "id": f"name:{r.provider_name}", "label": r.provider_name, "edge": edge,
                    "children": []}
        else:
            node = b.provider_node(r, evidence.get(r.id, []), runs_on)
            node["edge"]["site_id"] = r.site_id
        kids.setdefault(r.site_id, []).append(node)
    by_root = {r["id"]: r for r in roots}
    for s in sites:
        root = by_root.get(f"org:{s.org_id}")
        if root is None:
            continue
        root["children"].append({"type": "site", "id": f"site:{s.id}", "label": s.url, "domain": s.domain,
                                 "site_kind": s.kind, "found_by": s.found_by,
                                 "edge": {"kind": "operates-site", "role": s.kind, "status": "current",
                                          "method": "structured", "confidence": None, "evidence": [],
                                          "evidence_count": 0},
                                 "children": kids.get(s.id, [])})


def _contract_holders(b: _Builder, buyer_ids: list[int]) -> dict[int, list[str]]:
    """{org id: labels of the contracts of these buyers it holds a contractor role on}."""
    rows = b.conn.execute(
        select(PartyRole.org_id, Contract.id, Contract.kind, Notice.source, Notice.source_id)
        .join(Contract, Contract.id == PartyRole.contract_id).outerjoin(Notice, Notice.id == Contract.notice_id)
        .where(Contract.buyer_id.in_(buyer_ids), PartyRole.role != "buyer")).all()
    out: dict[int, list[str]] = {}
    for org_id, contract_id, kind, source, source_id in rows:
        out.setdefault(org_id, []).append(f"{source}:{source_id}" if source else f"contract:{contract_id} ({kind})")
    return out


def _delivered_sites(b: _Builder, org_ids: set[int], contract_ids: list[int]) -> dict[int, list[dict]]:
    """{org id: delivered sites} from delivers-site edges of these organisations (for these contracts or none)."""
    if not org_ids:
        return {}
    rows = b.conn.execute(
        select(Relation, Site.url, Site.domain, Site.kind.label("site_kind")).join(Site, Site.id == Relation.site_id)
        .where(Relation.kind == "delivers-site", Relation.src_org_id.in_(sorted(org_ids)),
               or_(Relation.contract_id.is_(None), Relation.contract_id.in_(contract_ids or [-1])))).all()
    evidence = all_evidence(b.conn, [r.id for r in rows])
    out: dict[int, list[dict]] = {}
    for rel in rows:
        r = rel
        out.setdefault(rel.src_org_id, []).append({
            "site_id": rel.site_id, "url": r.url, "domain": r.domain, "site_kind": r.site_kind,
            "contract_id": rel.contract_id, "edge": _Builder.edge(rel, evidence.get(rel.id, []))})
    return out


def _site_nodes(sites: list[dict], by_site: dict[int, list], contract_id: int | None = None) -> list[dict]:
    return [{"type": "site", "id": f"site:{s['site_id']}", "label": s["url"], "domain": s["domain"],
             "site_kind": s["site_kind"], "edge": s["edge"], "children": by_site.get(s["site_id"], [])}
            for s in sites if contract_id is None or s["contract_id"] in (None, contract_id)]


def _contract_trees(b: _Builder, contract_ids: list[int]) -> list[dict]:
    if not contract_ids:
        return []
    conn = b.conn
    contracts = conn.execute(
        select(Contract, Notice.source, Notice.source_id, Notice.url.label("url"))
        .outerjoin(Notice, Notice.id == Contract.notice_id).where(Contract.id.in_(contract_ids))).all()
    parties = conn.execute(select(PartyRole).where(PartyRole.contract_id.in_(contract_ids))).all()
    party_ev = all_evidence(conn, [p.id for p in parties], party_roles=True)
    subs = conn.execute(select(Relation).where(Relation.kind == "declared-subcontract",
                                               Relation.contract_id.in_(contract_ids))).all()
    sub_ev = all_evidence(conn, [r.id for r in subs])
    org_ids = {p.org_id for p in parties} | {c.buyer_id for c in contracts if c.buyer_id}
    b.org_info(org_ids)
    contractor_ids = {p.org_id for p in parties if p.role != "buyer"}
    sites = _delivered_sites(b, contractor_ids, contract_ids)
    by_org, by_site = b.hosting_of(contractor_ids, {s["site_id"] for lst in sites.values() for s in lst})

    def contractor(org_id: int, edge: dict, contract_id: int, extra: list[dict]) -> dict:
        kids = by_org.get(org_id, []) + _site_nodes(sites.get(org_id, []), by_site, contract_id) + extra
        return b.org_node(org_id, edge, kids)

    buyers: dict[int | None, dict] = {}
    order = {cid: i for i, cid in enumerate(contract_ids)}
    for c in sorted(contracts, key=lambda c: order[c.id]):
        con = c
        mine = sorted((p for p in parties if p.contract_id == con.id and p.role != "buyer"),
                      key=lambda p: (ROLE_ORDER.get(p.role, 9), p.id))
        sub_rel = {r.dst_org_id: r for r in subs if r.contract_id == con.id}
        nested: dict[int, list[dict]] = {}
        top: list[dict] = []
        for p in mine:
            reported = con.kind == "reported"  # a role read in prose, as believed as the statement
            edge = {**_Builder.edge(p, party_ev.get(p.id, []), kind="party-role"), "role": p.role,
                    "method": "reported" if reported else "structured",
                    "status": (con.extra or {}).get("status") or "current" if reported else "current",
                    "confidence": con.confidence if reported else 1.0, "relation_id": None,
                    "party_role_id": p.id, "name_as_written": p.name_as_written}
            rel = sub_rel.get(p.org_id) if p.role == "subcontractor" else None
            if rel is not None and rel.src_org_id is not None:
                rel_edge = {**_Builder.edge(rel, sub_ev.get(rel.id, [])), "party_role_id": p.id,
                            "name_as_written": p.name_as_written}
                nested.setdefault(rel.src_org_id, []).append(contractor(p.org_id, rel_edge, con.id, []))
            else:
                top.append({"org_id": p.org_id, "edge": edge})
        children = [contractor(t["org_id"], t["edge"], con.id, nested.pop(t["org_id"], [])) for t in top]
        for main_id, kids in nested.items():  # a main contractor that is not a party of this lot
            b.org_info({main_id})
            children.append(b.org_node(main_id, None, kids))
        children += [{"type": "site", "id": f"site:{s['site_id']}", "label": s["url"], "edge": None, "children": []}
                     for s in _contract_sites(b, con.id, sites)]
        node = _contract_node(c, children, [party_ev.get(p.id, []) for p in mine])
        root = buyers.get(con.buyer_id)
        if root is None:
            if con.buyer_id is not None:
                root = b.org_node(con.buyer_id, None)
                root["type"] = "buyer"
            else:
                root = {"type": "buyer", "id": "buyer:unknown", "label": "(buyer not stated)", "edge": None,
                        "children": []}
            buyers[con.buyer_id] = root
        root["children"].append(node)
    return list(buyers.values())


def _contract_node(c: Any, children: list[dict], role_evidence: list[list[dict]]) -> dict[str, Any]:
    """A notice-backed contract (cited by its notice), or a reported one (cited by the quote and URL of the
    text stating it, with its lower confidence and its source kind)."""
    con = c  # (a Core row: the contract's columns, then the notice's)
    extra = con.extra or {}
    if con.kind == "reported":
        evidence = next((ev for ev in role_evidence if ev), [])
        label = f"reported ({con.source_kind or 'press'})"
        edge = {"kind": "awards", "role": "buyer", "status": extra.get("status") or "current", "method": "reported",
                "confidence": con.confidence, "evidence": evidence, "evidence_count": len(evidence)}
        return {"type": "contract", "id": f"contract:{con.id}", "label": label, "notice": None, "kind": "reported",
                "source_kind": con.source_kind, "lot": con.lot, "title": con.title, "cpv": con.cpv,
                "award_date": _iso(con.award_date), "date_text": extra.get("date_text"), "amount": _num(con.amount),
                "amount_max": _num(con.amount_max), "currency": con.currency, "url": extra.get("url"),
                "quote": extra.get("quote"), "edge": edge, "children": children}
    notice_ref = f"{c.source}:{c.source_id}"
    return {"type": "contract", "id": f"contract:{con.id}", "kind": "notice",
            "label": f"{notice_ref}" + (f" lot {con.lot}" if con.lot else ""), "notice": notice_ref,
            "lot": con.lot, "title": con.title, "cpv": con.cpv, "award_date": _iso(con.award_date),
            "amount": _num(con.amount), "amount_max": _num(con.amount_max), "currency": con.currency,
            "url": c.url,
            "edge": {"kind": "awards", "role": "buyer", "status": "current", "method": "structured",
                     "confidence": 1.0, "evidence": [{"kind": "structured", "url": c.url, "ref": notice_ref,
                                                      "text": None, "path": None, "count": 1}],
                     "evidence_count": 1},
            "children": children}


def _contract_sites(b: _Builder, contract_id: int, delivered: dict[int, list[dict]]) -> list[dict]:
    """Sites tied to the contract that no delivers-site edge already shows."""
    shown = {s["site_id"] for lst in delivered.values() for s in lst}
    rows = b.conn.execute(select(Site.id.label("site_id"), Site.url).where(Site.contract_id == contract_id)).all()
    return [r._asdict() for r in rows if r.site_id not in shown]


# ---- rendering ----------------------------------------------------------------------------------------------


def iter_nodes(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of the tree, depth first (for tests and flat exports)."""
    out: list[dict[str, Any]] = []

    def walk(node: dict) -> None:
        out.append(node)
        for child in node.get("children", []):
            walk(child)

    for root in result.get("roots", []):
        walk(root)
    return out
