"""Reported awards read in the real chain excerpts (data/samples/chains/, see its SOURCES.md).

The expectations are the chains SOURCES.md states (buyer -> contractor), checked on statements the rules
find in prose; the rules are general verb frames (see soustrace/extraction/awards.py), not keyed to these
sentences.
"""

from __future__ import annotations

import pytest

from soustrace.extraction.awards import extract_awards, fold
from tests.samples import SAMPLES

CHAINS = SAMPLES / "chains"


def excerpt(name: str) -> str:
    """The excerpt's text without its SOURCE / NOTE header lines (metadata, not the author's prose)."""
    path = next(CHAINS.glob(f"{name}_*.txt"))
    return "\n".join(line for line in path.read_text().splitlines()
                     if not line.startswith(("SOURCE", "NOTE:", "---")))


def pairs(name: str) -> set[tuple[str | None, str]]:
    return {(a.buyer and fold(a.buyer), fold(a.contractor)) for a in extract_awards(excerpt(name))}


@pytest.mark.parametrize(("name", "buyer", "contractor"), [
    ("01", "cnr", "bluenove"),  # "Bluenove, ... qui a remporté l'appel d'offres", say the CNR's teams
    ("06", "ministere des solidarites et de la sante", "doctolib"),  # "a confié ... à ..., dont la société"
    ("07", "health data hub", "microsoft"),  # "a signé ... un contrat avec une filiale irlandaise de Microsoft"
    ("13", "caisse nationale d'assurance maladie (cnam)", "atos"),  # "titulaire sortant du marché"
])
def test_award_statements_name_buyer_and_contractor(name: str, buyer: str, contractor: str) -> None:
    assert (buyer, contractor) in pairs(name)


def test_a_list_of_winners_is_read_whole() -> None:
    found = {c for _b, c in pairs("16")}
    assert {"adullact projet", "atexo", "axyus", "berger-levrault", "bull", "numergy", "oodrive", "worldline"} <= found


def test_outgoing_holder_is_past_and_the_quote_is_the_sentence() -> None:
    text = excerpt("13")
    (atos,) = [a for a in extract_awards(text) if a.contractor == "Atos"]
    assert atos.status == "past" and atos.buyer_found == "context" and atos.confidence < 0.9
    assert text[atos.start:atos.end].strip() == atos.sentence and "titulaire sortant du marché" in atos.sentence


def test_texts_without_an_award_give_none() -> None:
    # a legal notice, a vendor's outage post, a cost answer that names no vendor, deployment code
    for name in ("02", "05", "08", "11", "15"):
        assert pairs(name) == set(), name


def test_a_provider_is_never_the_buyer_and_a_company_contract_is_no_award() -> None:
    # 01 names Amazon in the same sentence; 06 names the contract "conclu entre Doctolib et la société AWS Sarl"
    assert all(b != "amazon web services" for b, _c in pairs("01"))
    assert all(c != "aws sarl" for _b, c in pairs("06"))


@pytest.mark.parametrize(("text", "expected"), [
    ("The Ministry of Health awarded the contract to Capgemini in March 2021.", ("ministry of health", "capgemini")),
    ("Acme Ltd won the tender for the new portal of the City of Leeds.", ("city of leeds", "acme ltd")),
])
def test_english_basics(text: str, expected: tuple[str, str]) -> None:
    assert expected in {(a.buyer and fold(a.buyer), fold(a.contractor)) for a in extract_awards(text)}


@pytest.mark.parametrize(("text", "expected"), [  # made-up sentences: one per verb frame
    ("Le ministère des Armées a retenu la société Exemple pour ce marché.", ("ministere des armees", "exemple")),
    ("La ville de Lyon a fait appel à la société Exemple pour refondre son site.", ("ville de lyon", "exemple")),
    ("La société Exemple a été retenue par la ville de Lyon.", ("ville de lyon", "exemple")),
])
def test_more_french_frames(text: str, expected: tuple[str, str]) -> None:
    assert expected in {(a.buyer and fold(a.buyer), fold(a.contractor)) for a in extract_awards(text)}


@pytest.mark.parametrize("text", [
    "Doctolib fait appel à AWS pour héberger ses données.",  # two companies: no public buyer, no award
    "Le prestataire retenu par la ville de Lyon sera connu en juin.",
    "La société Exemple n'a pas remporté le marché de la ville de Lyon.",
    "La société Exemple a-t-elle obtenu le contrat de la ville de Lyon ?",
    "La société Exemple pourrait remporter le marché de la ville de Lyon.",
])
def test_negated_questioned_and_hypothetical_awards_are_not_statements(text: str) -> None:
    assert extract_awards(text) == []


def test_listed_winners_are_each_items_lead_and_every_member_of_a_groupement() -> None:
    # 03: "Trois prestataires ont été retenus : la société NUMA, la société Dynergie avec la plateforme
    # d'intermédiation Freelance Republik en sous-traitance, et un groupement ... constitué de la société OCTO
    # Technology et de la plateforme d'intermédiation MALT."
    found = {c for _b, c in pairs("03")}
    assert {"numa", "dynergie", "octo technology", "malt"} <= found
    assert "freelance republik" not in found  # the subcontractor inside an item does not hold the contract


def test_two_spellings_of_one_ministry_are_one_buyer() -> None:
    # 06 names the buyer "le ministre de la santé et des solidarités" and "le ministère des Solidarités et de
    # la Santé": one award to Doctolib, with the buyer named in the award's own sentence
    doctolib = [a for a in extract_awards(excerpt("06")) if fold(a.contractor) == "doctolib"]
    assert [(fold(a.buyer or ""), a.buyer_found) for a in doctolib] == [
        ("ministere des solidarites et de la sante", "sentence")]
