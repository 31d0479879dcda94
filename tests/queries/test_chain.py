"""`chain`: buyer → contract → contractors → subcontractors → providers and sites, each edge evidenced.

Hosting and delivered-site edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import pytest
from answers_data import TED_URL, build
from rich.console import Console

from soustrace.commands.chain_tree import render_tree
from soustrace.queries.chain import ChainRefError, chain, iter_nodes

YAHOO = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


def child(node: dict, label_start: str) -> dict:
    found = [c for c in node["children"] if str(c["label"]).startswith(label_start)]
    assert len(found) == 1, [c["label"] for c in node["children"]]
    return found[0]


def test_chain_of_one_lot(engine) -> None:
    ids = build(engine)
    result = chain(engine, "ted:00000156-2025#LOT-0001")
    assert (result["kind"], result["target_ids"]) == ("contract", [ids.lot1])
    [buyer] = result["roots"]
    assert (buyer["type"], buyer["id"], buyer["siren"]) == ("buyer", f"org:{ids.minarm}", "130016512")
    [contract] = buyer["children"]
    assert (contract["id"], contract["lot"], contract["amount"], contract["amount_max"], contract["currency"],
            contract["award_date"], contract["url"]) == (
        f"contract:{ids.lot1}", "LOT-0001", 224675.0, 1700000.0, "EUR", "2024-10-16", TED_URL)
    assert [(c["label"], c["edge"]["role"]) for c in contract["children"]] == [
        ("EDITIONS KIRO (MANDATAIRE)", "lead"), ("IMPRIMERIE MARIE (COTRAITANT)", "member")]
    kiro = child(contract, "EDITIONS KIRO")
    assert kiro["edge"]["evidence"][0]["url"] == TED_URL
    aws = child(kiro, "Amazon Web Services")
    assert (aws["type"], aws["provider_id"], aws["jurisdiction"], aws["cloud_act"], aws["secnumcloud"]) == (
        "provider", "aws", "non-EU", "true", "not-qualified")
    assert (aws["edge"]["kind"], aws["edge"]["role"], aws["edge"]["method"], aws["edge"]["status"],
            aws["edge"]["confidence"], aws["edge"]["relation_id"]) == ("hosting", "host", "nlp", "current", 0.9,
                                                                      ids.rel_kiro_aws)
    assert aws["edge"]["evidence"][0]["url"] == YAHOO
    assert aws["edge"]["evidence"][0]["text"] == "Amazon Web Services"
    assert child(kiro, "OVHcloud")["edge"]["method"] == "dns"
    # the declared subcontractor sits under its main contractor, with the declared-subcontract edge
    micro = child(kiro, "MICROLYNX")
    assert (micro["edge"]["kind"], micro["siren"]) == ("declared-subcontract", "403004831")
    assert child(micro, "Amazon Web Services")["edge"]["role"] == "sub-processor"
    # the delivered site and its host
    site = child(kiro, "https://boites.test-construction.invalid")
    assert (site["type"], site["edge"]["kind"]) == ("site", "delivers-site")
    assert child(site, "Amazon Web Services")["edge"]["relation_id"] == ids.rel_site_aws
    # the provider that runs on another: Netlify → AWS, from the catalog
    marie = child(contract, "IMPRIMERIE MARIE")
    netlify = child(marie, "Netlify")
    assert netlify["edge"]["status"] == "past"
    runs_on = child(netlify, "Amazon Web Services")
    assert (runs_on["edge"]["kind"], runs_on["edge"]["method"]) == ("runs-on", "catalog")


@pytest.mark.parametrize("ref", ["829220383", "82922038300022", "EDITIONS KIRO", "editions kiro"])
def test_chain_of_an_organisation(engine, ref: str) -> None:
    ids = build(engine)
    result = chain(engine, ref)
    assert (result["kind"], result["target_ids"], result["contracts_total"]) == ("organization", [ids.kiro], 2)
    contracts = [n["id"] for n in iter_nodes(result) if n["type"] == "contract"]
    assert sorted(contracts) == sorted([f"contract:{ids.lot1}", f"contract:{ids.lot3}"])


def test_chain_limits_contracts_and_says_so(engine) -> None:
    build(engine)
    result = chain(engine, "829220383", max_contracts=1)
    assert (result["contracts_shown"], result["contracts_total"]) == (1, 2)
    text = _render(result)
    assert "1 of 2 contracts" in text


@pytest.mark.parametrize(("ref", "message"), [
    ("12", "ambiguous"),
    ("MI", "matches 2 organisations"),
    ("nobody at all", "no organisation, contract or notice"),
    ("ted:00000156-2025#LOT-0009", "no contract"),
    ("contract:999", "no contract with id 999"),
    ("000000000", "no organisation with SIREN"),
])
def test_bad_references_fail_clearly(engine, ref: str, message: str) -> None:
    build(engine)
    with pytest.raises(ChainRefError, match=message):
        chain(engine, ref)


def test_render_tree_shows_edges_and_evidence(engine) -> None:
    build(engine)
    text = _render(chain(engine, "ted:00000156-2025#LOT-0001"))
    for expected in ("MINARM/SGA", "224,675.00 EUR", "lead (structured, current, 1.00) → EDITIONS KIRO",
                     "host (nlp, current, 0.90) → Amazon Web Services (AWS)", YAHOO,
                     "subcontractor (declared)", "CLOUD Act: true"):
        assert expected in text


def _render(result: dict) -> str:
    console = Console(record=True, width=250)
    console.print(render_tree(result))
    return console.export_text()
