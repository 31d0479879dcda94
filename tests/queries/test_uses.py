"""`uses`: evidenced rows with exact values, provider resolution, filters that exclude, disagreements.

The database is tests/answers_data.py: real notices and real disclosure texts, joined by hosting edges that
are a TEST CONSTRUCTION (none of these companies is claimed to use these providers).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from answers_data import DNS_NOTE, build
from sqlalchemy.orm import Session

from soustrace.pipelines.store import Writer
from soustrace.queries.catalog import ProviderNotFound
from soustrace.queries.uses import USES_COLUMNS, uses
from soustrace.records import EvidenceRecord, OrgRef

YAHOO = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"
SCALEFLEX = "https://legal.scaleflex.com/privacy-and-data-processing/global-privacy-policy/sub-processors"
FRANCEINTER = ("https://www.franceinter.fr/politique/montebourg-n-heberge-pas-son-site-web-en-france-et-il-est-loin-"
               "d-etre-le-seul")
MINARM = "MINARM/SGA/Sous-Direction de l'Agence Ministérielle de Gestion (SDPAMG)"


def by_name(frame) -> dict[str, dict]:
    return {row["contractor"]: row for row in frame.to_dict(orient="records")}


def test_uses_aws_returns_evidenced_rows_with_exact_values(engine) -> None:
    ids = build(engine)
    frame = uses(engine, "aws")
    assert list(frame.columns) == USES_COLUMNS
    assert list(frame["contractor"]) == ["EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "Moter",
                                         "MICROLYNX"]
    rows = by_name(frame)
    kiro = rows["EDITIONS KIRO (MANDATAIRE)"]
    assert {k: kiro[k] for k in ("siren", "org_id", "provider_id", "provider", "via", "relation_id", "role", "status",
                                 "method", "confidence", "evidence_url", "evidence_text", "evidence_count",
                                 "disagreement", "contracts_won", "subcontracts", "total_amount", "currency",
                                 "n_buyers", "buyers", "first_award", "last_award")} == {
        "siren": "829220383", "org_id": ids.kiro, "provider_id": "aws", "provider": "Amazon Web Services (AWS)",
        "via": "", "relation_id": ids.rel_kiro_aws, "role": "host", "status": "current", "method": "nlp",
        "confidence": 0.9, "evidence_url": YAHOO, "evidence_text": "Amazon Web Services", "evidence_count": 1,
        "disagreement": "ovhcloud (dns)", "contracts_won": 2, "subcontracts": 0, "total_amount": 449350.0,
        "currency": "EUR", "n_buyers": 1, "buyers": MINARM, "first_award": dt.date(2024, 10, 16),
        "last_award": dt.date(2024, 10, 16),
    }
    assert kiro["evidence_ref"].startswith("document:")
    assert kiro["evidence_seen_at"] is not None
    micro = rows["MICROLYNX"]
    assert (micro["role"], micro["evidence_url"], micro["evidence_text"], micro["contracts_won"],
            micro["subcontracts"]) == ("sub-processor", SCALEFLEX, "Amazon Web Services, Inc", 0, 2)
    assert pd.isna(micro["total_amount"])  # a subcontractor won nothing: no amount, not zero
    moter = rows["Moter"]
    assert (moter["evidence_url"], moter["evidence_text"], moter["confidence"], moter["total_amount"],
            moter["buyers"], moter["first_award"]) == (
        FRANCEINTER, "Amazon", 0.7, 159691.6, "Bordeaux Métropole", dt.date(2016, 11, 18))
    marie = rows["IMPRIMERIE MARIE (COTRAITANT)"]  # on Netlify, which the catalog says runs on AWS
    assert (marie["provider_id"], marie["status"], marie["relation_id"]) == ("netlify", "past", ids.rel_marie_netlify)
    assert marie["via"].startswith("netlify runs on aws (catalog: France Inter")
    # the delivered site's DNS edge has no contractor of its own: it is not a row of `uses`
    assert ids.rel_site_aws not in set(frame["relation_id"])


@pytest.mark.parametrize("spelling", ["AWS", "amazon", "Amazon Web Services EMEA SARL", "Amazon Web Services (AWS)"])
def test_provider_resolves_by_alias_and_name(engine, spelling: str) -> None:
    build(engine)
    assert sorted(uses(engine, spelling)["relation_id"]) == sorted(uses(engine, "aws")["relation_id"])


def test_unknown_provider_fails_with_close_matches(engine) -> None:
    build(engine)
    with pytest.raises(ProviderNotFound) as err:
        uses(engine, "amazn web")
    assert "Amazon Web Services" in err.value.suggestions
    assert "did you mean" in str(err.value)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "Moter", "MICROLYNX"}),
    ({"buyer": "MINARM"}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "MICROLYNX"}),
    ({"buyer": "13001651200019"}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "MICROLYNX"}),
    ({"buyer": "bordeaux metropole"}, {"Moter"}),
    ({"date_from": "2020"}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "MICROLYNX"}),
    ({"date_to": "2016-11"}, {"Moter"}),
    ({"date_from": "2024-10-17"}, set()),
    ({"cpv": "375"}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "MICROLYNX"}),
    ({"cpv": "72"}, set()),
    ({"role": "host"}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "Moter"}),
    ({"role": "sub-processor"}, {"MICROLYNX"}),
    ({"current_only": True}, {"EDITIONS KIRO (MANDATAIRE)", "Moter", "MICROLYNX"}),
    ({"min_confidence": 0.85}, {"EDITIONS KIRO (MANDATAIRE)", "IMPRIMERIE MARIE (COTRAITANT)", "MICROLYNX"}),
    ({"follow_runs_on": False}, {"EDITIONS KIRO (MANDATAIRE)", "Moter", "MICROLYNX"}),
])
def test_filters_exclude(engine, kwargs: dict, expected: set[str]) -> None:
    build(engine)
    assert set(uses(engine, "aws", **kwargs)["contractor"]) == expected


def test_contract_filters_narrow_the_contract_columns(engine) -> None:
    build(engine)
    row = by_name(uses(engine, "aws", buyer="MINARM"))["EDITIONS KIRO (MANDATAIRE)"]
    assert (row["contracts_won"], row["total_amount"], row["n_buyers"]) == (2, 449350.0, 1)


def test_disagreement_between_methods_is_visible_both_ways(engine) -> None:
    build(engine)
    ovh = uses(engine, "OVH")
    assert list(ovh["contractor"]) == ["EDITIONS KIRO (MANDATAIRE)"]
    assert ovh.loc[0, "method"] == "dns"
    assert ovh.loc[0, "disagreement"] == "aws (nlp)"
    assert ovh.loc[0, "evidence_text"] == DNS_NOTE
    assert by_name(uses(engine, "aws"))["Moter"]["disagreement"] == ""


def test_provider_outside_the_catalog_resolves_by_name_as_written(engine) -> None:
    ids = build(engine)
    with Session(engine) as s, s.begin():
        w = Writer(s)
        moter = w.org(OrgRef(name="Moter"))
        rel = w.relation(kind="hosting", method="nlp", src=moter, provider_name="Local Host SARL", role="host",
                         confidence=0.6)
        w.evidence(EvidenceRecord(text="TEST CONSTRUCTION", extractor="test-construction"), kind="nlp",
                   relation_id=rel.id)
    frame = uses(engine, "local host sarl")
    assert list(frame["org_id"]) == [ids.moter]
    assert frame.loc[0, "provider_id"] is None
    assert frame.loc[0, "provider"] == "Local Host SARL"


def test_organisations_without_contracts_only_on_request(engine) -> None:
    build(engine)
    with Session(engine) as s, s.begin():
        w = Writer(s)
        org = w.org(OrgRef(name="TEST CONSTRUCTION NO CONTRACT"))
        rel = w.relation(kind="hosting", method="nlp", src=org, provider_id="aws", role="host")
        w.evidence(EvidenceRecord(text="TEST CONSTRUCTION", extractor="test-construction"), kind="nlp",
                   relation_id=rel.id)
    assert "TEST CONSTRUCTION NO CONTRACT" not in set(uses(engine, "aws")["contractor"])
    extra = by_name(uses(engine, "aws", include_without_contracts=True))["TEST CONSTRUCTION NO CONTRACT"]
    assert (extra["contracts_won"], extra["subcontracts"]) == (0, 0)
    assert pd.isna(extra["total_amount"])


def test_empty_answer_keeps_its_columns(engine) -> None:
    build(engine)
    frame = uses(engine, "aws", date_from="2030")
    assert frame.empty
    assert list(frame.columns) == USES_COLUMNS


def test_without_contract_columns_same_rows(engine) -> None:
    build(engine)
    full, lean = uses(engine, "aws", buyer="MINARM"), uses(engine, "aws", buyer="MINARM", with_contracts=False)
    assert sorted(lean["relation_id"]) == sorted(full["relation_id"])
    assert lean["contracts_won"].isna().all() and lean["total_amount"].isna().all()
    assert list(lean.columns) == USES_COLUMNS
