"""DNS as a second, independent method: who answers for a site's name, matched against a dated snapshot.

A legal notice can be stale or wrong; a DNS answer is what the site runs on today. The two methods are
kept apart (method `nlp` vs `dns`) and compared: where they agree on a provider and role, the NLP edge's
confidence is raised and a `corroborated` evidence row says by which DNS answer; where they disagree both
edges stay, so answers show the conflict instead of hiding it.

Pitfalls handled (anchors §1.8): a CDN hides the origin, so a CNAME to CloudFront/Akamai/Fastly or an
address in a CDN range is recorded with role `cdn`, never `host`, and every address behind a CDN name is
the CDN's edge. The resolver is injectable (`RecordedResolver` replays recorded answers in tests).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.hosting.ip_ranges import Match, RangeIndex, load_index
from soustrace.models import Evidence, Organization, Relation, Site
from soustrace.models.base import utcnow
from soustrace.names import normalize_name
from soustrace.paths import DATA_DIR
from soustrace.pipelines.disclosures import set_status
from soustrace.pipelines.store import Writer, normalize_site_url
from soustrace.records import EvidenceRecord

log = logging.getLogger(__name__)

EXTRACTOR = "dns_hosting"
CORROBORATION = "dns-corroboration"
CONFIDENCE = {"cname": 0.85, "ip": 0.75, "cdn": 0.9}
CORROBORATION_BOOST = 0.2
MAX_CNAME_CHAIN = 10


class Resolver(Protocol):
    def resolve(self, qname: str, rdtype: str) -> Iterable[Any]: ...


@dataclass(slots=True)
class _Rdata:
    address: str | None = None
    target: str | None = None


class RecordedResolver:
    """Replays answers recorded as `{name: {"CNAME": [...], "A": [...], "AAAA": [...]}}` (tests, replays)."""

    def __init__(self, records: dict[str, dict[str, list[str]]]) -> None:
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}
        self.asked: list[tuple[str, str]] = []

    def resolve(self, qname: str, rdtype: str) -> list[_Rdata]:
        name = str(qname).lower().rstrip(".")
        self.asked.append((name, rdtype))
        if name not in self.records:
            raise dns.resolver.NXDOMAIN
        values = self.records[name].get(rdtype)
        if not values:
            raise dns.resolver.NoAnswer
        return [_Rdata(target=v) if rdtype == "CNAME" else _Rdata(address=v) for v in values]


def default_resolver() -> Resolver:
    resolver = dns.resolver.Resolver()
    resolver.lifetime = 10.0
    return resolver


@dataclass
class DnsAnswer:
    host: str
    cnames: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (rdtype, address)
    error: str | None = None


def resolve_host(host: str, resolver: Resolver) -> DnsAnswer:
    """The CNAME chain from `host`, then the A and AAAA records of its end."""
    answer = DnsAnswer(host)
    name = host
    try:
        for _ in range(MAX_CNAME_CHAIN):
            try:
                rdata = list(resolver.resolve(name, "CNAME"))
            except dns.resolver.NoAnswer:
                break
            if not rdata:
                break
            target = str(rdata[0].target).rstrip(".").lower()
            answer.cnames.append((name, target))
            name = target
        for rdtype in ("A", "AAAA"):
            try:
                answer.addresses += [(rdtype, str(r.address)) for r in resolver.resolve(name, rdtype)]
            except dns.resolver.NoAnswer:
                continue
    except dns.resolver.NXDOMAIN:
        answer.error = "NXDOMAIN"
    except dns.exception.DNSException as exc:
        answer.error = f"{type(exc).__name__}: {exc}"
    if not answer.error and not answer.addresses and not answer.cnames:
        answer.error = "no A/AAAA/CNAME answer"
    return answer


@dataclass
class Finding:
    """One provider and role the DNS answer points to, with the lines that say why."""

    provider_id: str
    provider_name: str
    role: str
    via: str  # cname | ip
    lines: list[tuple[str, str]] = field(default_factory=list)  # (path, text)
    retrieved: str | None = None


def _line(match: Match, what: str) -> str:
    detail = ", ".join(x for x in (match.region, match.service) if x)
    return (f"{what} matches {match.matched} ({match.provider_name} {match.role}{'; ' + detail if detail else ''};"
            f" snapshot retrieved {match.retrieved} from {match.source_url})")


def classify(answer: DnsAnswer, index: RangeIndex) -> list[Finding]:
    """Providers and roles of one answer; behind a CDN name every address is the CDN's edge, not the origin."""
    found: dict[tuple[str, str], Finding] = {}
    cdn_in_chain: Match | None = None

    def add(match: Match, role: str, via: str, path: str, text: str) -> None:
        finding = found.setdefault((match.provider_id, role), Finding(match.provider_id, match.provider_name, role,
                                                                      via, retrieved=match.retrieved))
        if via == "cname":
            finding.via = "cname"
        finding.lines.append((path, text))

    for name in [answer.host] + [t for _, t in answer.cnames]:
        match = index.lookup_name(name)
        if match is None:
            continue
        source = next((s for s, t in answer.cnames if t == name), None)
        what = f"{source} CNAME {name}" if source else f"site name {name}"
        add(match, match.role, "cname", "CNAME" if source else "NAME", _line(match, what))
        if match.role == "cdn" and cdn_in_chain is None:
            cdn_in_chain = match
    for rdtype, address in answer.addresses:
        match = index.lookup_ip(address)
        final = answer.cnames[-1][1] if answer.cnames else answer.host
        if match is None:
            continue
        role = "cdn" if (cdn_in_chain is not None or match.role == "cdn") else match.role
        add(match, role, "ip", rdtype, _line(match, f"{final} {rdtype} {address}"))
    return list(found.values())


