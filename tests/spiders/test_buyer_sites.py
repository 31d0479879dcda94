"""A public body's own site, found in a notice, crawled like any other: its real legal notice (the DITP's
participation-citoyenne.gouv.fr, data/samples/chains/02_...) served on 127.0.0.1 gives the chain buyer ->
own site -> built by OCTO TECHNOLOGY, hosted by OVH, each edge with the sentence and page URL.

The notice that names the site is synthetic (test only, said in its payload): it makes the DITP a buyer
with a website and a lot won by OCTO TECHNOLOGY, to check that the chain shows the notice-backed contract
and the built-by edge of the same two organisations together.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.hosting.excerpts import read_excerpts
from soustrace.hosting.press import as_html
from soustrace.models import Organization, Relation, Site
from soustrace.pipelines.store import Store
from soustrace.queries.buyers import buyers_on
from soustrace.queries.chain import chain, iter_nodes
from soustrace.queries.providers import provider_stats
from soustrace.records import ContractRecord, EvidenceRecord, NoticeRecord, OrgRef, PartyRecord
from tests.samples import SAMPLES

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from helpers import LocalSites, load_providers, run_crawl

pytestmark = pytest.mark.slow

DITP = OrgRef(name="Direction interministérielle de la Transformation Publique", website="http://127.0.0.1/ditp")
OCTO = OrgRef(name="OCTO TECHNOLOGY")


def synthetic_notice() -> NoticeRecord:
    raw = json.dumps({"synthetic": "test only: a buyer with a website and a lot won by the site's builder"}).encode()
    award = ContractRecord(lot="1", title="(synthetic) site de consultation", award_date=dt.date(2024, 1, 15),
                           parties=[PartyRecord(role="winner", org=OCTO, evidence=EvidenceRecord(
                               text="OCTO TECHNOLOGY", path="synthetic/winner"))])
    return NoticeRecord(source="boamp", source_id="TEST-DITP-1", raw=raw, kind="award", buyer=DITP,
                        contracts=[award], websites=[(DITP, "http://127.0.0.1/ditp")])


def test_buyer_site_legal_notice_gives_builder_and_host(engine, db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("SOUSTRACE_ALLOW_PRIVATE_NETWORKS", "1")  # the SSRF guard lets the local server through
    (legal,) = read_excerpts(next((SAMPLES / "chains").glob("02_*.txt")))
    Store(engine).add_all([synthetic_notice()])
    load_providers(engine)
    with Session(engine) as s:
        site = s.scalars(select(Site)).one()
        assert (site.kind, site.url) == ("buyer", "http://127.0.0.1/ditp")
        assert s.get(Organization, site.org_id).kind == "public-buyer"
    with LocalSites() as web:
        for home in ("/ditp", "/ditp/"):
            web.text(home, '<html><body><a href="/ditp/cgu.html">Mentions légales</a></body></html>',
                     "text/html; charset=utf-8")
        web.text("/ditp/cgu.html", as_html(legal.text), "text/html; charset=utf-8")
        out = run_crawl(db_url, "--all", port=web.port)
        asked = list(web.requests)
    assert out["stats"].get("pages", 0) >= 1, (out["stats"], asked)
    with Session(engine) as s:
        built = s.scalars(select(Relation).where(Relation.kind == "built-by")).one()
        assert s.get(Organization, built.dst_org_id).name == "OCTO TECHNOLOGY"
        assert built.site_id is not None and built.src_org_id == site.org_id
    tree = chain(engine, "Direction interministérielle de la Transformation Publique")
    (own,) = [n for n in iter_nodes(tree) if n["type"] == "site" and n.get("site_kind") == "buyer"]
    kids = {(k["edge"]["kind"], k["label"]): k for k in own["children"]}
    builder = kids[("built-by", "OCTO TECHNOLOGY")]
    assert builder["edge"]["evidence"][0]["text"] == "Ce site a été réalisé par OCTO TECHNOLOGY"
    assert builder["also_contractor"] == ["boamp:TEST-DITP-1"]  # the notice ties the same two organisations
    host = next(k for (kind, _), k in kids.items() if kind == "hosting")
    assert host["provider_id"] == "ovhcloud" and "société OVH" in host["edge"]["evidence"][0]["text"]
    assert any(n["type"] == "contract" and n.get("notice") == "boamp:TEST-DITP-1" for n in iter_nodes(tree))
    rows = buyers_on(engine, "ovh")
    assert list(rows["buyer"]) == ["Direction interministérielle de la Transformation Publique"]
    assert list(rows["built_by"]) == ["OCTO TECHNOLOGY"] and rows["evidence_url"][0].endswith("/ditp/cgu.html")
    stats = provider_stats(engine).set_index("provider_id")
    assert stats.loc["ovhcloud", "buyers"] == 1
