"""Sites from notices (WebsiteURI, e-mail domains, URLs in texts) and from users (`soustrace sites`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.commands.sites import sites
from soustrace.hosting.sites import candidates_from_record, discover, email_domain, find_urls
from soustrace.models import Evidence, Organization, Relation, Site
from soustrace.pipelines.store import Store

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from helpers import load_providers, notice_156

DESCRIPTION = ("Maintenance évolutive de la plateforme jeparticipe.example.fr et du site https://www.consultation."
               "example.gouv.fr/projets/12. Les offres sont déposées sur www.marches-publics.gouv.fr ; le règlement "
               "(fichier RC_2024.zip) est joint. Contact : acheteur@intradef.gouv.fr.")


def test_find_urls_keeps_sites_and_skips_files_and_mail() -> None:
    found = find_urls(DESCRIPTION)
    assert [f.url for f in found] == ["https://jeparticipe.example.fr", "https://www.consultation.example.gouv.fr",
                                      "https://www.marches-publics.gouv.fr"]
    first = found[0]
    assert DESCRIPTION[first.start:first.end] == "jeparticipe.example.fr"


def test_email_domain_skips_webmail() -> None:
    assert email_domain("contact@editions-kiro.com") == "editions-kiro.com"
    assert email_domain("Jean <jean.dupont@orange.fr>") is None
    assert email_domain("x@wanadoo.fr") is None
    assert email_domain("x@gmail.com") is None
    assert email_domain("not an address") is None


def test_candidates_from_the_156_2025_notice() -> None:
    rec = notice_156({"LOT-0001/description": DESCRIPTION})
    cands = {(c.kind, c.url, c.found_by, c.lot) for c in candidates_from_record(rec)}
    assert ("vendor-site", "https://editions-kiro.com", "email", None) in cands
    assert ("vendor-site", "https://imprimerie-marie.fr", "email", None) in cands
    assert ("delivered-site", "https://jeparticipe.example.fr", "notice-text", "LOT-0001") in cands
    assert ("delivered-site", "https://www.consultation.example.gouv.fr", "notice-text", "LOT-0001") in cands
    urls = {c[1] for c in cands}
    assert not any("marches-publics" in u or "microlynx" in u or "defense.gouv" in u for u in urls), urls


def test_discover_writes_sites_and_delivers_edges(engine: Engine) -> None:
    rec = notice_156({"LOT-0001/description": DESCRIPTION})
    Store(engine).add_all([rec])
    stats = discover(engine, parser=lambda notice, rev: rec)
    assert stats.notices == 1 and stats.reparsed == 1
    with Session(engine) as s:
        kiro = s.scalar(select(Organization).where(Organization.siren == "829220383"))
        rows = {(x.kind, x.url, x.found_by, x.org_id, x.contract_id is not None) for x in s.scalars(select(Site))}
        assert ("vendor-site", "https://editions-kiro.com", "email", kiro.id, False) in rows
        delivered = s.scalar(select(Site).where(Site.url == "https://jeparticipe.example.fr"))
        assert delivered.kind == "delivered-site" and delivered.org_id == kiro.id  # the group's lead delivers it
        rel = s.scalar(select(Relation).where(Relation.kind == "delivers-site", Relation.site_id == delivered.id))
        assert rel.src_org_id == kiro.id and rel.contract_id == delivered.contract_id
        ev = s.scalar(select(Evidence).where(Evidence.relation_id == rel.id))
        assert ev.notice_id is not None and ev.text == "jeparticipe.example.fr"
        assert DESCRIPTION[ev.start:ev.end] == ev.text and ev.path == "LOT-0001/description"
        count = len(s.scalars(select(Site)).all())
    seen: list[tuple[int, int]] = []
    again = discover(engine, parser=lambda notice, rev: rec, progress=lambda done, total: seen.append((done, total)))
    assert again.sites_after == again.sites_before == count
    assert seen == [(1, 1)]  # the progress display's feed: notices done of the notices to read


def test_discover_without_parser_reads_contract_titles(engine: Engine) -> None:
    rec = notice_156()
    rec.contracts[0].title = "Hébergement et maintenance du portail www.plan-famille.example.fr"
    Store(engine).add_all([rec])
    discover(engine, use_default_parser=False)
    with Session(engine) as s:
        site = s.scalar(select(Site).where(Site.url == "https://www.plan-famille.example.fr"))
        assert site is not None and site.kind == "delivered-site" and site.found_by == "notice-text"


def test_sites_commands(engine: Engine, db_url: str, tmp_path: Path) -> None:
    Store(engine).add_all([notice_156()])
    runner = CliRunner()
    obj = {"db_url": db_url}
    res = runner.invoke(sites, ["add", "82922038300022", "https://www.editions-kiro.com/"], obj=obj)
    assert res.exit_code == 0, res.output
    res = runner.invoke(sites, ["add", "EDITIONS KIRO (MANDATAIRE)", "www.editions-kiro.com"], obj=obj)
    assert res.exit_code == 0, res.output  # same site again: no new row
    res = runner.invoke(sites, ["add", "NO SUCH COMPANY", "https://x.example.fr"], obj=obj)
    assert res.exit_code != 0 and "no organisation" in res.output
    csv_file = tmp_path / "sites.csv"
    csv_file.write_text("org,url,kind\n40775375500021,https://imprimerie-marie.fr,vendor-site\n"
                        "nobody,https://nobody.example.fr,\n403004831,microlynx.fr,\n", encoding="utf-8")
    res = runner.invoke(sites, ["import", str(csv_file)], obj=obj)
    assert "2 site(s) stored, 1 row(s) rejected" in res.output and "line 3" in res.output
    res = runner.invoke(sites, ["list", "--format", "json"], obj=obj)
    listed = {(r["url"], r["siren"], r["found_by"]) for r in json.loads(res.output)}
    assert {("https://www.editions-kiro.com", "829220383", "user"),
            ("https://imprimerie-marie.fr", "407753755", "user"),
            ("https://microlynx.fr", "403004831", "user")} <= listed
    assert sum(1 for r in listed if r[0] == "https://www.editions-kiro.com") == 1


def test_sites_add_org_is_an_exact_name_never_a_pattern(engine: Engine, db_url: str) -> None:
    """Before: ORG went to an unescaped ILIKE: "%" listed every organisation, "%KIRO%" bound the site to
    whichever matched, a 100,000-character name crashed ("LIKE pattern too complex")."""
    Store(engine).add_all([notice_156()])
    runner = CliRunner()
    obj = {"db_url": db_url}
    for org in ("%", "%KIRO%", "EDITIONS K_RO (MANDATAIRE)", "editions kiro*"):
        res = runner.invoke(sites, ["add", org, "https://evil.example.fr"], obj=obj)
        assert res.exit_code != 0, (org, res.output)
        assert "IMPRIMERIE" not in res.output.upper() and "several" not in res.output
    res = runner.invoke(sites, ["add", "A" * 100_000, "https://evil.example.fr"], obj=obj)
    assert res.exit_code == 1 and "at most 500 characters" in res.output
    for url in ("ftp://www.editions-kiro.com/", "gopher://www.editions-kiro.com:70/"):
        res = runner.invoke(sites, ["add", "82922038300022", url], obj=obj)
        assert res.exit_code != 0 and "http" in res.output
    with Session(engine) as s:
        assert s.scalar(select(Site).where(Site.url.contains("evil"))) is None
        assert s.scalar(select(Site).where(~Site.url.startswith("http"))) is None
    # --buyer (a piece of a name, escaped) refuses absurd lengths instead of crashing in LIKE.
    from soustrace.cli import cli

    load_providers(engine)
    res = runner.invoke(cli, ["--db", db_url, "query", "uses", "aws", "--buyer", "A" * 100_000])
    assert res.exit_code == 1 and "--buyer is at most 500 characters" in res.output, res.output
    # Case and accents do not matter to an exact name: "Éditions kiro (mandataire)" is EDITIONS KIRO.
    res = runner.invoke(sites, ["add", "éditions kiro (Mandataire)", "https://www.editions-kiro.com"], obj=obj)
    assert res.exit_code == 0, res.output
