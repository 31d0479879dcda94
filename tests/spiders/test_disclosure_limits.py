"""The disclosure spider fetches only what it should: no off-site page as the site's, no private address,
limits hit once and said as what they are. Local sites on loopback, real legal-notice texts (tests/fixtures/
sites/pages, see SOURCES there)."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.hosting.sites import add_site
from soustrace.models import Document, Relation, Site
from soustrace.pipelines.store import Store
from soustrace.spiders.safe_target import ForbiddenTarget, SafeTargetMiddleware, address_problem, target_problem

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from helpers import LocalSites, load_providers, notice_156, run_crawl

KIRO_SIRET = "82922038300022"


@pytest.fixture
def web() -> Iterator[LocalSites]:
    with LocalSites() as w:
        w.text("/robots.txt", "User-agent: *\nAllow: /\n")
        yield w


def _site(engine: Engine, url: str) -> int:
    Store(engine).add_all([notice_156()])
    load_providers(engine)
    with Session(engine) as session, session.begin():
        return add_site(session, KIRO_SIRET, url).id


@pytest.mark.slow
def test_offsite_link_and_cross_host_redirect_are_not_evidence_for_the_site(engine: Engine, db_url: str,
                                                                             web: LocalSites) -> None:
    """Before: both were fetched and stored as the site's legal/privacy pages, and the other host's
    "hébergé par OVH" became a hosting edge of Éditions Kiro."""
    other = f"http://localhost:{web.port}"  # another host (a different name for the same test server)
    web.text("/site-x/", f'<html><body><a href="{other}/evil/mentions-legales">Mentions légales</a>'
                         '<a href="/site-x/confidentialite">Confidentialité</a></body></html>', "text/html")
    legal = "<html><body><h1>Mentions légales</h1><p>Ce site est hébergé par OVH SAS, 2 rue Kellermann, " \
            "59100 Roubaix.</p></body></html>"
    web.text("/evil/mentions-legales", legal, "text/html")
    web.redirect("/site-x/confidentialite", f"{other}/evil/privacy", status=302)
    web.text("/evil/privacy", legal.replace("Mentions légales", "Confidentialité"), "text/html")
    site_id = _site(engine, f"{web.site_root}/site-x")
    out = run_crawl(db_url, "--all", port=web.port)
    assert "/evil/mentions-legales" not in web.requests  # the off-site link is not followed
    assert out["stats"]["offsite_link"] == 1 and out["stats"]["offsite_redirect"] == 1
    with Session(engine) as s:
        assert s.scalars(select(Document).where(Document.site_id == site_id)).all() == []
        kept = s.scalar(select(Document).where(Document.url == f"{other}/evil/privacy"))
        assert kept is not None and kept.site_id is None and "/site-x/confidentialite" in kept.note
        assert s.scalars(select(Relation).where(Relation.kind == "hosting")).all() == []
        assert s.get(Site, site_id).last_crawled  # the site itself was read


@pytest.mark.slow
def test_loopback_site_is_not_fetched_by_default(engine: Engine, db_url: str, web: LocalSites) -> None:
    web.text("/site-a/", "<html><body>hello</body></html>", "text/html")
    _site(engine, f"{web.site_root}/site-a")
    out = run_crawl(db_url, "--all", port=web.port, allow_private=False, check=False)
    assert out["exit"] == 1  # no page of any site could be fetched: the crawl says so
    assert web.requests == []  # not even robots.txt
    assert out["stats"]["forbidden_target"] >= 1
    assert "refused: 127.0.0.1 is a loopback address" in out["log"]


@pytest.mark.slow
def test_size_time_and_redirect_limits_are_hit_once_and_named(engine: Engine, db_url: str, web: LocalSites) -> None:
    """Before: each limit was retried 3 times (90 s per slow page) and logged as 'forbidden by robots.txt'."""
    web.text("/site-y/", '<html><body><a href="/site-y/mentions-legales">Mentions légales</a>'
                         '<a href="/site-y/confidentialite">Confidentialité</a>'
                         '<a href="/site-y/cgu">CGU</a></body></html>', "text/html")
    web.text("/site-y/mentions-legales", "<html><body>" + "x" * 2_000_000 + "</body></html>", "text/html")
    web.drips["/site-y/confidentialite"] = 0.05
    for hop in range(5):  # distinct URLs: a loop back to a seen URL would only meet the duplicate filter
        web.redirect("/site-y/cgu" + (f"-{hop}" if hop else ""), f"/site-y/cgu-{hop + 1}", status=302)
    _site(engine, f"{web.site_root}/site-y")
    out = run_crawl(db_url, "--all", port=web.port, check=False, settings=(
        "RETRY_ENABLED=True", "DOWNLOAD_MAXSIZE=1048576", "DOWNLOAD_TIMEOUT=2", "REDIRECT_MAX_TIMES=3",
        "RETRY_BACKOFF_BASE=0"))
    assert web.requests.count("/site-y/mentions-legales") == 1
    assert web.requests.count("/site-y/confidentialite") == 1
    stats, log = out["stats"], out["log"]
    assert (stats["size_limit"], stats["time_limit"], stats["redirect_limit"]) == (1, 1, 1)
    assert "larger than the 1 MB page limit" in log
    assert "took longer than the 2 s page limit" in log
    assert "more than 3 redirects" in log
    assert "forbidden by robots.txt" not in log


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "224.0.0.1", "0.0.0.0", "::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
                                     "fc00::1"])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None
    assert target_problem(f"http://[{address}]/" if ":" in address else f"http://{address}/",
                          allow_private=False) is not None


def test_public_addresses_and_schemes() -> None:
    assert address_problem(ipaddress.ip_address("51.91.236.193")) is None  # a public OVH address
    assert address_problem(ipaddress.ip_address("2001:41d0::1")) is None
    for url in ("ftp://example.fr/", "gopher://example.fr:70/", "file:///etc/passwd", "s3://bucket/key",
                "data:text/html,hi"):
        assert "http and https only" in target_problem(url, allow_private=False)
    # Multicast is never allowed, even for tests.
    assert target_problem("http://224.0.0.1/", allow_private=True) is not None
    assert target_problem("http://127.0.0.1:8000/", allow_private=True) is None


def test_every_redirect_hop_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirect reaches the middleware as a new request: a public site redirecting to the metadata
    service of the machine is refused at that hop."""
    monkeypatch.delenv("SOUSTRACE_ALLOW_PRIVATE_NETWORKS", raising=False)
    middleware = SafeTargetMiddleware()
    first = Request("http://51.91.236.193/mentions-legales")
    assert middleware.process_request(first) is None
    hop = first.replace(url="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ForbiddenTarget, match="link-local"):
        middleware.process_request(hop)
