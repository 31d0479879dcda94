"""The supply-chain graph as a networkx MultiDiGraph, and its files (GEXF, GraphML, JSON, CSV, HTML).

Nodes: buyers and organisations (`org:<id>`, with SIREN and country), contracts (`contract:<id>`, with
notice, lot, amount, currency, award date), providers (`provider:<catalog id>`, or `provider-name:<as
written>` outside the catalog, with jurisdiction, CLOUD Act exposure and SecNumCloud status) and delivered
sites (`site:<id>`). Edges: `awards` (buyer → contract), `party` (contract → organisation, role winner /
lead / member / subcontractor), `declared-subcontract` (contractor → subcontractor), `hosting`
(organisation or site → provider, role host / cdn / ...), `delivers-site` and `runs-on`. Every edge has
kind, role, status, method, confidence and `evidence_count`; hosting-type edges also carry their best
evidence (URL, quoted text) so a reader of the file can cite it.

Rows are streamed from SQL (`yield_per`), never loaded as ORM objects, so memory grows with the graph
written, not with the database. Attributes are scalars and never None, because GEXF and GraphML readers
(and Gephi) reject anything else; an unknown value is simply absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import networkx as nx
from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import aliased

from soustrace.models import Contract, Evidence, Notice, Organization, PartyRole, Relation, Site
from soustrace.queries.catalog import catalog_runs_on, load_catalog, resolve_provider, runs_on_sources
from soustrace.queries.evidence import best_evidence
from soustrace.queries.filters import CONTRACTOR_ROLES, ContractFilter
from soustrace.queries.hosting import contractor_id, contractor_ids, dst_org, edge_conditions, matched_relation_ids

YIELD = 5000
# Roles drawn between a contract and an organisation: notice-backed ones, and the contractor of a reported award
# (drawn apart: its contract node says `reported`, never summed with notices').
GRAPH_ROLES = (*CONTRACTOR_ROLES, "reported")
EVIDENCE_TEXT_MAX = 500


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Scalars only, None dropped: dates to ISO strings, decimals to floats."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None or value == "":
            continue
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = str(value).lower()
        elif not isinstance(value, str | int | float):
            value = str(value)
        out[key] = value
    return out


def _stream(conn: Connection, stmt: Select) -> Iterator[Any]:
    yield from conn.execution_options(stream_results=True, yield_per=YIELD).execute(stmt)


def _org_type(kind: str | None) -> str:
    return "buyer" if kind == "public-buyer" else "organization"


class _GraphBuilder:
    def __init__(self, conn: Connection, graph: nx.MultiDiGraph) -> None:
        self.conn = conn
        self.g = graph
        self.catalog = load_catalog(conn)

    def org(self, org_id: int, name: str | None, siren: str | None, country: str | None, kind: str | None) -> str:
        node = f"org:{org_id}"
        if node not in self.g:
            self.g.add_node(node, **_clean({"type": _org_type(kind), "label": name or node, "siren": siren,
                                            "country": country, "org_id": org_id}))
        return node

    def provider(self, provider_id: str | None, name: str | None) -> str:
        if provider_id:
            node = f"provider:{provider_id}"
            facts = self.catalog.get(provider_id, {})
            attrs = {"type": "provider", "label": facts.get("name") or provider_id, "provider_id": provider_id,
                     "jurisdiction": facts.get("jurisdiction", "unknown"),
                     "cloud_act": facts.get("cloud_act", "unknown"),
                     "secnumcloud": facts.get("secnumcloud", "unknown"), "hq_country": facts.get("hq_country")}
        else:
            node = f"provider-name:{(name or '?').strip()}"
            attrs = {"type": "provider", "label": (name or "?").strip(), "jurisdiction": "unknown",
                     "cloud_act": "unknown", "secnumcloud": "unknown", "in_catalog": "false"}
        if node not in self.g:
            self.g.add_node(node, **_clean(attrs))
        return node

    def contracts(self, contract_sel: Select) -> None:
        """Contract nodes: a notice's lots, and awards reported in prose (no notice: press, court, official)."""
        buyer = aliased(Organization, name="buyer")
        stmt = (select(Contract.id, Contract.lot, Contract.title, Contract.cpv, Contract.award_date, Contract.amount,
                       Contract.currency, Contract.buyer_id, Contract.kind.label("contract_kind"),
                       Contract.source_kind, Contract.confidence, Notice.source, Notice.source_id, Notice.url,
                       buyer.name.label("buyer_name"), buyer.siren.label("buyer_siren"),
                       buyer.country.label("buyer_country"))
                .outerjoin(Notice, Notice.id == Contract.notice_id).outerjoin(buyer, buyer.id == Contract.buyer_id)
                .where(Contract.id.in_(contract_sel)))
        for r in _stream(self.conn, stmt):
            node = f"contract:{r.id}"
            reported = r.contract_kind == "reported"
            notice = None if reported else f"{r.source}:{r.source_id}"
            stated = f"{r.source_kind or 'prose'} statement" + (f": {r.title[:60]}" if r.title else "")
            label = stated if reported else notice + (f" {r.lot}" if r.lot else "")
            self.g.add_node(node, **_clean({
                "type": "contract", "label": label, "notice": notice,
                "lot": r.lot, "title": (r.title or "")[:300], "cpv": r.cpv, "award_date": r.award_date,
                "amount": r.amount, "currency": r.currency, "url": r.url, "contract_id": r.id,
                "contract_kind": r.contract_kind, "source_kind": r.source_kind,
                "confidence": float(r.confidence) if r.confidence is not None else None}))
            if r.buyer_id is not None:
                b = self.org(r.buyer_id, r.buyer_name, r.buyer_siren, r.buyer_country, "public-buyer")
                self.g.nodes[b]["type"] = "buyer"
                self.g.add_edge(b, node, key=f"awards:{r.id}", **_clean({
                    "kind": "awards", "role": "buyer", "status": "current",
                    "method": f"reported ({r.source_kind})" if reported else "structured",
                    "confidence": float(r.confidence or 1.0), "evidence_count": 1, "evidence_url": r.url,
                    "evidence_ref": notice or "the contractor's edge carries the quote"}))

    def parties(self, contract_sel: Select) -> None:
        n_ev = (select(func.count()).where(Evidence.party_role_id == PartyRole.id)
                .correlate(PartyRole).scalar_subquery())
        stmt = (select(PartyRole.id, PartyRole.contract_id, PartyRole.org_id, PartyRole.role,
                       PartyRole.name_as_written, Organization.name, Organization.siren, Organization.country,
                       Organization.kind, n_ev.label("n_ev"))
                .join(Organization, Organization.id == PartyRole.org_id)
                .where(PartyRole.contract_id.in_(contract_sel), PartyRole.role.in_(GRAPH_ROLES)))
        rows = list(_stream(self.conn, stmt))
        evidence = best_evidence(self.conn, [r.id for r in rows], party_roles=True)
        for r in rows:
            org = self.org(r.org_id, r.name, r.siren, r.country, r.kind)
            ev = evidence.get(r.id)
            self.g.add_edge(f"contract:{r.contract_id}", org, key=f"party:{r.id}", **_clean({
                "kind": "party", "role": r.role, "status": "current", "method": "structured", "confidence": 1.0,
                "evidence_count": int(r.n_ev), "name_as_written": r.name_as_written,
                "evidence_url": ev.url if ev else None, "evidence_ref": ev.ref if ev else None,
                "evidence_text": (ev.text or "")[:EVIDENCE_TEXT_MAX] if ev else None}))

    def hosted_orgs(self, org_ids: Select) -> None:
        """Organisations drawn for their own hosting edges, whether or not a contract of the graph names them."""
        stmt = (select(Organization.id, Organization.name, Organization.siren, Organization.country,
                       Organization.kind).where(Organization.id.in_(org_ids)))
        for r in _stream(self.conn, stmt):
            node = f"org:{r.id}"
            if node not in self.g:
                self.org(r.id, r.name, r.siren, r.country, r.kind)
                self.g.nodes[node]["contracts_in_graph"] = 0

    def relations(self, stmt: Select, *, with_evidence: bool) -> None:
        """Edges from relation rows (src org or site → provider / org / site), with their best evidence."""
        rows = list(_stream(self.conn, stmt))
        evidence = best_evidence(self.conn, [r.id for r in rows]) if with_evidence else {}
        counts = {} if with_evidence else self._evidence_counts([r.id for r in rows])
        for r in rows:
            src = self._endpoint_src(r)
            if src is None or src not in self.g:  # checked first: an unreachable edge must add no node
                continue
            dst = self._endpoint_dst(r)
            if dst is None:
                continue
            ev = evidence.get(r.id)
            text = (ev.text or "")[:EVIDENCE_TEXT_MAX] if ev else None
            self.g.add_edge(src, dst, key=f"relation:{r.id}", **_clean({
                "kind": r.kind, "role": r.role, "status": r.status, "method": r.method,
                "confidence": float(r.confidence), "evidence_count": ev.count if ev else counts.get(r.id, 0),
                "evidence_url": ev.url if ev else None, "evidence_ref": ev.ref if ev else None,
                "evidence_text": text, "relation_id": r.id,
                "contract_id": r.contract_id, "first_seen": r.first_seen, "last_seen": r.last_seen}))

    def catalog_runs_on(self, providers: set[str]) -> None:
        """What a drawn provider runs on, per the catalog (unambiguous entries; method "catalog")."""
        for upper, facts in catalog_runs_on(self.conn).items():
            for lower, stated_in in facts:
                if upper in providers:
                    src, dst = self.provider(upper, None), self.provider(lower, None)
                    self.g.add_edge(src, dst, key=f"catalog-runs-on:{upper}:{lower}", **_clean({
                        "kind": "runs-on", "status": "current", "method": "catalog", "confidence": 1.0,
                        "evidence_count": 1, "evidence_ref": "provider catalog", "evidence_text": stated_in}))

    def _evidence_counts(self, ids: list[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for i in range(0, len(ids), YIELD):
            stmt = (select(Evidence.relation_id, func.count()).where(Evidence.relation_id.in_(ids[i:i + YIELD]))
                    .group_by(Evidence.relation_id))
            out.update({k: int(v) for k, v in self.conn.execute(stmt)})
        return out

    def _endpoint_src(self, r: Any) -> str | None:
        if r.kind == "runs-on":  # drawn from a provider already reached, like the catalog's statements
            node = f"provider:{r.src_provider_id}"
            return node if r.src_provider_id and node in self.g else None
        if r.kind == "built-by" and r.site_id is not None:
            return self.site(r) if self._site_reachable(r) else None
        if r.src_org_id is not None:
            return f"org:{r.src_org_id}"
        if r.site_id is not None:
            return self.site(r) if self._site_reachable(r) else None
        return None

    def _site_reachable(self, r: Any) -> bool:
        """A site is drawn when it already is, or when its owner is (then with an `operates-site` edge)."""
        return f"site:{r.site_id}" in self.g or (r.site_org_id is not None and f"org:{r.site_org_id}" in self.g)

    def site(self, r: Any) -> str:
        node = f"site:{r.site_id}"
        if node not in self.g:
            self.g.add_node(node, **_clean({"type": "site", "label": r.site_url, "url": r.site_url,
                                            "domain": r.site_domain, "site_kind": r.site_kind,
                                            "site_id": r.site_id}))
        owner = f"org:{r.site_org_id}" if r.site_org_id is not None else None
        if owner in self.g and not self.g.has_edge(owner, node, key=f"operates-site:{r.site_id}"):
            self.g.add_edge(owner, node, key=f"operates-site:{r.site_id}", **_clean({
                "kind": "operates-site", "role": r.site_kind, "status": "current", "method": "structured",
                "confidence": 1.0, "evidence_count": 0}))
        return node

    def _endpoint_dst(self, r: Any) -> str | None:
        if r.kind == "delivers-site":
            return self.site(r)
        if r.kind == "declared-subcontract":
            return f"org:{r.dst_org_id}" if f"org:{r.dst_org_id}" in self.g else None
        if r.kind == "built-by":
            return self.org(r.dst_org_id, r.dst_name, r.dst_siren, r.dst_country, r.dst_kind) if r.dst_org_id else None
        if r.provider_id or r.provider_name:
            return self.provider(r.provider_id, r.provider_name)
        if r.dst_provider_id:
            return self.provider(r.dst_provider_id, None)
        return None


def _relation_select(*kinds: str) -> Select:
    src_org = aliased(Organization, name="src_org")
    return (select(Relation.id, Relation.kind, Relation.role, Relation.status, Relation.method, Relation.confidence,
                   Relation.src_org_id, Relation.dst_org_id, Relation.provider_id, Relation.provider_name,
                   Relation.site_id, Relation.contract_id, Relation.first_seen, Relation.last_seen,
                   Site.url.label("site_url"), Site.domain.label("site_domain"), Site.org_id.label("site_org_id"),
                   Site.kind.label("site_kind"), dst_org.provider_id.label("dst_provider_id"),
                   dst_org.name.label("dst_name"), dst_org.siren.label("dst_siren"),
                   dst_org.country.label("dst_country"), dst_org.kind.label("dst_kind"),
                   src_org.provider_id.label("src_provider_id"))
            .outerjoin(Site, Site.id == Relation.site_id)
            .outerjoin(dst_org, dst_org.id == Relation.dst_org_id)
            .outerjoin(src_org, src_org.id == Relation.src_org_id)
            .where(Relation.kind.in_(kinds)))


def build_graph(engine: Engine, *, provider: str | None = None, date_from: str | dt.date | None = None,
                date_to: str | dt.date | None = None, buyer: str | None = None, cpv: str | None = None,
                current_only: bool = False, min_confidence: float = 0.0) -> nx.MultiDiGraph:
    """The graph of contracts matching the filters; with `provider`, only chains that reach it.

    With a provider, the contracts kept are those on which an organisation hosted by the provider holds a
    contractor role, and only hosting edges to that provider (or to a provider running on it) are drawn; the
    co-contractors of those contracts stay as context, and (unless dates, buyer or CPV filter the contracts)
    organisations hosted there without any contract (a vendor known from the press, a buyer's own site) are
    drawn too, so the provider's node is never missing. Without any filter, every hosting edge is drawn. Sites
    are drawn with the organisation that operates them, and who built a site (`built-by`) with the site. An
    empty graph says why in `graph.graph["empty_reason"]`.
    """
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    filtered = any((flt.date_from, flt.date_to, flt.buyer, flt.cpv))
    conds = {"current_only": current_only, "min_confidence": min_confidence}
    g = nx.MultiDiGraph(name="soustrace supply-chain graph", provider=provider or "",
                        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    with engine.connect() as conn:
        b = _GraphBuilder(conn, g)
        contract_sel = flt.apply(select(Contract.id))
        hosting = _relation_select("hosting").where(*edge_conditions(**conds))  # type: ignore[arg-type]
        if provider:
            match = resolve_provider(conn, provider)
            upper = list(runs_on_sources(conn, match.id)) if match.id else []
            orgs = contractor_ids(match, upper, **conds)
            contract_sel = contract_sel.where(Contract.id.in_(
                select(PartyRole.contract_id).where(PartyRole.org_id.in_(orgs),
                                                    PartyRole.role.in_(GRAPH_ROLES))))
            hosting = hosting.where(Relation.id.in_(matched_relation_ids(match, upper)))
            g.graph["provider_id"] = match.id or match.name
            hosted = None if filtered else orgs
        elif not filtered:
            hosted = (select(contractor_id).select_from(Relation).outerjoin(Site, Site.id == Relation.site_id)
                      .where(Relation.kind == "hosting", contractor_id.is_not(None),
                             *edge_conditions(**conds)))  # type: ignore[arg-type]
        else:
            hosted = None
            party_orgs = select(PartyRole.org_id).where(PartyRole.contract_id.in_(contract_sel),
                                                        PartyRole.role.in_(GRAPH_ROLES))
            # edges on sites with no owner (delivered sites) are kept when the site's deliverer is drawn
            hosting = hosting.where(contractor_id.in_(party_orgs)
                                    | (Relation.src_org_id.is_(None) & Relation.site_id.is_not(None)))
        b.contracts(contract_sel)
        b.parties(contract_sel)
        if hosted is not None:
            b.hosted_orgs(hosted)
        b.relations(_relation_select("declared-subcontract").where(Relation.contract_id.in_(contract_sel)),
                    with_evidence=False)
        b.relations(_relation_select("delivers-site").where(
            Relation.contract_id.is_(None) | Relation.contract_id.in_(contract_sel)), with_evidence=True)
        b.relations(hosting, with_evidence=True)
        b.relations(_relation_select("built-by"), with_evidence=True)
        providers = sorted(n.split(":", 1)[1] for n in g if n.startswith("provider:"))
        b.relations(_relation_select("runs-on"), with_evidence=True)
        b.catalog_runs_on(set(providers))
        if not g.number_of_nodes():
            g.graph["empty_reason"] = _empty_reason(conn, provider, filtered)
    return g


def _empty_reason(conn: Connection, provider: str | None, filtered: bool) -> str:
    """One sentence a reader can act on, for a graph with nothing to draw."""
    if filtered:
        hosted = f" held by an organisation hosted by {provider!r}" if provider else ""
        return f"no contract{hosted} matches the filters (dates, buyer, CPV): widen them"
    has_contracts = conn.execute(select(func.count()).select_from(Contract)).scalar_one()
    has_hosting = conn.execute(select(func.count()).select_from(Relation)
                               .where(Relation.kind == "hosting")).scalar_one()
    if provider:
        return (f"no organisation in this database has a hosting edge to {provider!r}"
                + ("" if has_hosting else " (the database holds no hosting edge at all: crawl disclosures first)"))
    if not has_contracts and not has_hosting:
        return "the database holds no contract and no hosting edge: ingest notices or run `soustrace demo`"
    return "nothing to draw"
