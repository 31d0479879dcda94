"""eForms parser on every eForms sample (real TED notices and official SDK examples), and the JSON adapter.

Expected values were read by hand from the fixture files (data/samples/ted and tests/fixtures/ted, copied from
shared/samples/ted with their SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from samples import EFORMS_REAL

from soustrace.parsers.eforms.boamp_json import parse_eforms_dict
from soustrace.parsers.eforms.notice import (
    combine_amounts,
    company_id,
    iso2_country,
    normalise_publication_number,
    parse_eforms,
)
from soustrace.parsers.ted.dispatch import parse_ted_notice
from soustrace.records import ContractRecord, NoticeRecord, ParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ted"
REAL = EFORMS_REAL
SDK = FIXTURES / "eforms_sdk_examples"
KIRO = REAL / "eforms_can_156-2025_FRA_transcribed.xml"


def _parse(path: Path) -> NoticeRecord:
    return parse_eforms(path.read_bytes())


def _by_lot(record: NoticeRecord) -> dict[str, ContractRecord]:
    return {contract.lot: contract for contract in record.contracts}


def _roles(contract: ContractRecord) -> list[tuple[str, str | None]]:
    return [(party.role, party.org.name) for party in contract.parties]


# ---- 156-2025 (France, MINARM): groupement + named subcontractor, 2 lots -----------------------------


@pytest.fixture(scope="module")
def kiro() -> NoticeRecord:
    return _parse(KIRO)


def test_kiro_notice_identity(kiro: NoticeRecord) -> None:
    assert kiro.source == "ted"
    assert kiro.source_id == "156-2025"
    assert kiro.url == "https://ted.europa.eu/en/notice/156-2025/xml"
    assert kiro.publication_date == dt.date(2025, 1, 2)
    assert kiro.kind == "award"
    assert kiro.schema_version == "eforms-sdk-1.11"
    assert kiro.content_type == "application/xml"
    assert kiro.raw == KIRO.read_bytes()
    assert kiro.lot_errors == []


def test_kiro_buyer_and_platform(kiro: NoticeRecord) -> None:
    buyer = kiro.buyer
    assert buyer is not None
    assert buyer.name == "MINARM/SGA/Sous-Direction de l'Agence Ministérielle de Gestion (SDPAMG)"
    assert (buyer.national_id, buyer.id_scheme, buyer.country) == ("13001651200019", "SIRET", "FR")
    assert buyer.website == "https://www.defense.gouv.fr"
    assert buyer.email == "sga-sdpamg-bcom.ach.fct@intradef.gouv.fr"
    assert buyer.local_ref == "ORG-0001"
    assert [(r.kind, r.src, r.target_url, r.role) for r in kiro.relations] == [
        ("uses-platform", None, "https://www.marches-publics.gouv.fr", "endpoint")]
    evidence = kiro.relations[0].evidence
    assert evidence.text == "https://www.marches-publics.gouv.fr"
    assert evidence.path.endswith("efac:Organization[1]/efac:Company/cbc:EndpointID")
    assert (buyer, "https://www.defense.gouv.fr") in kiro.websites


def test_kiro_two_lots_same_groupement(kiro: NoticeRecord) -> None:
    lots = _by_lot(kiro)
    assert list(lots) == ["LOT-0001", "LOT-0003"]
    for contract in lots.values():
        assert _roles(contract) == [
            ("lead", "EDITIONS KIRO"),
            ("member", "IMPRIMERIE MARIE"),
            ("subcontractor", "MICROLYNX"),
        ]
        ids = [(p.org.national_id, p.org.id_scheme, p.org.country) for p in contract.parties]
        assert ids == [("82922038300022", "SIRET", "FR"), ("40775375500021", "SIRET", "FR"),
                       ("40300483100034", "SIRET", "FR")]
        subcontractor = contract.parties[2]
        assert [main.name for main in subcontractor.main_contractors] == ["EDITIONS KIRO"]
        assert subcontractor.main_contractors[0] is contract.parties[0].org
        assert contract.subcontracting == {"declared": True}


def test_kiro_amounts_dates_and_lot_fields(kiro: NoticeRecord) -> None:
    lot1, lot3 = kiro.contracts
    for contract in (lot1, lot3):
        assert contract.amount == Decimal("224675")
        assert contract.currency == "EUR"
        assert contract.amount_max == Decimal("1700000")
        assert contract.award_date == dt.date(2024, 10, 16)  # not the 2000-01-01 TenderResult placeholder
        assert contract.extra["conclusion_date"] == "2024-11-13"
        assert contract.cpv == "37524900"
        assert contract.procedure == "open"
        assert contract.offers_received is None  # only the t-esubm statistic is given
        assert contract.extra["notice_total_amount"] == "1834000"
        assert contract.extra["notice_subtype"] == "29"
        assert "framework-agreement" in contract.flags
        assert [p.amount for p in contract.parties] == [Decimal("224675"), Decimal("224675"), None]
    assert lot1.extra["received_submissions"] == {"t-esubm": 3}
    assert lot3.extra["received_submissions"] == {"t-esubm": 2}
    assert lot1.title == ("la conception, la production et la livraison de boîtes multi-activités délivrées "
                          "dans le cadre du Plan Famille aux enfants de 3 à 5 ans de militaires lors des "
                          "absences opérationnelles")
    assert lot3.extra["contract_references"] == ["LOT 3"]


def test_kiro_evidence_points_at_the_name(kiro: NoticeRecord) -> None:
    lead, member, sub = kiro.contracts[0].parties
    assert lead.evidence.text == "EDITIONS KIRO (MANDATAIRE)"
    assert lead.evidence.extractor == "eforms"
    assert lead.evidence.extractor_version
    prefix = ("/ContractAwardNotice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/"
              "efext:EformsExtension/efac:Organizations/")
    assert lead.evidence.path == prefix + "efac:Organization[3]/efac:Company/cac:PartyName/cbc:Name"
    assert member.evidence.path.endswith("efac:Organization[4]/efac:Company/cac:PartyName/cbc:Name")
    assert sub.evidence.text == "MICROLYNX"
    assert lead.extra["tendering_party"] == "TPA-0001"


def test_kiro_links_and_texts(kiro: NoticeRecord) -> None:
    assert [(link.kind, link.source_id) for link in kiro.links] == [
        ("rectification", "45d7e260-cdfb-4ae3-a3d9-fdc8beea8b77-01")]
    assert kiro.texts["title"].startswith("CONCEPTION, PRODUCTION ET LIVRAISON DE BOITES MULTI-ACTIVITES")
    assert kiro.texts["note"].splitlines()[0] == "Cet avis porte sur les lots 1 et 3 de l'accord-cadre."
    assert "lot:LOT-0003:description" in kiro.texts


def test_dispatcher_reads_eforms_like_the_eforms_parser(kiro: NoticeRecord) -> None:
    via_dispatch = parse_ted_notice(KIRO.read_bytes())
    assert via_dispatch.source_id == kiro.source_id
    assert [_roles(c) for c in via_dispatch.contracts] == [_roles(c) for c in kiro.contracts]


# ---- lot errors: a chain pointing at something the notice does not define ------------------------------


def test_undefined_tendering_party_sends_only_that_lot_to_lot_errors() -> None:
    raw = KIRO.read_bytes()
    ref = b"<cbc:ID>TPA-0001</cbc:ID>"
    first = raw.index(ref)
    second = raw.index(ref, first + 1)  # the TenderingParty of TEN-0003 (lot 3)
    broken = raw[:second] + b"<cbc:ID>TPA-0999</cbc:ID>" + raw[second + len(ref):]
    record = parse_eforms(broken)
    assert [c.lot for c in record.contracts] == ["LOT-0001"]
    assert len(record.lot_errors) == 1
    lot, reason = record.lot_errors[0]
    assert lot == "LOT-0003"
    assert "TPA-0999" in reason and "TEN-0003" in reason


def test_undefined_organisation_sends_the_lots_to_lot_errors() -> None:
    raw = KIRO.read_bytes().replace(b"<cbc:ID>ORG-0006</cbc:ID>", b"<cbc:ID>ORG-0099</cbc:ID>")
    record = parse_eforms(raw)
    assert record.contracts == []
    assert [lot for lot, _ in record.lot_errors] == ["LOT-0001", "LOT-0003"]
    assert all("ORG-0099" in reason for _, reason in record.lot_errors)
    assert record.buyer is not None and record.buyer.national_id == "13001651200019"


# ---- other real notices ----------------------------------------------------------------------------------


def test_prefixed_root_bel_2023() -> None:
    record = _parse(REAL / "eforms_can_2023-OJS165-00522031_BEL.xml")
    assert record.source_id == "522031-2023"
    assert record.publication_date == dt.date(2023, 8, 29)
    assert record.schema_version == "eforms-sdk-1.8"
    assert record.buyer is not None
    assert record.buyer.name == "European Commission, Joint Research Centre (JRC)"  # notice language ENG
    assert (record.buyer.national_id, record.buyer.id_scheme, record.buyer.country) == ("JRC", None, "BE")
    (contract,) = record.contracts
    assert contract.lot == "LOT-0000"
    assert _roles(contract) == [("winner", "Templab Luxembourg sàrl")]
    winner = contract.parties[0].org
    assert (winner.national_id, winner.id_scheme, winner.country) == ("LU23519355", None, "LU")
    assert contract.amount is None
    assert contract.award_date == dt.date(2023, 7, 18)
    assert contract.cpv == "39711124"
    assert contract.duration_months == 48
    assert contract.place == "BE213"
    assert contract.extra["notice_total_amount"] == "660000"
    assert [(link.kind, link.source_id) for link in record.links] == [("previous", "108500-2023")]


def test_utilities_deu_sole_tenderer_flagged_lead_is_winner() -> None:
    record = _parse(REAL / "eforms_can_2024-OJS015-043489_DEU.xml")
    assert record.source_id == "43489-2024"
    assert record.buyer is not None
    assert record.buyer.name == "Berliner Verkehrsbetriebe, Bereich Einkauf/ Materialwirtschaft"
    assert record.buyer.website == "https://vergabekooperation.berlin"
    (contract,) = record.contracts
    assert contract.extra["notice_subtype"] == "30"
    assert _roles(contract) == [("winner", "Dunkel Baustoff-Recycling-Zentrum oHG")]
    assert contract.parties[0].org.national_id == "DE176071460"
    assert contract.offers_received == 4
    assert contract.award_date == dt.date(2024, 1, 15)
    assert "award-date-from-conclusion" in contract.flags
    assert contract.subcontracting == {"likely": False}
    assert contract.amount is None


def test_bel_2024_winners_per_lot_despite_inconsistent_references() -> None:
    record = _parse(REAL / "eforms_can_2024-OJS065-00191534_BEL.xml")
    assert record.source_id == "191534-2024"
    assert record.buyer is not None and record.buyer.name == "SPF Intérieur"
    expected = {
        "LOT-0001": ("Belgo Facility Services", "0832584553", Decimal("8819.09")),
        "LOT-0002": ("M&G CLEANING", "0879639451", Decimal("13768.11")),
        "LOT-0003": ("Belgo Facility Services", "0832584553", Decimal("11016.45")),
        "LOT-0004": ("Belgo Facility Services", "0832584553", Decimal("11807.88")),
        "LOT-0005": ("Belgo Facility Services", "0832584553", Decimal("9317.85")),
    }
    lots = _by_lot(record)
    assert list(lots) == list(expected)
    for lot, (name, national_id, amount) in expected.items():
        contract = lots[lot]
        assert _roles(contract) == [("winner", name)], lot
        assert contract.parties[0].org.national_id == national_id
        assert contract.parties[0].org.id_scheme is None
        assert (contract.amount, contract.currency) == (amount, "EUR"), lot
        assert contract.duration_months == 48
    assert "lot-tender-mismatch" in lots["LOT-0003"].flags
    assert lots["LOT-0001"].award_date == dt.date(2024, 3, 4)


def test_fin_twelve_lots_three_winners() -> None:
    record = _parse(REAL / "eforms_can_2024-OJS170-00525037_FIN.xml")
    assert record.source_id == "525037-2024"
    assert record.publication_date == dt.date(2024, 9, 2)
    assert record.buyer is not None
    assert record.buyer.name == "Kristinestad Stad/Kristiinankaupungin kaupunki"
    assert (record.buyer.national_id, record.buyer.id_scheme) == ("0216509-5", None)  # schemeID "002" ignored
    lots = _by_lot(record)
    assert len(lots) == 12
    winners = {lot: contract.parties[0].org.name for lot, contract in lots.items()}
    niemela = {f"LOT-{n:04d}" for n in (1, 2, 3, 4, 5, 7, 9, 11, 12)}
    assert {lot for lot, name in winners.items() if name == "Matka-Rengas Niemelä Oy"} == niemela
    hellman = {lot for lot, name in winners.items() if name == "Hellman Transport Ab"}
    assert hellman == {"LOT-0006", "LOT-0008"}
    assert winners["LOT-0010"] == "Ingves Svanbäck Ab"
    ingves = lots["LOT-0010"].parties[0]
    assert ingves.evidence.text == "Ingves  Svanbäck Ab"  # exact text, double space kept
    assert ingves.org.national_id == "2626335-1"
    assert all([p.role for p in contract.parties] == ["winner"] for contract in lots.values())
    assert lots["LOT-0010"].award_date == dt.date(2024, 7, 22)
    assert lots["LOT-0006"].award_date == dt.date(2024, 8, 1)
    assert lots["LOT-0001"].award_date == dt.date(2024, 7, 31)
    assert lots["LOT-0001"].subcontracting == {"likely": True}
    assert lots["LOT-0006"].subcontracting == {"likely": False}


def test_contract_notice_is_a_call_with_platform_and_no_contracts() -> None:
    record = _parse(REAL / "eforms_cn_2024-OJS044-00129266_FRA.xml")
    assert record.source_id == "129266-2024"
    assert record.kind == "call"
    assert record.contracts == []
    assert record.buyer is not None
    assert (record.buyer.name, record.buyer.national_id, record.buyer.id_scheme) == (
        "EPDAHAA", "20004716500010", "SIRET")
    assert [(r.role, r.target_url) for r in record.relations] == [
        ("buyer-profile", "https://epdahaa.e-marchespublics.com/pack/annonce_marche_public_13770_999192.html")]
    assert record.relations[0].evidence.path == "/ContractNotice/cac:ContractingParty/cbc:BuyerProfileURI"
    assert record.texts["title"].startswith("Mission de maîtrise d'oeuvre relative à la construction")


# ---- official SDK examples (not real notices: they check general behaviour) ------------------------------


def test_sdk_modification_notice_links_the_modified_notice() -> None:
    record = _parse(SDK / "can-modif_24_value.xml")
    assert record.kind == "modification"
    assert record.source_id == "3572a106-eb30-4c7a-8ac5-b3502f71742a-01"  # unpublished: UUID-version
    assert record.url is None
    assert [(link.kind, link.source, link.source_id) for link in record.links] == [
        ("modification", "ted", "342558-2018")]
    (contract,) = record.contracts
    assert _roles(contract) == [("winner", "PwC UK LLP")]
    assert (contract.amount, contract.currency) == (Decimal("6430000"), "GBP")
    assert "no-result-code" in contract.flags


def test_sdk_veat_group_roles() -> None:
    record = _parse(SDK / "veat_24.xml")
    assert record.kind == "award"
    (contract,) = record.contracts
    assert _roles(contract) == [("member", "Direct Healthcare Services Ltd"),
                                ("member", "Harvest Healthcare Ltd"), ("lead", "Invacare Ltd")]
    assert contract.procedure == "neg-wo-call"


def test_sdk_maximal_two_winning_tenders_and_unawarded_lot() -> None:
    record = _parse(SDK / "can_24_maximal.xml")
    lots = _by_lot(record)
    assert list(lots) == ["LOT-0001"]  # LOT-0002 is clos-nw
    contract = lots["LOT-0001"]
    assert _roles(contract) == [("lead", "Gyro Soft SA"), ("member", "The best App Ltd."),
                                ("subcontractor", "Ayuda"), ("winner", "Competitor")]
    ayuda = contract.parties[2]
    assert [main.name for main in ayuda.main_contractors] == ["Gyro Soft SA", "The best App Ltd."]
    assert contract.amount == Decimal("9999999.99")
    assert "amount-same-for-each-winner" in contract.flags
    assert contract.amount_max == Decimal("9999999.99")
    assert contract.offers_received == 9
    assert contract.subcontracting["likely"] is True
    assert contract.subcontracting["declared"] is True


def test_sdk_french_examples() -> None:
    comments = _by_lot(_parse(SDK / "can_24_FRA_comments.xml"))
    assert _roles(comments["LOT-0001"]) == [("winner", "Espaces Verts Lemire")]
    assert comments["LOT-0001"].parties[0].org.national_id == "326912557"
    assert comments["LOT-0001"].parties[0].org.id_scheme == "SIREN"
    assert comments["LOT-0001"].amount == Decimal("95414")
    assert comments["LOT-0001"].offers_received == 3
    assert _roles(comments["LOT-0002"]) == [("winner", "ID Verde SASU")]
    assert comments["LOT-0002"].amount == Decimal("26500")
    defence = _parse(SDK / "can_81_FRA.xml")
    (contract,) = defence.contracts
    assert contract.extra["notice_subtype"] == "31"
    assert _roles(contract) == [("winner", "Assystem energy et infrastructure")]
    assert contract.amount == Decimal("375950")
    assert [r.target_url for r in defence.relations] == ["https://www.marches-publics.gouv.fr"]
    minimal = _parse(SDK / "can_24_minimal.xml")
    assert _roles(minimal.contracts[0]) == [("winner", "Espaces Verts Lemire")]


def test_sdk_transport_award() -> None:
    record = _parse(SDK / "t02_ESP.xml")
    assert record.kind == "award"
    (contract,) = record.contracts
    assert contract.extra["notice_subtype"] == "T02"
    assert _roles(contract) == [("winner", "Sociedad Mercantil Estatal Renfe Viajeros, Sociedad Anónima")]
    assert contract.amount == Decimal("9693759000.00")


def test_every_sample_parses_through_the_dispatcher() -> None:
    for path in sorted(REAL.glob("*.xml")) + sorted(SDK.glob("*.xml")):
        record = parse_ted_notice(path.read_bytes())
        assert record.source == "ted"
        for contract in record.contracts:
            for party in contract.parties:
                assert party.evidence.text.strip() and party.evidence.path.startswith("/")


# ---- helpers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("175 900 034 00026", "FR", ("17590003400026", "SIRET")),
    (" 17870005000010", "FR", ("17870005000010", "SIRET")),
    ("326 912 557", "FR", ("326912557", "SIREN")),
    ("82922038300022", None, ("82922038300022", "SIRET")),
    ("976104390", "NO", ("976104390", None)),  # a Norwegian organisation number is not a SIREN
    ("0308.356.862", "BE", ("0308.356.862", None)),
    ("PL5263446902", "PL", ("PL5263446902", None)),
    ("3006157-6", "FI", ("3006157-6", None)),
    ("   ", "FR", (None, None)),
    (None, "FR", (None, None)),
])
def test_company_id(raw: str | None, country: str | None, expected: tuple[str | None, str | None]) -> None:
    assert company_id(raw, country) == expected


def test_country_and_publication_number_helpers() -> None:
    assert [iso2_country(code) for code in ("FRA", "BEL", "GBR", "XKX", "UK", "EL", "fr", "ZZZ", None)] == [
        "FR", "BE", "GB", "XK", "GB", "GR", "FR", None, None]
    assert normalise_publication_number("00000156-2025") == "156-2025"
    assert normalise_publication_number("2021/S 005-008298") == "8298-2021"
    assert normalise_publication_number("45d7e260-cdfb-4ae3-a3d9-fdc8beea8b77-01") is None


def test_combine_amounts_rules() -> None:
    eur = "EUR"
    assert combine_amounts([]) == (None, None, [])
    assert combine_amounts([(Decimal(5), eur)]) == (Decimal(5), eur, [])
    assert combine_amounts([(Decimal(5), eur), (Decimal(5), eur)]) == (Decimal(5), eur,
                                                                       ["amount-same-for-each-winner"])
    assert combine_amounts([(Decimal(5), eur), (Decimal(7), eur)]) == (Decimal(12), eur,
                                                                       ["amount-summed-over-winners"])
    assert combine_amounts([(Decimal(5), eur), (Decimal(7), "GBP")]) == (None, None, ["mixed-currencies"])
    assert combine_amounts([(Decimal(5), eur), (None, None)]) == (Decimal(5), eur, ["amount-partial"])


def test_not_an_eforms_document() -> None:
    with pytest.raises(ParseError, match="not an eForms notice"):
        parse_eforms(b"<TED_EXPORT/>")


# ---- the JSON adapter (BOAMP eForms-era `donnees`) -------------------------------------------------------


def _xml_to_boamp_json(el: etree._Element) -> Any:
    """Mechanical conversion of eForms XML into the reported BOAMP JSON convention.

    No real BOAMP eForms record exists in the samples, so the adapter is tested on the real French notice
    156-2025 converted here: attributes as "@name", text as "#text", keys with the document's namespace
    prefixes, a repeated element as a list, a single one as an object, a leaf without attributes as a
    plain string.
    """
    children: dict[str, list[Any]] = {}
    for child in el:
        key = f"{child.prefix}:{etree.QName(child).localname}"
        children.setdefault(key, []).append(_xml_to_boamp_json(child))
    text = (el.text or "").strip()
    if not children and not el.attrib:
        return text
    node: dict[str, Any] = {f"@{name}": value for name, value in el.attrib.items()}
    if text:
        node["#text"] = text
    for key, values in children.items():
        node[key] = values[0] if len(values) == 1 else values
    return node


def _boamp_doc(wrapper: bool = True) -> dict[str, Any]:
    root = etree.fromstring(KIRO.read_bytes())
    body = _xml_to_boamp_json(root)
    body["@xmlns:cac"] = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    doc = {"ContractAwardNotice": body}
    return {"EFORMS": doc} if wrapper else doc


def test_json_conversion_keeps_the_reported_shape() -> None:
    body = _boamp_doc()["EFORMS"]["ContractAwardNotice"]
    result = body["ext:UBLExtensions"]["ext:UBLExtension"]["ext:ExtensionContent"]["efext:EformsExtension"][
        "efac:NoticeResult"]
    assert isinstance(result["efac:LotResult"], list)
    assert result["cbc:TotalAmount"] == {"@currencyID": "EUR", "#text": "1834000"}
    assert body["cbc:CustomizationID"] == "eforms-sdk-1.11"


@pytest.mark.parametrize("wrapper", [True, False])
def test_json_adapter_gives_the_same_winners_as_the_xml(kiro: NoticeRecord, wrapper: bool) -> None:
    record = parse_eforms_dict(_boamp_doc(wrapper))
    assert record.source == "boamp"
    assert record.content_type == "application/json"
    assert record.lot_errors == []
    assert [c.lot for c in record.contracts] == ["LOT-0001", "LOT-0003"]
    assert [_roles(c) for c in record.contracts] == [_roles(c) for c in kiro.contracts]
    assert [[(p.org.national_id, p.org.id_scheme) for p in c.parties] for c in record.contracts] == [
        [(p.org.national_id, p.org.id_scheme) for p in c.parties] for c in kiro.contracts]
    for json_contract, xml_contract in zip(record.contracts, kiro.contracts, strict=True):
        assert json_contract.amount == xml_contract.amount == Decimal("224675")
        assert json_contract.award_date == xml_contract.award_date
        assert json_contract.amount_max == xml_contract.amount_max
    assert [m.name for m in record.contracts[0].parties[2].main_contractors] == ["EDITIONS KIRO"]
    assert record.buyer is not None and record.buyer.national_id == "13001651200019"
    assert [r.target_url for r in record.relations] == ["https://www.marches-publics.gouv.fr"]
    assert record.contracts[0].parties[0].evidence.text == "EDITIONS KIRO (MANDATAIRE)"


def test_json_adapter_source_id_and_raw_from_caller() -> None:
    record = parse_eforms_dict(_boamp_doc(), source_id="25-12345", raw=b'{"idweb": "25-12345"}')
    assert (record.source, record.source_id, record.raw, record.url) == (
        "boamp", "25-12345", b'{"idweb": "25-12345"}', None)
    default = parse_eforms_dict(_boamp_doc())
    assert default.source_id == "156-2025"
    assert default.raw.startswith(b'{"EFORMS"')


@pytest.mark.parametrize("doc", [
    {},
    {"EFORMS": {"Foo": {}}},
    {"ContractAwardNotice": {"zz:Unknown": "x"}},
    {"ContractAwardNotice": {"cbc:ID": [["nested"]]}},
    {"ContractAwardNotice": {"cbc:bad name": "x"}},
])
def test_json_adapter_rejects_what_is_not_an_eforms_notice(doc: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_eforms_dict(doc)
