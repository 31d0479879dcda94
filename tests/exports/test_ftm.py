"""`export ftm`: entities FollowTheMoney's model reads back unchanged, ids stable, Bluenove tied to AWS.

The demo database holds only real records; tests/answers_data.py's hosting edges are a TEST CONSTRUCTION
joining real facts (used here for the declared subcontractor and the two backends).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from answers_data import build
from click.testing import CliRunner
from demo_db import demo_database
from followthemoney import model

from soustrace.cli import cli
from soustrace.exports.ftm import iter_entities, org_entity_id, provider_entity_id, write_entities

PRESS_URL = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"
REFS = ("subject", "object", "contract", "supplier", "authority")


def read_checked(path: Path) -> dict[str, dict]:
    """Every line through the model: a known schema, its required properties, nothing dropped on re-reading,
    unique ids, and every entity it points at present in the file."""
    entities: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data
        proxy = model.get_proxy(data, cleaned=False)
        reread = {k: sorted(v) for k, v in proxy.to_dict()["properties"].items()}
        assert reread == {k: sorted(v) for k, v in data["properties"].items()}, data
        assert all(proxy.get(p) for p in schema.required), data
        assert data["id"] not in entities, f"duplicate id {data['id']}"
        entities[data["id"]] = data
    for data in entities.values():
        for prop in REFS:
            for ref in data["properties"].get(prop, []):
                assert ref in entities, f"{data['schema']} {data['id']}: {prop} {ref} not in the file"
    return entities


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_database(tmp_path_factory)


def test_demo_export_is_valid_and_ties_bluenove_to_aws(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "entities.ftm.json"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{demo}", "export", "ftm", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    entities = read_checked(out)
    schemata = {e["schema"] for e in entities.values()}
    assert {"Contract", "ContractAward", "PublicBody", "Company", "Organization", "UnknownLink"} <= schemata
    assert f"wrote {len(entities)} entities" in result.stderr
    [bluenove] = [e for e in entities.values() if e["properties"].get("name") == ["Bluenove"]]
    aws = entities[provider_entity_id("aws")]
    assert aws["schema"] == "Organization" and "us" in aws["properties"]["country"]
    [edge] = [e for e in entities.values() if e["schema"] == "UnknownLink"
              and e["properties"]["subject"] == [bluenove["id"]]]
    props = edge["properties"]
    assert props["object"] == [aws["id"]]
    assert props["role"] == ["hosting provider (press article)"]
    assert props["sourceUrl"] == [PRESS_URL] and "Amazon" in props["summary"][0]
    assert props["status"] == ["current"] and props["date"]
    # a real award: TED 156-2025 lot 1, its buyer, lead and declared subcontractor
    [lot] = [e for e in entities.values() if e["schema"] == "Contract"
             and e["properties"].get("name") == ["ted:156-2025 lot LOT-0001"]]
    assert lot["properties"]["classification"] == ["37524900"] and lot["properties"]["amount"] == ["224675.00"]
    assert entities[lot["properties"]["authority"][0]]["schema"] == "PublicBody"
    on_lot = [a["properties"] for a in entities.values()
              if a["schema"] == "ContractAward" and a["properties"]["contract"] == [lot["id"]]]
    awards = {entities[a["supplier"][0]]["properties"]["name"][0]: a["role"][0] for a in on_lot}
    assert awards == {"EDITIONS KIRO": "lead (mandataire)", "IMPRIMERIE MARIE": "member (co-traitant)",
                      "MICROLYNX": "subcontractor (declared, for EDITIONS KIRO)"}
    kiro = next(e for e in entities.values() if e["properties"].get("name") == ["EDITIONS KIRO"])
    assert kiro["schema"] == "Company" and "82922038300022" in kiro["properties"]["registrationNumber"]
    assert kiro["id"] == org_entity_id("FR-SIREN:829220383")


@pytest.mark.skipif(shutil.which("ftm") is None, reason="the ftm command of followthemoney is not on PATH")
def test_ftm_validate_reads_the_stdout_export(demo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{demo}", "export", "ftm", "-o", "-", "--buyer", "130016512"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert sum(json.loads(line)["schema"] == "Contract" for line in lines) == 2  # the two MINARM lots only
    checked = subprocess.run(["ftm", "validate"], input=result.stdout, capture_output=True, text=True, timeout=120,
                             check=False)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert len(checked.stdout.splitlines()) == len(lines)


def test_ids_stable_across_runs_and_from_natural_keys(engine, tmp_path: Path) -> None:
    build(engine)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_entities(iter_entities(engine), first)
    write_entities(iter_entities(engine), second)
    assert first.read_bytes() == second.read_bytes()
    entities = read_checked(first)
    kiro = org_entity_id("FR-SIREN:829220383")
    links = {(e["properties"]["role"][0], e["properties"]["object"][0]) for e in entities.values()
             if e["schema"] == "UnknownLink" and e["properties"]["subject"] == [kiro]}
    assert links == {("hosting provider (press article)", provider_entity_id("aws")),  # dev-015 is news
                     ("hosting provider (DNS)", provider_entity_id("ovhcloud")),
                     ("declared subcontractor (notice)", org_entity_id("FR-SIREN:403004831"))}
    # the negated-free export keeps a past edge, marked past
    marie = org_entity_id("FR-SIREN:407753755")
    [past] = [e for e in entities.values() if e["schema"] == "UnknownLink" and e["properties"]["subject"] == [marie]]
    assert past["properties"]["status"] == ["past"]