@lru_cache(maxsize=1)
def _catalog_aliases() -> dict[str, str]:
    """Normalised names and aliases of the provider catalog → provider id (to compare NLP and DNS edges)."""
    path = DATA_DIR / "providers.json"
    if not path.exists():
        return {}
    providers = json.loads(path.read_text(encoding="utf-8")).get("providers") or {}
    out: dict[str, str] = {}
    for pid, entry in providers.items():
        for name in [entry.get("display_name"), pid, *(entry.get("aliases") or [])]:
            key = normalize_name(name) if name else None
            if key:
                out.setdefault(key, pid)
    return out


def provider_key(provider_id: str | None, provider_name: str | None) -> str | None:
    if provider_id:
        return provider_id
    key = normalize_name(provider_name) if provider_name else None
    return _catalog_aliases().get(key, key) if key else None


def _corroborate(session: Session, writer: Writer, site: Site, dns_rel: Relation, finding: Finding) -> int:
    """Raise the confidence of NLP edges of the same site, provider and role; mark them once per DNS edge."""
    raised = 0
    nlp_rows = session.scalars(select(Relation).where(
        Relation.site_id == site.id, Relation.kind == "hosting", Relation.method == "nlp",
        Relation.status == "current", Relation.role == finding.role))
    for row in nlp_rows:
        if provider_key(row.provider_id, row.provider_name) != finding.provider_id:
            continue
        path = f"corroborated-by-relation:{dns_rel.id}"
        exists = session.scalar(select(Evidence.id).where(Evidence.relation_id == row.id, Evidence.path == path))
        if exists is None:
            row.confidence = max(row.confidence, min(0.99, row.confidence + CORROBORATION_BOOST))
            raised += 1
        writer.evidence(EvidenceRecord(text="corroborated by DNS: " + finding.lines[0][1], path=path,
                                       extractor=CORROBORATION, extractor_version=finding.retrieved or ""),
                        kind="dns", relation_id=row.id, source_url=f"dns:{dns_rel.target_url}")
    return raised


def record_site(session: Session, site: Site, answer: DnsAnswer, findings: list[Finding],
                now: dt.datetime | None = None) -> dict[str, Any]:
    """DNS edges of one site, history kept: providers no longer answering become `past`."""
    now = now or utcnow()
    writer = Writer(session)
    src = session.get(Organization, site.org_id) if site.org_id else None
    seen: set[int] = set()
    corroborated = 0
    for finding in findings:
        confidence = CONFIDENCE["cdn"] if finding.role == "cdn" else CONFIDENCE[finding.via]
        catalog_name = _catalog_names().get(finding.provider_id, finding.provider_name)
        rel = writer.relation(kind="hosting", method="dns", src=src,
                              provider_id=writer.provider_id(finding.provider_id), provider_name=catalog_name,
                              role=finding.role, status="current", confidence=confidence,
                              contract_id=site.contract_id, site_id=site.id, target_url=site.url)
        seen.add(rel.id)
        for path, text in finding.lines:
            ev = writer.evidence(EvidenceRecord(text=text, path=path, extractor=EXTRACTOR,
                                                extractor_version=finding.retrieved or ""),
                                 kind="dns", relation_id=rel.id, source_url=f"dns:{answer.host}")
            ev.seen_at = now
        corroborated += _corroborate(session, writer, site, rel, finding)
    demoted = 0
    if answer.error is None:
        for row in list(session.scalars(select(Relation).where(
                Relation.site_id == site.id, Relation.kind == "hosting", Relation.method == "dns",
                Relation.status == "current", Relation.id.not_in(seen or {-1})))):
            set_status(session, row, "past")
            demoted += 1
    return {"site": site.url, "host": answer.host, "cnames": answer.cnames, "addresses": answer.addresses,
            "error": answer.error, "findings": [(f.provider_id, f.role) for f in findings],
            "corroborated": corroborated, "demoted": demoted}


@lru_cache(maxsize=1)
def _catalog_names() -> dict[str, str]:
    path = DATA_DIR / "providers.json"
    if not path.exists():
        return {}
    providers = json.loads(path.read_text(encoding="utf-8")).get("providers") or {}
    return {pid: p.get("display_name") or pid for pid, p in providers.items()}


def site_host(url: str) -> str:
    return (urlsplit(normalize_site_url(url)).hostname or "").lower()


def check_sites(engine: Engine, *, site_url: str | None = None, ranges_dir: Path | None = None,
                resolver: Resolver | None = None, index: RangeIndex | None = None) -> list[dict[str, Any]]:
    """Resolve every stored site (or one) and record what the snapshot says about each answer."""
    index = index or load_index(ranges_dir)
    resolver = resolver or default_resolver()
    with Session(engine) as session:
        query = select(Site.id).order_by(Site.id)
        if site_url:
            query = query.where(Site.url == normalize_site_url(site_url))
        ids = list(session.scalars(query))
    reports: list[dict[str, Any]] = []
    answers: dict[str, DnsAnswer] = {}
    for site_id in ids:
        with Session(engine) as session, session.begin():
            site = session.get(Site, site_id)
            assert site is not None
            host = site_host(site.url)
            if host not in answers:
                answers[host] = resolve_host(host, resolver)
            answer = answers[host]
            reports.append(record_site(session, site, answer, classify(answer, index)))
    return reports
