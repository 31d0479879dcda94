"""DNS as a second method: snapshot matching, CDN never as origin, corroboration with NLP, history, range updates."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.hosting.dns import RecordedResolver, check_sites, classify, resolve_host
from soustrace.hosting.ip_ranges import load_index, update_ranges
from soustrace.models import Evidence, Organization, Relation, Site
from soustrace.paths import DATA_DIR
from soustrace.pipelines.disclosures import DisclosureWriter, PageRecord, SiteRef, set_status
from soustrace.pipelines.store import Store, Writer
from soustrace.records import OrgRef

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from helpers import load_providers, notice_156

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ip_ranges"
# Real prefixes of the shipped snapshot (data/ip_ranges/aws.json): EC2 Paris and a CloudFront edge range.
EC2_PARIS, CLOUDFRONT_EDGE, CLOUDFLARE = "13.36.10.20", "108.138.1.7", "104.16.0.1"
ANSWERS = {
    "www.kiro-cdn.example": {"CNAME": ["d3abcdef123.cloudfront.net."]},
    "d3abcdef123.cloudfront.net": {"A": [CLOUDFRONT_EDGE]},
    "www.kiro-ec2.example": {"A": [EC2_PARIS]},
    "www.kiro-ovh.example": {"CNAME": ["kiro.hosting.ovh.net."]},
    "kiro.hosting.ovh.net": {"A": ["192.0.2.10"]},
    "www.kiro-cf.example": {"A": [CLOUDFLARE], "AAAA": ["2606:4700::6810:1"]},
}


@pytest.fixture(scope="module")
def index():  # type: ignore[no-untyped-def]
    return load_index()


def test_snapshot_is_dated_and_sourced(index) -> None:  # type: ignore[no-untyped-def]
    host = index.lookup_ip(EC2_PARIS)
    assert (host.provider_id, host.role, host.region, host.service) == ("aws", "host", "eu-west-3", "EC2")
    assert host.retrieved == "2026-10-26" and host.source_url == "https://ip-ranges.amazonaws.com/ip-ranges.json"
    edge = index.lookup_ip(CLOUDFRONT_EDGE)
    assert (edge.provider_id, edge.role, edge.service) == ("aws", "cdn", "CLOUDFRONT")
    assert index.lookup_ip(CLOUDFLARE).role == "cdn"
    assert index.lookup_ip("192.0.2.10") is None
    assert index.lookup_name("x.hosting.ovh.net").provider_id == "ovhcloud"
    assert index.lookup_name("d1.cloudfront.net").role == "cdn"
    assert index.lookup_name("notcloudfront.net") is None
    for path in (DATA_DIR / "ip_ranges").glob("*.json"):
        head = json.loads(path.read_text(encoding="utf-8"))
        assert head["source_url"] and head["retrieved"] and head["via"], path.name


def test_cdn_name_hides_the_origin(index) -> None:  # type: ignore[no-untyped-def]
    resolver = RecordedResolver(ANSWERS)
    cdn = classify(resolve_host("www.kiro-cdn.example", resolver), index)
    assert [(f.provider_id, f.role) for f in cdn] == [("aws", "cdn")]  # never ("aws", "host")
    assert any("CNAME d3abcdef123.cloudfront.net" in text for _, text in cdn[0].lines)
    ec2 = classify(resolve_host("www.kiro-ec2.example", resolver), index)
    assert [(f.provider_id, f.role, f.via) for f in ec2] == [("aws", "host", "ip")]
    ovh = classify(resolve_host("www.kiro-ovh.example", resolver), index)
    assert [(f.provider_id, f.role, f.via) for f in ovh] == [("ovhcloud", "host", "cname")]
    cf = classify(resolve_host("www.kiro-cf.example", resolver), index)
    assert [(f.provider_id, f.role) for f in cf] == [("cloudflare", "cdn")]
    missing = resolve_host("www.nowhere.example", resolver)
    assert missing.error == "NXDOMAIN" and classify(missing, index) == []


@dataclass
class _Extraction:
    editor: dict[str, Any] | None = None
    relations: list[dict[str, Any]] = field(default_factory=list)


def _fake_extract(text: str, **_: Any) -> _Extraction:
    """States whichever provider the page names in 'hébergé par X' (enough to set up the NLP side)."""
    names = {"Amazon Web Services": ("aws", "Amazon Web Services (AWS)"), "OVH SAS": ("ovhcloud", "OVHcloud")}
    rels = []
    for surface, (pid, name) in names.items():
        start = text.find(surface)
        if start >= 0:
            rels.append({"provider_id": pid, "provider": name, "surface": surface, "start": start,
                         "end": start + len(surface), "role": "host", "status": "current", "confidence": 0.6,
                         "sentence": text})
    return _Extraction(relations=rels)


def _sites(engine: Engine) -> dict[str, Site]:
    Store(engine).add_all([notice_156()])
    with Session(engine) as s, s.begin():
        w = Writer(s)
        kiro = w.org(OrgRef(national_id="82922038300022", id_scheme="SIRET"))
        for host in ("www.kiro-cdn.example", "www.kiro-ec2.example", "www.kiro-ovh.example", "www.nowhere.example"):
            w.site(host, kind="vendor-site", org=kiro, found_by="user")
    with Session(engine) as s:
        return {x.domain: x for x in s.scalars(select(Site).where(Site.domain.like("%.example")))}


def _nlp(engine: Engine, site: Site, sentence: str) -> None:
    writer = DisclosureWriter(engine, _fake_extract)
    html = f"<html lang='fr'><body><main><p>{sentence}</p></main></body></html>"
    writer.write_page(PageRecord(url=site.url + "/mentions-legales", kind="legal", html=html,
                                 sites=[SiteRef(site.id, site.org_id, site.contract_id, site.kind, site.url)]))
    writer.finish()


def _edges(s: Session, site: Site) -> dict[tuple[str, str | None, str | None, str], Relation]:
    rows = s.scalars(select(Relation).where(Relation.site_id == site.id, Relation.kind == "hosting"))
    return {(r.method, r.provider_id or r.provider_name, r.role, r.status): r for r in rows}


def test_dns_edges_corroboration_disagreement_and_history(engine: Engine, index) -> None:  # type: ignore[no-untyped-def]
    sites = _sites(engine)  # writers load the provider catalog: edges carry catalog ids
    _nlp(engine, sites["www.kiro-ec2.example"], "Le site est hébergé par Amazon Web Services EMEA SARL.")
    _nlp(engine, sites["www.kiro-ovh.example"], "Le site est hébergé par Amazon Web Services.")  # DNS says OVH
    resolver = RecordedResolver(ANSWERS)
    reports = check_sites(engine, resolver=resolver, index=index)
    assert {r["host"]: r["error"] for r in reports}["www.nowhere.example"] == "NXDOMAIN"
    with Session(engine) as s:
        kiro = s.scalar(select(Organization).where(Organization.siren == "829220383"))
        cdn = _edges(s, sites["www.kiro-cdn.example"])
        assert set(cdn) == {("dns", "aws", "cdn", "current")}
        ec2 = _edges(s, sites["www.kiro-ec2.example"])
        dns_host = ec2[("dns", "aws", "host", "current")]
        nlp_host = ec2[("nlp", "aws", "host", "current")]
        assert dns_host.src_org_id == kiro.id and dns_host.method == "dns"
        (dns_ev,) = s.scalars(select(Evidence).where(Evidence.relation_id == dns_host.id)).all()
        assert dns_ev.kind == "dns" and dns_ev.source_url == "dns:www.kiro-ec2.example" and dns_ev.path == "A"
        assert f"{EC2_PARIS}" in dns_ev.text and "13.36.0.0/14" in dns_ev.text and "2026-10-26" in dns_ev.text
        assert nlp_host.confidence == pytest.approx(0.8)  # 0.6 raised by the agreeing DNS answer
        marker = s.scalar(select(Evidence).where(Evidence.relation_id == nlp_host.id,
                                                 Evidence.path == f"corroborated-by-relation:{dns_host.id}"))
        assert marker.kind == "dns" and marker.text.startswith("corroborated by DNS")
        ovh = _edges(s, sites["www.kiro-ovh.example"])  # they disagree: both kept, nothing raised
        assert ovh[("nlp", "aws", "host", "current")].confidence == pytest.approx(0.6)
        assert ("dns", "ovhcloud", "host", "current") in ovh
        count = len(s.scalars(select(Evidence)).all())

    check_sites(engine, resolver=RecordedResolver(ANSWERS), index=index)  # same answers: idempotent
    with Session(engine) as s:
        assert len(s.scalars(select(Evidence)).all()) == count
        ec2 = _edges(s, sites["www.kiro-ec2.example"])
        assert ec2[("nlp", "aws", "host", "current")].confidence == pytest.approx(0.8)

    moved = {**ANSWERS, "www.kiro-ec2.example": {"CNAME": ["kiro.hosting.ovh.net."]}}
    check_sites(engine, site_url="www.kiro-ec2.example", resolver=RecordedResolver(moved), index=index)
    with Session(engine) as s:
        ec2 = _edges(s, sites["www.kiro-ec2.example"])
        assert ("dns", "aws", "host", "past") in ec2  # the old answer is history
        assert ("dns", "ovhcloud", "host", "current") in ec2
        past = ec2[("dns", "aws", "host", "past")]
        assert s.scalars(select(Evidence).where(Evidence.relation_id == past.id)).all()


def test_dns_edges_use_catalog_ids_when_loaded(engine: Engine, index) -> None:  # type: ignore[no-untyped-def]
    load_providers(engine)
    sites = _sites(engine)
    check_sites(engine, site_url="www.kiro-cdn.example", resolver=RecordedResolver(ANSWERS), index=index)
    with Session(engine) as s:
        assert set(_edges(s, sites["www.kiro-cdn.example"])) == {("dns", "aws", "cdn", "current")}


def test_set_status_matches_the_store_key(engine: Engine) -> None:
    """A demoted edge must be the one `Writer.relation(status='past')` finds (no drift from the store's key)."""
    with Session(engine) as s, s.begin():
        w = Writer(s)
        org = w.org(OrgRef(name="ACME"))
        row = w.relation(kind="hosting", method="nlp", src=org, provider_name="Some Host", role="host")
        demoted = set_status(s, row, "past")
        again = w.relation(kind="hosting", method="nlp", src=org, provider_name="Some Host", role="host", status="past")
        assert again.id == demoted.id


@pytest.fixture
def official() -> Iterator[str]:
    files = {"/ip-ranges.json": "ip-ranges.json", "/cloud.json": "cloud.json", "/ips-v4": "ips-v4", "/ips-v6": "ips-v6"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = files.get(self.path)
            body = (FIXTURES / name).read_bytes() if name else b"down"
            self.send_response(200 if name else 500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_update_ranges_from_official_formats(official: str, tmp_path: Path) -> None:
    for name in ("aws.json", "oracle.json"):
        shutil.copy(DATA_DIR / "ip_ranges" / name, tmp_path / name)
    before = (tmp_path / "oracle.json").read_text(encoding="utf-8")
    report = update_ranges(tmp_path, {
        "aws": f"{official}/ip-ranges.json", "gcp": f"{official}/cloud.json",
        "cloudflare": [f"{official}/ips-v4", f"{official}/ips-v6"], "oracle": f"{official}/oracle.json",
        "digitalocean": None, "azure": None})
    assert report["aws"] == "3 prefixes" and report["gcp"] == "2 prefixes" and report["cloudflare"] == "3 prefixes"
    assert report["oracle"].startswith("failed, old snapshot kept") and report["azure"].startswith("skipped")
    assert (tmp_path / "oracle.json").read_text(encoding="utf-8") == before
    aws = json.loads((tmp_path / "aws.json").read_text(encoding="utf-8"))
    assert aws["source_url"] == f"{official}/ip-ranges.json" and aws["retrieved"] and "official" in aws["via"]
    assert {"suffix": "cloudfront.net", "role": "cdn", "source": "providers_draft.json product_hints"} in aws["domains"]
    idx = load_index(tmp_path)
    assert (idx.lookup_ip(CLOUDFRONT_EDGE).role, idx.lookup_ip(EC2_PARIS).region) == ("cdn", "eu-west-3")
    assert idx.lookup_ip("2600:1900:4180::1").provider_id == "gcp"
    assert idx.lookup_ip("2606:4700::1").provider_id == "cloudflare"
