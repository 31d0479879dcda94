"""`soustrace serve`: Datasette on the demo database answers the product's questions with their evidence.

The demo database holds only real records (the shipped samples, the HuffPost article naming Bluenove's
AWS hosting, and the real chain excerpts: reported contracts, Doctolib's AWS hosting, the DITP's site).
Rows added below to a *copy* of it (a reported contract, a buyer's hosting edge) are TEST CONSTRUCTIONS,
said where they are made.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from demo_db import demo_database

from soustrace.exports.datasette_app.app import prepare
from soustrace.exports.datasette_app.metadata import canned_sql

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PRESS_URL = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_database(tmp_path_factory)


@pytest.fixture
def demo_copy(demo: Path, tmp_path: Path) -> Path:
    """A private copy named soustrace.db (tests that add rows must not touch the shared one)."""
    out = tmp_path / "soustrace.db"
    src = sqlite3.connect(demo)
    dst = sqlite3.connect(out)
    src.backup(dst)
    src.close()
    dst.close()
    return out


def get_json(path: Path, *urls: str) -> list:
    """GET each URL from Datasette's in-process client on `path`; returns the decoded bodies."""
    prepared = prepare(path)

    async def run() -> list:
        await prepared.datasette.invoke_startup()
        out = []
        for url in urls:
            response = await prepared.datasette.client.get(url)
            assert response.status_code == 200, (url, response.text[:500])
            out.append(response.json())
        return out

    return asyncio.run(run())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo: Path):  # type: ignore[no-untyped-def]
    """`soustrace serve` as a user starts it, on a free port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "soustrace", "--db", f"sqlite:///{demo}", "serve",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start: {proc.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_uses_aws_over_http_names_bluenove_with_its_evidence(server: str) -> None:
    import json

    rows = json.loads(urllib.request.urlopen(f"{server}/soustrace/uses.json?provider=aws&_shape=array").read())
    [bluenove] = [r for r in rows if r["contractor"] == "Bluenove"]
    assert bluenove["evidence_url"] == PRESS_URL
    assert "Amazon" in bluenove["quote"]
    assert (bluenove["role"], bluenove["status"], bluenove["method"]) == ("host", "current", "press")
    # the article and the chain excerpt of the same article (data/samples/chains/01_...) back the edge
    assert bluenove["evidence_count"] == 4 and bluenove["contracts_won"] == 0
    assert bluenove["reported_contracts"] == 1  # "qui a remporté l'appel d'offres" (the CNR's teams)
    # an alias and a display name find the same edge; an unknown name says so instead of an empty table
    for spelling in ("Amazon", "amazon%20web%20services"):
        again = json.loads(urllib.request.urlopen(
            f"{server}/soustrace/uses.json?provider={spelling}&_shape=array").read())
        assert sorted(r["relation_id"] for r in again) == sorted(r["relation_id"] for r in rows)
    [unknown] = json.loads(urllib.request.urlopen(f"{server}/soustrace/uses.json?provider=nocloud&_shape=array")
                           .read())
    assert unknown["contractor"].startswith("no provider is called 'nocloud'")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_uses_page_shows_bluenove_quote_and_link_in_chromium(server: str, tmp_path: Path) -> None:
    url = f"{server}/soustrace/uses?provider=aws"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    table = dom[dom.index("<table"):]
    assert "Bluenove" in table
    assert f'<a class="soustrace-evidence" href="{PRESS_URL}"' in table
    assert '<q class="soustrace-quote"' in table and "Amazon à Courbevoie" in table
    assert "Who uses this provider?" in dom  # the metadata's title, read by a journalist


def test_canned_chain_and_providers_on_the_demo(demo_copy: Path) -> None:
    lot, bluenove, providers, by_jurisdiction, facets = get_json(
        demo_copy, "/soustrace/chain.json?ref=ted:156-2025%23LOT-0001&_shape=array",
        "/soustrace/chain.json?ref=Bluenove&_shape=array", "/soustrace/providers.json?_shape=array",
        "/soustrace/providers_by_jurisdiction.json?_shape=array",
        "/soustrace/hosting.json?_facet=provider&_facet=method&_facet=jurisdiction")
    assert {(r["party_role"], r["organization"]) for r in lot} == {
        ("lead", "EDITIONS KIRO"), ("member", "IMPRIMERIE MARIE"), ("subcontractor", "MICROLYNX")}
    assert {r["contract_ref"] for r in lot} == {"ted:156-2025#LOT-0001"}
    [sub] = [r for r in lot if r["party_role"] == "subcontractor"]
    assert sub["subcontractor_of"] == "EDITIONS KIRO"
    assert sub["buyer"].startswith("MINARM/SGA") and sub["party_evidence_url"].startswith("https://ted.europa.eu/")
    [own] = bluenove  # no contract: its own hosting edge, with the quote
    assert (own["organization"], own["provider"], own["edge_evidence_url"]) == (
        "Bluenove", "Amazon Web Services (AWS)", PRESS_URL)
    aws = next(r for r in providers if r["provider_id"] == "aws")
    # Bluenove and Doctolib (hosting stated in the press and in a ruling's summary), with reported contracts
    assert (aws["organisations"], aws["contracts_won"], aws["jurisdiction"], aws["cloud_act"]) == (2, 0, "non-EU",
                                                                                                    "true")
    assert aws["reported_contracts"] == 3
    # the DITP's own site, hosted by OVH per its legal notice (data/samples/chains/02_...)
    assert any(r["provider_id"] == "ovhcloud" and (r["organisations"], r["public_bodies"]) == (1, 1)
               for r in providers)
    assert by_jurisdiction[0]["jurisdiction"] == "non-EU" and by_jurisdiction[0]["organisations"] == 3
    results = facets["facet_results"]
    assert next(v["value"] for v in results["provider"]["results"]) == "Amazon Web Services (AWS)"
    assert "OVHcloud" in [v["value"] for v in results["provider"]["results"]]
    assert {v["value"] for v in results["method"]["results"]} == {"press", "nlp"}


def test_reported_contracts_and_buyer_sites_count_apart(demo_copy: Path) -> None:
    """TEST CONSTRUCTION: a `contract.kind` column as the reported-awards work adds it, a reported contract
    for Bluenove attached to a real notice, and a hosting edge of a real public buyer, so the queries'
    handling of both can be checked. None of these rows is a finding."""
    conn = sqlite3.connect(demo_copy)
    with conn:
        if "kind" not in {r[1] for r in conn.execute("PRAGMA table_info(contract)")}:  # before migration 0006
            conn.execute("ALTER TABLE contract ADD COLUMN kind VARCHAR(16)")
        notice_id, buyer_id = conn.execute("SELECT notice_id, buyer_id FROM contract WHERE buyer_id IS NOT NULL "
                                           "ORDER BY id LIMIT 1").fetchone()
        bluenove = conn.execute("SELECT id FROM organization WHERE name = 'Bluenove'").fetchone()[0]
        cid = conn.execute("INSERT INTO contract (notice_id, lot, buyer_id, title, amount, currency, kind) "
                           "VALUES (?, 'reported-test', ?, 'TEST CONSTRUCTION', 1000, 'EUR', 'reported')",
                           (notice_id, buyer_id)).lastrowid
        conn.execute("INSERT INTO party_role (contract_id, org_id, role) VALUES (?, ?, 'winner')", (cid, bluenove))
        rel = conn.execute("INSERT INTO relation (edge_key, kind, role, status, method, confidence, src_org_id, "
                           "provider_id, first_seen, last_seen) VALUES ('test-buyer-aws', 'hosting', 'host', "
                           "'current', 'nlp', 0.9, ?, 'aws', '2026-01-01', '2026-01-01')", (buyer_id,)).lastrowid
        conn.execute("INSERT INTO evidence (evidence_key, relation_id, kind, source_url, text, seen_at) VALUES "
                     "('test-buyer-aws', ?, 'nlp', 'https://example.invalid/mentions-legales', "
                     "'TEST CONSTRUCTION: hébergé par Amazon Web Services', '2026-01-01')", (rel,))
    conn.close()
    uses, buyers = get_json(demo_copy, "/soustrace/uses.json?provider=aws&_shape=array",
                            "/soustrace/buyers_on.json?provider=aws&_shape=array")
    [blue] = [r for r in uses if r["contractor"] == "Bluenove"]
    # the constructed one and the real one the demo reads in the HuffPost article
    assert (blue["contracts_won"], blue["reported_contracts"], blue["total_amount"]) == (0, 2, None)
    [body] = buyers
    assert body["org_id"] == buyer_id and body["evidence_url"] == "https://example.invalid/mentions-legales"
    assert body["contracts_awarded"] >= 1


def test_every_canned_query_and_view_runs_on_an_empty_database(tmp_path: Path) -> None:
    from soustrace.db import make_engine

    path = tmp_path / "empty.db"
    make_engine(f"sqlite:///{path}").dispose()
    params = {"uses": "?provider=aws", "buyers_on": "?provider=aws", "chain": "?ref=x", "providers": "",
              "providers_by_jurisdiction": ""}
    assert set(canned_sql()) == set(params)
    views = ["provider_facts", "edges", "hosting", "contracts", "awards", "supply_chain"]
    bodies = get_json(path, *(f"/empty/{n}.json?_shape=array{p.replace('?', '&')}" for n, p in params.items()),
                      *(f"/empty/{v}.json?_shape=array" for v in views))
    assert bodies[2] == [] and bodies[5:] == [[]] * len(views)  # chain on nothing, and empty views
    assert bodies[0][0]["contractor"].startswith("no provider is called 'aws'")  # no catalog loaded


def test_a_file_it_cannot_write_is_served_with_temporary_views(demo_copy: Path) -> None:
    """A crawl holding the write lock: the views go per connection, the questions still answer."""
    from soustrace.exports.datasette_app import plugin

    sqlite3.connect(demo_copy).execute("DROP VIEW IF EXISTS supply_chain").connection.commit()
    writer = sqlite3.connect(demo_copy, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        prepared = prepare(demo_copy, lock_timeout=0.2)
        assert not prepared.views_in_file and "temporary views" in (prepared.note or "")

        async def run() -> tuple[list, int]:
            await prepared.datasette.invoke_startup()
            rows = (await prepared.datasette.client.get("/soustrace/uses.json?provider=aws&_shape=array")).json()
            view = await prepared.datasette.client.get("/soustrace/supply_chain.json")
            return rows, view.status_code

        rows, view_status = asyncio.run(run())
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        plugin.register(temp_views=False)
    assert [r["contractor"] for r in rows if r["contractor"]] == ["Bluenove", "Doctolib"]
    assert view_status == 404  # not a browsable view of the file


def test_serve_refuses_what_it_cannot_serve(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from soustrace.cli import cli

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = CliRunner().invoke(cli, ["serve", str(other)])
    assert result.exit_code != 0 and "not a soustrace database" in result.output
    assert {r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")} == {"t"}  # untouched
    pg = CliRunner().invoke(cli, ["--db", "postgresql://nobody@127.0.0.1:1/x", "serve"])
    assert pg.exit_code != 0 and "export sqlite" in pg.output
