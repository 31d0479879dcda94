"""`providers` (per provider / jurisdiction / buyer) and `contracts` (contracts whose chain reaches a provider).

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import pytest
from answers_data import build

from soustrace.queries.catalog import ProviderNotFound
from soustrace.queries.contracts import CONTRACT_COLUMNS, contracts_reaching
from soustrace.queries.providers import provider_stats

COUNTS = ["contractors", "contracts", "amount_eur", "contracts_without_eur_amount"]


def rows(frame, key: str) -> dict:
    return {r[key]: r for r in frame.to_dict(orient="records")}


def test_per_provider_exact(engine) -> None:
    build(engine)
    frame = provider_stats(engine)
    assert list(frame["provider_id"]) == ["aws", "netlify", "ovhcloud"]
    got = {k: tuple(v[c] for c in ["provider", "jurisdiction", "cloud_act", "secnumcloud", *COUNTS])
           for k, v in rows(frame, "provider_id").items()}
    assert got == {
        "aws": ("Amazon Web Services (AWS)", "non-EU", "true", "not-qualified", 3, 3, 609041.6, 0),
        "netlify": ("Netlify", "non-EU", "true", "not-qualified", 1, 2, 449350.0, 0),
        "ovhcloud": ("OVHcloud", "EU", "false", "qualified (specific offers)", 1, 2, 449350.0, 0),
    }


def test_per_jurisdiction_counts_each_contractor_once(engine) -> None:
    build(engine)
    got = {k: tuple(v[c] for c in ["providers", *COUNTS])
           for k, v in rows(provider_stats(engine, per="jurisdiction"), "jurisdiction").items()}
    assert got == {"non-EU": ("aws, netlify", 4, 3, 609041.6, 0), "EU": ("ovhcloud", 1, 2, 449350.0, 0)}
    secnum = rows(provider_stats(engine, per="secnumcloud", current_only=True), "secnumcloud")
    assert {k: v["contractors"] for k, v in secnum.items()} == {"not-qualified": 3, "qualified (specific offers)": 1}


def test_by_buyer_and_filters(engine) -> None:
    build(engine)
    frame = provider_stats(engine, per="cloud_act", by="buyer")
    got = sorted((r["cloud_act"], r["buyer"][:6], r["buyer_siren"], r["contracts"], r["amount_eur"])
                 for r in frame.to_dict(orient="records"))
    assert [(a, b, c if isinstance(c, str) else None, d, e) for a, b, c, d, e in got] == [
        ("false", "MINARM", "130016512", 2, 449350.0),
        ("true", "Bordea", None, 1, 159691.6),
        ("true", "MINARM", "130016512", 2, 449350.0),
    ]
    later = provider_stats(engine, date_from="2020")
    assert rows(later, "provider_id")["aws"]["contracts"] == 2
    assert provider_stats(engine, cpv="72").empty


def test_contracts_reaching_aws(engine) -> None:
    ids = build(engine)
    frame = contracts_reaching(engine, "aws")
    assert list(frame.columns) == CONTRACT_COLUMNS
    got = rows(frame, "contract_id")
    assert sorted(got) == sorted([ids.lot1, ids.lot3, ids.boamp])
    lot1 = got[ids.lot1]
    assert (lot1["source"], lot1["notice_id"], lot1["lot"], lot1["amount"], lot1["currency"], lot1["buyer_siren"],
            lot1["n_paths"]) == ("ted", "00000156-2025", "LOT-0001", 224675.0, "EUR", "130016512", 4)
    assert lot1["via"].split("; ") == [
        "EDITIONS KIRO (MANDATAIRE) (lead) → host aws [nlp 0.90]",
        "IMPRIMERIE MARIE (COTRAITANT) (member) → host netlify [nlp 0.90]",
        "MICROLYNX (subcontractor) → sub-processor aws [nlp 0.85]",
        "delivered site https://boites.test-construction.invalid → host aws [dns]",
    ]
    assert "https://fr.news.yahoo.com/" in lot1["evidence_urls"]
    assert got[ids.lot3]["n_paths"] == 3  # the delivered site is tied to lot 1 only
    assert got[ids.boamp]["via"] == "Moter (winner) → host aws [nlp 0.70]"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"buyer": "Bordeaux"}, {"boamp"}),
    ({"buyer": "130016512"}, {"lot1", "lot3"}),
    ({"date_from": "2017"}, {"lot1", "lot3"}),
    ({"cpv": "37524900"}, {"lot1", "lot3"}),
    ({"cpv": "45"}, set()),
    ({"min_confidence": 0.95}, set()),
    ({"role": "sub-processor"}, {"lot1", "lot3"}),
])
def test_contract_filters_exclude(engine, kwargs: dict, expected: set[str]) -> None:
    ids = build(engine)
    names = {ids.lot1: "lot1", ids.lot3: "lot3", ids.boamp: "boamp"}
    assert {names[c] for c in contracts_reaching(engine, "aws", **kwargs)["contract_id"]} == expected


def test_contracts_unknown_provider(engine) -> None:
    build(engine)
    with pytest.raises(ProviderNotFound):
        contracts_reaching(engine, "nope-cloud")
