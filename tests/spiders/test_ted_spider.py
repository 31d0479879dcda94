"""The TED Search API route (`crawl ted --via api`) against the replay server: iteration tokens, past the
paging cap, faults, countries. The volume run (15,300 notices under the real caps) is benchmarks/bench_crawl.py."""

from __future__ import annotations

import json
from pathlib import Path

from replay import FAST_CRAWL, Fault, ReplayServer, Reply, TedAPI, crawl_summary, run_soustrace
from samples import SAMPLES
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.models import Notice, Organization, PartyRole
from soustrace.queries.stats import db_stats

TED = Path(__file__).parents[1] / "fixtures" / "ted"


def crawl(db_url: str, api: str, start: str, end: str, *extra: str):
    return run_soustrace(
        db_url, "crawl", "ted", "--via", "api", "--from", start, "--to", end, "-s", f"TED_API_URL={api}",
        *FAST_CRAWL, *extra
    )


def real_notices() -> list[tuple[str, str, str, bytes]]:
    """The real eForms notices with their real publication numbers and buyer countries.

    The replay gives them all the same publication date (2025-01-10): dates are replay metadata here.
    """
    files = {
        "156-2025": ("FRA", "eforms_real/eforms_can_156-2025_FRA_transcribed.xml"),
        "522031-2023": ("BEL", "eforms_real/eforms_can_2023-OJS165-00522031_BEL.xml"),
        "43489-2024": ("DEU", "eforms_real/eforms_can_2024-OJS015-043489_DEU.xml"),
        "525037-2024": ("FIN", "eforms_real/eforms_can_2024-OJS170-00525037_FIN.xml"),
    }
    return [(no, "2025-01-10", country, (SAMPLES / "ted" / path).read_bytes()) for no, (country, path) in files.items()]


def test_only_the_requested_country_and_roles_from_the_xml(engine, db_url) -> None:
    with ReplayServer() as server:
        api_impl = TedAPI(real_notices(), server.url + "/ted")
        api = server.mount("/ted", api_impl)
        proc = crawl(db_url, api, "2025-01-10", "2025-01-10")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert crawl_summary(proc)["expected"] == 1
    with Session(engine) as s:
        assert [n.source_id for n in s.scalars(select(Notice))] == ["156-2025"]
        roles = {(o.name, r.role) for r, o in s.execute(select(PartyRole, Organization).join(Organization))}
        assert ("EDITIONS KIRO", "lead") in {(n.replace(" (MANDATAIRE)", ""), r) for n, r in roles}
        assert any(r == "subcontractor" and "MICROLYNX" in n for n, r in roles)


def test_all_countries(engine, db_url) -> None:
    with ReplayServer() as server:
        api = server.mount("/ted", TedAPI(real_notices(), server.url + "/ted"))
        proc = crawl(db_url, api, "2025-01-10", "2025-01-10", "--country", "ALL")
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert db_stats(engine)["notices"] == {"ted": 4}


def test_past_the_paging_cap_with_faults_and_an_expired_token(sqlite_engine, sqlite_url) -> None:
    """340 results in one window, pages of 20 and a PAGE_NUMBER cap of 100 (the real ones are 250 and 15,000:
    same code path, set through TED_API_PAGE_SIZE and the fake's caps), with 429/503 answers and an iteration
    token that expires mid-way. Volume made by serving the official SDK minimal CAN under new numbers."""
    minimal = (TED / "eforms_sdk_examples" / "can_24_minimal.xml").read_bytes()
    total, page = 340, 20
    notices = [(f"{700000 + i}-2024", "2024-06-03", "FRA", minimal) for i in range(total)]
    with ReplayServer() as server:
        api_impl = TedAPI(notices, server.url + "/ted", max_limit=page, page_cap=100)
        api = server.mount("/ted", api_impl)
        expired = {"done": False}
        original = api_impl.__call__

        def expire_once(req):
            body = json.loads(req.body) if req.body else {}
            token = body.get("iterationNextToken") or ""
            if token and token.endswith(f"-{page * 8}-{id(api_impl)}") and not expired["done"]:
                expired["done"] = True
                api_impl.tokens.clear()
            return original(req)

        server.mounts["/ted"] = expire_once
        server.faults += [
            Fault(Reply(429, b"{}", {"Retry-After": "0"}), times=2, path_contains="/v3/notices/search"),
            Fault(Reply(503, b"busy", {"Content-Type": "text/plain"}), times=5, every=50, path_contains="/xml"),
        ]
        settings = ("-s", f"TED_API_PAGE_SIZE={page}")
        proc = crawl(sqlite_url, api, "2024-06-03", "2024-06-03", *settings)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert expired["done"]
        result = crawl_summary(proc)
        assert result["expected"] == total and result["stored"] == total
        with Session(sqlite_engine) as s:
            assert s.scalar(select(func.count()).select_from(Notice)) == total
        xml_fetches = sum(1 for _, path, status in server.log if path.endswith("/xml") and status == 200)
        assert xml_fetches == total  # the restart did not fetch any notice twice
        searches = sum(1 for _, path, status in server.log if path.endswith("/search") and status == 200)
        assert searches > total // page  # really paged, past the cap
        assert all(f.times == 0 for f in server.faults)
        again = crawl(sqlite_url, api, "2024-06-03", "2024-06-03", *settings)
        assert again.returncode == 0
        assert db_stats(sqlite_engine)["notices"] == {"ted": total}


def test_bad_country_is_a_usage_error(db_url) -> None:
    proc = run_soustrace(db_url, "crawl", "ted", "--from", "2024-01-01", "--to", "2024-01-02", "--country", "FR")
    assert proc.returncode != 0 and "alpha-3" in proc.stderr
