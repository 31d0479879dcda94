"""TED R2.0.9 TED_EXPORT parser on every real sample, and the TED dispatcher.

Expected values were read by hand from the fixture files (data/samples/ted/ted_xml_r209, copied from
shared/samples/ted with their SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from samples import TED_R209

from soustrace.parsers.ted.dispatch import parse_ted_notice
from soustrace.parsers.ted.export import parse_ted_export
from soustrace.records import ContractRecord, NoticeRecord, ParseError

R209 = TED_R209


def _parse(name: str) -> NoticeRecord:
    return parse_ted_export((R209 / name).read_bytes())


def _by_lot(record: NoticeRecord) -> dict[str, ContractRecord]:
    return {contract.lot: contract for contract in record.contracts}


def _roles(contract: ContractRecord, *, buyers: bool = False) -> list[tuple[str, str | None]]:
    return [(p.role, p.org.name) for p in contract.parties if buyers or p.role != "buyer"]


# ---- 008298-2021: two ORIGINAL forms (FR, IT), three awards on lot 1 ------------------------------------


@pytest.fixture(scope="module")
def telt() -> NoticeRecord:
    return _parse("008298-2021.xml")


def test_telt_identity(telt: NoticeRecord) -> None:
    assert (telt.source, telt.source_id) == ("ted", "8298-2021")
    assert telt.url == "https://ted.europa.eu/en/notice/8298-2021/xml"
    assert telt.publication_date == dt.date(2021, 1, 8)
    assert telt.kind == "award"
    assert telt.schema_version == "ted-R2.0.9.S03.E01/F06_2014"
    assert telt.content_type == "application/xml"
    assert [(link.kind, link.source_id) for link in telt.links] == [("previous", "587734-2019")]


def test_telt_each_award_once_from_the_first_original_language(telt: NoticeRecord) -> None:
    (contract,) = telt.contracts
    assert contract.lot == "1"
    assert _roles(contract) == [("winner", "Deloitte & Associés"),
                                ("winner", "Pricewaterhousecoopers Audit SAS"),
                                ("winner", "Ernst & Young Audit")]
    assert [p.amount for p in contract.parties] == [Decimal("543000.00"), Decimal("543000.00"),
                                                    Decimal("840000.00")]
    assert [p.extra["contract_no"] for p in contract.parties] == ["1", "2", "3"]
    assert all(p.org.country == "FR" and p.org.national_id is None for p in contract.parties)
    assert contract.amount == Decimal("1926000.00")
    assert contract.currency == "EUR"
    assert "amount-summed-over-winners" in contract.flags
    assert "framework-agreement" in contract.flags
    assert contract.award_date == dt.date(2020, 11, 24)
    assert contract.offers_received == 6
    assert contract.cpv == "79212300"
    assert contract.procedure == "open"
    assert contract.title == "Mission de cocommissariat aux comptes de Tunnel Euralpin Lyon Turin"
    assert contract.extra["form_language"] == "FR"


def test_telt_buyer_platform_and_evidence(telt: NoticeRecord) -> None:
    buyer = telt.buyer
    assert buyer is not None
    assert (buyer.name, buyer.country, buyer.website, buyer.email) == (
        "Tunnel Euralpin Lyon Turin SAS", "FR", "http://www.telt-sas.com", "fonction.contrats@telt-sas.com")
    assert [(r.kind, r.src, r.role, r.target_url) for r in telt.relations] == [
        ("uses-platform", None, "buyer-profile", "https://telt.achatpublic.com/accueil/")]
    assert telt.websites == [(buyer, "http://www.telt-sas.com")]
    deloitte = telt.contracts[0].parties[0].evidence
    assert deloitte.text == "Deloitte & Associés"
    assert deloitte.path == ("/TED_EXPORT/FORM_SECTION/F06_2014[1]/AWARD_CONTRACT[1]/AWARDED_CONTRACT/"
                             "CONTRACTORS/CONTRACTOR/ADDRESS_CONTRACTOR/OFFICIALNAME")
    assert deloitte.extractor == "ted-xml"


def test_telt_texts_are_flattened(telt: NoticeRecord) -> None:
    assert telt.texts["lot:1:description"].splitlines()[:2] == [
        "Les services du présent lot 1 comprennent:",
        "1) la certification des comptes annuels, conduite selon les normes d'exercice professionnel et la "
        "doctrine professionnelle de la Compagnie nationale des commissaires aux comptes (CNCC) française;"]
    assert "<P>" not in "".join(telt.texts.values())


# ---- the other real notices --------------------------------------------------------------------------------


def test_cannes_groupement_members_and_subcontracting_terms() -> None:
    record = _parse("18-412273-001-EXP.xml")
    assert record.source_id == "404080-2018"
    assert record.publication_date == dt.date(2018, 9, 15)
    assert record.buyer is not None and record.buyer.name == "CAPL"
    assert [r.target_url for r in record.relations] == ["http://www.marches-securises.fr"]
    lots = _by_lot(record)
    assert list(lots) == ["1", "2", "3"]  # lots 4 and 5: PROCUREMENT_UNSUCCESSFUL
    lot1 = lots["1"]
    assert _roles(lot1) == [("member", "Eiffage route mediterranée (mandataire)"),
                            ("member", "Gagneraud Construction (cotraitant)")]
    assert [(p.org.national_id, p.org.id_scheme) for p in lot1.parties] == [
        ("39876221100298", "SIRET"), ("40268299100102", "SIRET")]
    assert [p.extra["name_role_hint"] for p in lot1.parties] == ["lead", "member"]
    assert lot1.amount == Decimal("4625137.40")
    assert lot1.award_date == dt.date(2018, 8, 23)
    assert lot1.offers_received == 5
    assert lot1.procedure == "neg-w-call"
    assert lot1.subcontracting == {"likely": True, "value": Decimal("90000"), "currency": "EUR",
                                   "description": "Travaux de genie civil de reseaux secs"}
    assert lot1.extra["estimated_value"] == "4400000"
    assert _roles(lots["2"]) == [("winner", "NGE Génie Civil")]
    assert lots["2"].parties[0].org.national_id == "48746933000012"
    assert lots["2"].amount == Decimal("535873.21")
    assert lots["2"].award_date == dt.date(2018, 8, 24)
    assert lots["2"].subcontracting == {"likely": True}
    assert _roles(lots["3"]) == [("winner", "Paysages méditerranéens")]
    assert lots["3"].amount == Decimal("369648.37")
    assert "— 33 000 m2 d'aménagement," in record.texts["lot:1:description"].splitlines()


def test_niort_concession() -> None:
    record = _parse("19-318420-001-EXP.xml")
    assert record.source_id == "315003-2019"
    assert record.kind == "award"
    assert record.schema_version == "ted-R2.0.9.S03.E01/F25_2014"
    assert record.buyer is not None
    assert (record.buyer.name, record.buyer.national_id, record.buyer.id_scheme) == (
        "Mairie de Niort", "21790131700013", "SIRET")
    (contract,) = record.contracts
    assert contract.lot == "1"
    assert _roles(contract) == [("winner", "SO Space")]
    assert contract.parties[0].org.website == "http://www.so-space.fr/"
    assert (contract.amount, contract.currency) == (Decimal("6883000"), "EUR")
    assert contract.award_date == dt.date(2019, 5, 30)
    assert contract.offers_received == 1
    assert contract.duration_months == 60
    assert [r.target_url for r in record.relations] == [
        "http://www.achatpublic.com/sdm/ent/gen/ent_detail.do?PCSLID=CSL_2018_kvUnJlm-fT"]
    assert (contract.parties[0].org, "http://www.so-space.fr/") in record.websites


def test_kafjord_four_contracts_without_lots() -> None:
    record = _parse("20-157399-001-EXP.xml")
    assert record.source_id == "154292-2020"
    assert record.buyer is not None
    buyer_id = (record.buyer.national_id, record.buyer.id_scheme, record.buyer.country)
    assert buyer_id == ("940 363 586", None, "NO")
    (contract,) = record.contracts
    assert contract.lot == ""
    assert _roles(contract) == [("winner", "Kurt Steinar Wiik"), ("winner", "Manndalen Maskin AS"),
                                ("winner", "Myrvoll Maskin AS"), ("winner", "Traktor and Maskin")]
    assert [p.org.national_id for p in contract.parties] == ["976104390", "897935082", "MYRVOLL MASKIN AS",
                                                             "989748297"]
    assert all(p.org.id_scheme is None for p in contract.parties)
    assert contract.amount is None  # only lowest/highest offers are given
    assert contract.amount_min is None and contract.amount_max is None
    assert contract.extra["offer_range"][0] == {"low": "895000.00", "high": "1699000.00", "currency": "NOK"}
    assert contract.offers_received == 6
    assert contract.award_date == dt.date(2019, 9, 24)


def test_highways_framework_groups_and_repeated_values() -> None:
    record = _parse("21-000061-001-EXP.xml")
    assert record.source_id == "3543-2021"
    assert record.buyer is not None
    assert (record.buyer.name, record.buyer.country) == ("Highways England", "GB")
    assert record.relations == []
    lots = _by_lot(record)
    assert _roles(lots["1"]) == [
        ("winner", "Amey OW Ltd"), ("member", "ATKINS Ltd"), ("member", "Jacobs UK Ltd"),
        ("winner", "Costain Ltd"), ("member", "Arcadis Consulting (UK) Ltd"),
        ("member", "Pell Frischmann Consulting Engineers Ltd"), ("member", "TRL Ltd"),
        ("winner", "Ove Arup and Partners Ltd"), ("winner", "WSP UK Ltd")]
    assert lots["1"].parties[1].extra["group"] == lots["1"].parties[2].extra["group"] == "2"
    assert (lots["1"].amount, lots["1"].currency) == (Decimal("250000000"), "GBP")
    assert "amount-same-for-each-winner" in lots["1"].flags
    assert lots["1"].award_date == dt.date(2020, 9, 9)
    assert lots["1"].subcontracting["likely"] is True
    assert lots["1"].subcontracting["percent"] == Decimal("30")
    assert [name for _, name in _roles(lots["2"])] == [
        "Arcadis Consulting (UK) Ltd", "Jacobs UK Ltd", "Ove Arup and Partners Ltd",
        "Pricewaterhousecoopers LLP", "Rowsell Wright Ltd", "Turner and Townsend Contract Services Ltd"]
    assert {role for role, _ in _roles(lots["2"])} == {"winner"}
    assert lots["2"].amount == Decimal("50000000")
    assert lots["2"].offers_received == 8
    assert sum(len(contract.parties) for contract in record.contracts) == 15


def test_mulhouse_veat_concession() -> None:
    record = _parse("21-149886-001-EXP.xml")
    assert record.source_id == "147836-2021"
    assert record.publication_date == dt.date(2021, 3, 24)
    assert record.kind == "award"
    assert record.links == []
    (contract,) = record.contracts
    assert contract.lot == ""
    assert _roles(contract) == [("winner", "Télécom services")]
    assert (contract.amount, contract.currency) == (Decimal("3000000"), "EUR")
    assert contract.procedure == "neg-wo-call"
    assert contract.award_date == dt.date(2021, 2, 24)
    assert [r.target_url for r in record.relations] == ["https://marchespublics-ch-mulhouse.omnikles.com"]


def test_vienna_single_contractor() -> None:
    record = _parse("21-362579-001-EXP.xml")
    assert record.source_id == "353237-2021"
    assert record.schema_version == "ted-R2.0.9.S04.E01/F03_2014"
    (contract,) = record.contracts
    assert _roles(contract) == [("winner", "ITBinder GmbH")]
    assert (contract.parties[0].org.national_id, contract.parties[0].org.country) == ("9110016767246", "AT")
    assert contract.amount == Decimal("1220020")
    assert contract.procedure == "neg-w-call"
    assert contract.offers_received == 2
    assert [(link.kind, link.source_id) for link in record.links] == [("previous", "183831-2020")]


def test_malopolska_joint_procurement() -> None:
    record = _parse("002705-2021.xml")
    assert record.source_id == "2705-2021"
    assert record.publication_date == dt.date(2021, 1, 5)
    assert record.buyer is not None
    assert record.buyer.name == "Województwo Małopolskie – Urząd Marszałkowski Województwa Małopolskiego"
    (contract,) = record.contracts
    assert _roles(contract) == [("winner", "Tauron Sprzedaż Sp. z o.o.")]
    co_buyers = [p for p in contract.parties if p.role == "buyer"]
    assert len(co_buyers) == 46
    assert co_buyers[0].org.name == "Biblioteka Pedagogiczna w Tarnowie"
    assert contract.amount is None
    assert contract.extra["offer_range"] == {"low": "9164708.23", "high": "9202657.34", "currency": "PLN"}
    assert contract.extra["estimated_value"] == "7713232.20"
    assert contract.offers_received == 2
    assert contract.award_date == dt.date(2020, 11, 25)
    assert [r.target_url for r in record.relations] == ["http://bip.malopolska.pl/umwm/"]
    assert record.websites == [(record.buyer, "http://www.malopolska.pl")]  # not repeated per co-buyer


# ---- dispatcher ------------------------------------------------------------------------------------------


def test_dispatcher_reads_every_r209_sample() -> None:
    for path in sorted(R209.glob("*.xml")):
        assert parse_ted_notice(path.read_bytes()).source_id == parse_ted_export(path.read_bytes()).source_id


@pytest.mark.parametrize("payload", [b"<foo/>", b'<ANNONCE><GESTION/></ANNONCE>',
                                     b'<TED_EXPORT xmlns="urn:other"/>'])
def test_dispatcher_refuses_other_roots(payload: bytes) -> None:
    with pytest.raises(ParseError, match="not a TED notice"):
        parse_ted_notice(payload)


def test_dispatcher_refuses_bombs() -> None:
    with pytest.raises(ParseError, match="entities"):
        parse_ted_notice(b'<!DOCTYPE x [<!ENTITY a "b">]><TED_EXPORT>&a;</TED_EXPORT>')


def test_other_ted_export_versions_are_refused_not_misread() -> None:
    payload = b'<TED_EXPORT xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.8/publication"/>'
    with pytest.raises(ParseError, match="unsupported TED_EXPORT schema"):
        parse_ted_notice(payload)


def test_ted_export_without_form_is_refused() -> None:
    payload = (b'<TED_EXPORT xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9/publication">'
               b"<FORM_SECTION/></TED_EXPORT>")
    with pytest.raises(ParseError, match="without a form"):
        parse_ted_export(payload)
