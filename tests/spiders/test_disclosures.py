"""The disclosure crawl end to end on 127.0.0.1: link texts, robots.txt, redirects, 404s, JavaScript pages,
legal footers, the chain notice → winner → site → host with its evidence, and history across re-crawls.

Crawls run in a subprocess (Twisted's reactor starts once per process). Until `soustrace.extraction` lands,
the extractor is `gold_extract` (the dev set's gold annotations), so these tests check the plumbing.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.commands.sites import sites
from soustrace.models import Contract, Document, Evidence, Organization, Relation, Site
from soustrace.pipelines.store import Store
from soustrace.spiders.disclosures import classify_link

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from helpers import PAGES, LocalSites, load_providers, notice_156, run_crawl

pytestmark = pytest.mark.slow


@pytest.fixture
def web() -> Iterator[LocalSites]:
    with LocalSites() as w:
        w.text("/robots.txt", "User-agent: *\nDisallow: /site-b/private/\n")
        w.page("/site-a/", "site-a-home.html")
        w.page("/site-a/mentions-legales", "site-a-legal-v1.html")
        w.page("/site-b/", "site-b-home.html")
        w.redirect("/site-b/infos", "/site-b/legal/v2")
        w.page("/site-b/legal/v2", "site-b-legal.html")
        w.page("/site-b/confidentialite", "site-b-privacy.html")
        w.page("/site-b/sub-processors", "site-b-subprocessors.html")
        w.page("/site-b/private/cgu", "site-b-cgu.html")
        w.page("/site-c/", "site-c-home.html")  # its "Mentions légales" link answers 404
        w.page("/site-d/", "site-d-home.html")  # JavaScript only; /site-d/mentions-legales is 404, /site-d/legal is not
        w.page("/site-d/legal", "site-d-legal.html")
        w.page("/site-e/", "site-e-home.html")
        yield w


def _cli(db_url: str, *args: str) -> str:
    res = CliRunner().invoke(sites, list(args), obj={"db_url": db_url})
    assert res.exit_code == 0, res.output
    return res.output


def test_link_classification() -> None:
    assert classify_link("Mentions légales", "/x") == "legal"
    assert classify_link("  INFORMATIONS  LÉGALES ", "/x") == "legal"
    assert classify_link("Politique de confidentialité", "/x") == "privacy"
    assert classify_link("Données personnelles", "/x") == "privacy"
    assert classify_link("CGU", "/x") == "terms"
    assert classify_link("Our sub-processors", "/x") == "subprocessors"
    assert classify_link("Imprint", "/x") == "legal"
    assert classify_link("", "/fr/mentions-legales.html") == "legal"
    assert classify_link("Accueil", "/catalogue") is None
    assert classify_link("Collegial", "/x") is None  # "legal" must be a word


def _hosting(session: Session, site: Site) -> dict[tuple[str | None, str | None, str], Relation]:
    rows = session.scalars(select(Relation).where(Relation.site_id == site.id, Relation.kind == "hosting"))
    return {(r.provider_id, r.role, r.status): r for r in rows}


def test_chain_winner_site_host_and_recrawl_history(engine: Engine, db_url: str, web: LocalSites) -> None:
    Store(engine).add_all([notice_156()])
    load_providers(engine)
    # TED 156-2025 has no WebsiteURI for EDITIONS KIRO: the site is added by hand, as a user would.
    _cli(db_url, "add", "82922038300022", f"{web.site_root}/site-a")
    out = run_crawl(db_url, "--org", "82922038300022", port=web.port)
    assert out["stats"]["pages"] >= 1
    today = dt.datetime.now(dt.UTC).date()
    with Session(engine) as s:
        kiro = s.scalar(select(Organization).where(Organization.siren == "829220383"))
        assert s.scalar(select(Contract.id).join(Contract.parties).where(Contract.parties.any(org_id=kiro.id)))
        site = s.scalar(select(Site).where(Site.org_id == kiro.id, Site.kind == "vendor-site"))
        assert site.url == f"{web.site_root}/site-a" and site.found_by == "user" and site.last_crawled
        edges = _hosting(s, site)
        assert set(edges) == {("ovhcloud", "host", "current")}
        ovh = edges[("ovhcloud", "host", "current")]
        assert ovh.src_org_id == kiro.id and ovh.method == "nlp" and ovh.target_url == site.url
        (ev,) = s.scalars(select(Evidence).where(Evidence.relation_id == ovh.id)).all()
        doc = s.get(Document, ev.document_id)
        assert doc.url == f"{web.root}/site-a/mentions-legales" == ev.source_url
        assert doc.kind == "legal" and doc.site_id == site.id and doc.http_status == 200 and doc.lang == "fr"
        assert doc.text[ev.start:ev.end] == "OVH SAS" and "OVH SAS" in ev.text and ev.kind == "nlp"
        assert "hébergé par la société OVH SAS" in ev.text
        assert doc.fetched_at.date() == today and ev.seen_at.date() == today
        assert "OVH SAS" in doc.raw_html and "Hébergement de vos données" not in doc.text  # menu dropped
        first_seen_ovh = ovh.last_seen

    # The page changes: OVH becomes past (its evidence kept), Scaleway is a new current edge.
    web.page("/site-a/mentions-legales", "site-a-legal-v2.html")
    run_crawl(db_url, "--site", f"{web.site_root}/site-a", port=web.port)
    with Session(engine) as s:
        site = s.scalar(select(Site).where(Site.url == f"{web.site_root}/site-a", Site.kind == "vendor-site"))
        edges = _hosting(s, site)
        assert set(edges) == {("ovhcloud", "host", "past"), ("scaleway", "host", "current")}
        past = edges[("ovhcloud", "host", "past")]
        assert past.last_seen == first_seen_ovh  # when it was last stated, not when it was demoted
        old_ev = s.scalars(select(Evidence).where(Evidence.relation_id == past.id)).all()
        assert len(old_ev) == 1 and "OVH SAS" in s.get(Document, old_ev[0].document_id).text
        (new_ev,) = s.scalars(select(Evidence).where(
            Evidence.relation_id == edges[("scaleway", "host", "current")].id)).all()
        new_doc = s.get(Document, new_ev.document_id)
        assert new_doc.text[new_ev.start:new_ev.end] == "Scaleway SAS" and new_doc.id != old_ev[0].document_id
        docs = s.scalars(select(Document).where(Document.url == f"{web.root}/site-a/mentions-legales")).all()
        assert len(docs) == 2  # both versions of the page are kept
        counts = (len(s.scalars(select(Relation)).all()), len(s.scalars(select(Evidence)).all()))

    # Same page again: nothing new, nothing demoted.
    run_crawl(db_url, "--all", port=web.port)
    with Session(engine) as s:
        assert (len(s.scalars(select(Relation)).all()), len(s.scalars(select(Evidence)).all())) == counts


def test_crawl_links_robots_redirects_404_js_and_footer(engine: Engine, db_url: str, web: LocalSites,
                                                        tmp_path: Path) -> None:
    Store(engine).add_all([notice_156()])
    load_providers(engine)
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text(f"org,url\n40775375500021,{web.site_root}/site-b\n40300483100034,{web.site_root}/site-c\n"
                        f"40300483100034,{web.site_root}/site-e\n", encoding="utf-8")
    _cli(db_url, "import", str(csv_file))
    with Session(engine) as s:
        lot1 = s.scalar(select(Contract.id).where(Contract.lot == "LOT-0001"))
    _cli(db_url, "add", "82922038300022", f"{web.site_root}/site-d", "--kind", "delivered-site",
         "--contract", str(lot1))
    out = run_crawl(db_url, "--all", port=web.port)
    stats = out["stats"]

    assert "/site-b/private/cgu" not in web.requests  # robots.txt
    assert stats["robots_forbidden"] == 1 and stats["no_such_page"] >= 2
    with Session(engine) as s:
        def site(path: str) -> Site:
            return s.scalar(select(Site).where(Site.url == f"{web.site_root}/{path}", Site.kind != "editor-site"))

        def docs(st: Site) -> dict[str, Document]:
            rows = s.scalars(select(Document).where(Document.site_id == st.id))
            return {d.url.removeprefix(web.root): d for d in rows}

        b = site("site-b")
        b_docs = docs(b)
        assert set(b_docs) == {"/site-b/legal/v2", "/site-b/confidentialite", "/site-b/sub-processors"}
        legal, subs = b_docs["/site-b/legal/v2"], b_docs["/site-b/sub-processors"]
        assert "redirected from" in legal.note and "/site-b/infos" in legal.note
        assert subs.kind == "subprocessors" and subs.lang == "en"
        assert b_docs["/site-b/confidentialite"].kind == "privacy"
        b_edges = _hosting(s, b)
        assert {("scalingo", "host", "current"), ("hetzner", "host", "current"), ("cloudflare", "cdn", "current"),
                ("ovhcloud", "sub-processor", "current"), ("akamai", "sub-processor", "current"),
                ("aws", "sub-processor", "current"), ("azure", "sub-processor", "current")} == set(b_edges)
        for rel in b_edges.values():
            for ev in s.scalars(select(Evidence).where(Evidence.relation_id == rel.id)):
                doc = s.get(Document, ev.document_id)
                assert doc.text[ev.start:ev.end] in ev.text and ev.source_url == doc.url

        c = site("site-c")
        assert docs(c) == {} and "/site-c/mentions-legales" in web.requests and c.last_crawled
        assert _hosting(s, c) == {}

        d = site("site-d")
        d_docs = docs(d)
        assert "mostly JavaScript: only the static HTML was read" in d_docs["/site-d/"].note
        assert d_docs["/site-d/legal"].kind == "legal"
        assert web.requests.index("/site-d/mentions-legales") < web.requests.index("/site-d/legal")  # probes in order
        d_edges = _hosting(s, d)
        assert set(d_edges) == {("vercel", "host", "current"), ("clever_cloud", "host", "current")}
        assert all(r.contract_id == lot1 and r.site_id == d.id for r in d_edges.values())

        e = site("site-e")
        (home,) = docs(e).values()
        assert home.kind == "home" and "est hébergé par la société OVH" in home.text
        assert "Hébergé par PlanetHoster" in home.text  # an image's alt text in the legal footer
        assert ("ovhcloud", "host", "current") in _hosting(s, e)
        editor = s.scalar(select(Organization).where(Organization.siren == "322927674"))
        assert editor is not None and editor.id_valid
        editor_site = s.scalar(select(Site).where(Site.kind == "editor-site", Site.org_id == editor.id))
        assert editor_site.url == e.url and editor_site.found_by == "editor"


def test_page_text_keeps_legal_footers_only() -> None:
    from soustrace.hosting.page_text import extract_page_text

    legal_footer = extract_page_text((PAGES / "site-e-home.html").read_text(encoding="utf-8"))
    assert "hébergé par la société OVH" in legal_footer.text and "Hébergement de vos données" not in legal_footer.text
    plain = extract_page_text("<html><body><main><p>Catalogue</p></main><footer><a href='/plan'>Plan du site</a>"
                              "</footer><div class='cookie-banner'>Cookies hébergés</div></body></html>")
    assert plain.text == "Catalogue"
    table = extract_page_text((PAGES / "site-b-subprocessors.html").read_text(encoding="utf-8"))
    assert "| OVH SAS | IAAS provider | France |" in table.text.splitlines()
    js = extract_page_text((PAGES / "site-d-home.html").read_text(encoding="utf-8"))
    assert js.mostly_js and js.note.startswith("mostly JavaScript: only the static HTML was read")
