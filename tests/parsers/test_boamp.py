"""The BOAMP parser on the real samples (data/samples/boamp, see its SOURCES.md), plus synthetic inputs.

Every real notice has its winners, roles, lots and amounts asserted with values read by hand from the
file. Shapes for which no real sample exists (FNSimple, MAPA, `annonce_lie` values, eForms-era records)
are tested on small dicts explicitly marked SYNTHETIC; the eForms test wraps a real eForms notice in a
synthetic BOAMP envelope.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from samples import BOAMP, TED_156_2025
from samples import FIXTURES as TEST_FIXTURES

from soustrace.parsers.boamp.notice import iter_boamp_xml, parse_boamp_record, parse_boamp_xml
from soustrace.records import NoticeRecord, ParseError, PartyRecord

FIXTURES = BOAMP
ODS_PAGE = TEST_FIXTURES / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"


def xml_notice(idweb: str) -> NoticeRecord:
    return parse_boamp_xml((FIXTURES / f"boamp_xml_v230_{idweb}.xml").read_bytes())


def ods_records() -> list[dict]:
    return json.loads(ODS_PAGE.read_text(encoding="utf-8"))["results"]


def parties(notice: NoticeRecord) -> list[PartyRecord]:
    return [party for contract in notice.contracts for party in contract.parties]


def platforms(notice: NoticeRecord) -> dict[str, str]:
    return {rel.target_url: rel.role for rel in notice.relations if rel.kind == "uses-platform"}


# ---- real award notices (DILA XML V230) ---------------------------------------------------------------


def test_16_185754_groupement_roles_from_name_markers() -> None:
    notice = xml_notice("16-185754")
    assert (notice.source, notice.source_id, notice.kind) == ("boamp", "16-185754", "award")
    assert notice.publication_date == dt.date(2017, 1, 13)
    assert notice.schema_version == "V230"
    assert notice.content_type == "application/xml"
    assert notice.url == "https://www.boamp.fr/pages/avis/?q=idweb:16-185754"
    assert notice.buyer is not None and notice.buyer.name == "ville de Fécamp"
    assert [(link.kind, link.source_id) for link in notice.links] == [("previous", "15-14160")]
    assert platforms(notice) == {"http://marches-publics.sis-marches.com/fcmp/": "buyer-profile"}
    [contract] = notice.contracts
    assert contract.lot == "2016-52"
    assert (contract.amount, contract.currency) == (Decimal("348852"), "EUR")
    assert contract.award_date == dt.date(2016, 12, 26)
    assert contract.offers_received == 3
    assert contract.cpv == "45212100"
    assert contract.procedure == "DIALOGUE_COMPETITIF"
    assert [(p.role, p.org.name) for p in contract.parties] == [
        ("lead", "CONCRETE WAVES SKATE PARKS"),
        ("member", "SPORT DES VILLES"),
        ("member", "LAURENCE CREMEL PAYSAGISTE"),
    ]
    lead, member, _ = contract.parties
    assert lead.evidence.text == "CONCRETE WAVES SKATE PARKS(Mandataire)"
    assert lead.evidence.path == "DONNEES/ATTRIBUTION/DECISION[0]/TITULAIRE[0]/DENOMINATION"
    assert member.evidence.text == "SPORT DES VILLES(co-traitant)"
    assert (lead.amount, member.amount) == (Decimal("348852"), None)  # only the mandataire's RENSEIGNEMENT has it
    assert lead.org.address == "148 avenue Jean Jaurès, 40220 TARNOS"
    assert notice.websites == [(notice.buyer, "http://www.ville-fecamp.fr")]


def test_16_183123_lots_awarded_without_winner_are_contracts_without_parties() -> None:
    notice = xml_notice("16-183123")
    assert notice.kind == "award"
    assert [c.lot for c in notice.contracts] == ["1", "2", "3"]
    assert all(c.parties == [] for c in notice.contracts)
    assert all(c.amount is None and "not-awarded" not in c.flags for c in notice.contracts)
    assert notice.contracts[0].extra["decision"] == ["ATTRIBUE"]
    assert [(link.kind, link.source_id) for link in notice.links] == [
        ("previous", "16-155545"), ("previous", "16-159242")]
    assert notice.buyer is not None and notice.buyer.name == "Ville de Troyes"
    assert notice.buyer.email == "commande.publique@ville-troyes.fr"
    assert platforms(notice) == {"http://www.xmarches.fr": "buyer-profile"}
    assert notice.texts["lot:2:description"].startswith("Ce lot a pour objet de confier")


def test_16_138580_entity_decoded_and_total_value_of_a_single_award() -> None:
    notice = xml_notice("16-138580")
    [contract] = notice.contracts
    [winner] = contract.parties
    assert (winner.role, winner.org.name, winner.org.national_id) == ("winner", "SARL ENVIRONNEMENT & SOLUTIONS", None)
    assert winner.evidence.text == "SARL ENVIRONNEMENT & SOLUTIONS"
    assert contract.lot == ""
    assert contract.award_date == dt.date(2017, 2, 6)  # ATTRIBUTION/DATE_DECISION
    assert (contract.amount, contract.currency) == (Decimal("38820"), "EUR")  # ATTRIBUTION/VALEUR_TOTALE
    assert "amount-from-total-value" in contract.flags
    assert notice.publication_date == dt.date(2017, 2, 14)


def test_17_1028_single_winner_and_amount() -> None:
    notice = xml_notice("17-1028")
    [contract] = notice.contracts
    assert [(p.role, p.org.name) for p in contract.parties] == [("winner", "Moter")]
    assert (contract.amount, contract.currency) == (Decimal("159691.6"), "EUR")
    assert contract.award_date == dt.date(2016, 11, 18)
    assert contract.flags == []
    assert contract.title == (
        "Aménagement d'un parking de 116 places sur le site du parc cimetière rive gauche à Mérignac")
    assert notice.buyer is not None and notice.buyer.name == "Bordeaux Métropole"
    assert platforms(notice) == {"http://www.demat-ampa.fr": "buyer-profile"}
    assert notice.links[0].source_id == "16-36319"


def test_17_1515_five_winners_amount_undefined() -> None:
    notice = xml_notice("17-1515")
    [contract] = notice.contracts
    assert [(p.role, p.org.name) for p in contract.parties] == [
        ("winner", "ADIPAP"), ("winner", "KEMIRA FRANCE SAS"), ("winner", "OTV SUD AFRIQUE"),
        ("winner", "SAS SNF"), ("winner", "DIAGONAL WATER TREATMENT"),
    ]
    assert contract.amount is None and contract.amount_min is None and contract.amount_max is None
    assert contract.extra["amount_undefined"] is True
    assert contract.offers_received == 6
    assert contract.award_date == dt.date(2016, 12, 29)
    assert contract.cpv == "24542000"
    assert [p.evidence.path for p in contract.parties][4] == "DONNEES/ATTRIBUTION/DECISION[0]/TITULAIRE[4]/DENOMINATION"


def test_17_29167_framework_minimum_maximum_and_subcontracting_flag() -> None:
    notice = xml_notice("17-29167")
    [contract] = notice.contracts
    assert [p.org.name for p in contract.parties] == ["ADECCO MEDICAL", "SELECT TT APPEL MEDICAL", "TROOPS IZUMA"]
    assert all(p.role == "winner" for p in contract.parties)
    assert contract.amount is None
    assert (contract.amount_min, contract.amount_max, contract.currency) == (Decimal("5000"), Decimal("60000"), "EUR")
    assert contract.subcontracting == {"likely": False}
    assert contract.award_date == dt.date(2017, 1, 31)
    assert contract.offers_received == 4
    assert contract.cpv == "79620000"


EXPECTED_17_2599 = {
    "1": ("Brake France Service", "130000"), "2": ("Brake France Service", "60000"),
    "3": ("Brake France Service", "15000"), "4": ("Société de Distribution Avicole Sda", "45000"),
    "5": ("Générale Frigorifique Distribution Lerda", "65000"), "6": ("Brake France Service", "40000"),
    "7": ("Davigel", "10000"), "8": ("Terreazur Pomona", "30000"), "10": ("Brake France Service", "150000"),
    "11": ("Nectarys Sarl", "13000"), "12": ("Felix Potin Provence", "65000"),
    "14": ("Pro A Pro Distribution Sud", "40000"), "15": ("Passion Froid Groupe Pomona", "4500"),
    "16": ("Nectarys Sarl", "3000"), "17": ("les-repas-sante", "20000"), "18": ("les-repas-sante", "6500"),
    "20": ("Paindor Toulon Sas", "90000"), "21": ("Sarl Boulangerie-Patisserie Lapierre", "4500"),
}


def test_17_2599_twenty_one_lots_eighteen_winners_three_unsuccessful() -> None:
    notice = xml_notice("17-2599")
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.national_id, notice.buyer.id_scheme, notice.buyer.country) == (
        "C.C.A.S. de Toulon", "26830066200015", "SIRET", "FR")
    assert platforms(notice) == {"http://www.marches-publics.info/acheteur/ccas-toulon/": "buyer-profile"}
    by_lot = {c.lot: c for c in notice.contracts}
    assert list(by_lot) == [str(n) for n in range(1, 22)]
    won = {lot: (c.parties[0].org.name, str(c.amount)) for lot, c in by_lot.items() if c.parties}
    assert won == EXPECTED_17_2599
    assert all(len(c.parties) == 1 and c.parties[0].role == "winner" for c in by_lot.values() if c.parties)
    for lot in ("9", "13", "19"):
        assert by_lot[lot].parties == [] and by_lot[lot].flags == ["not-awarded"]
        assert by_lot[lot].extra["decision"] == ["INFRUCTUEUX"]
    assert by_lot["9"].title == "boissons"
    lot1 = by_lot["1"]
    assert (lot1.title, lot1.cpv, lot1.offers_received, lot1.award_date, lot1.currency) == (
        "surgelés viande poisson légumes", "15896000", 3, dt.date(2016, 10, 20), "EUR")
    assert lot1.subcontracting == {"likely": False}
    assert (by_lot["20"].cpv, by_lot["21"].cpv) == ("15811000", "15812100")
    assert lot1.parties[0].extra["sme"] is False and by_lot["4"].parties[0].extra["sme"] is True
    assert lot1.parties[0].org.country == "FR"  # from the winner's CODE_NUTS FR813
    assert notice.texts["additional_info"].startswith("Le dossier est consultable")


def test_every_party_carries_evidence_from_the_boamp_extractor() -> None:
    for path in sorted(FIXTURES.glob("boamp_xml_*.xml")):
        notice = parse_boamp_xml(path.read_bytes())
        assert notice.raw == path.read_bytes()
        for party in parties(notice):
            assert party.evidence.extractor == "boamp" and party.evidence.extractor_version
            assert party.evidence.path.startswith("DONNEES/ATTRIBUTION/DECISION[")
            assert party.evidence.text.strip()


# ---- real calls for tenders ---------------------------------------------------------------------------


@pytest.mark.parametrize(("idweb", "buyer", "platform_urls"), [
    ("16-181902", "Grand Port Maritime de Marseille",
     {"http://www.marseille-publics.gouv.fr": "buyer-profile", "http://www.marches-publics.gouv.fr": "documents"}),
    ("16-186063", "SEMMY", {"http://www.semmy.fr": "documents"}),
    ("16-186394", "Ville de Paris", {"https://marches.maximilien.fr": "buyer-profile"}),
    ("16-652", "CHU St Etienne", {"http://www.achats-hopitaux.com": "buyer-profile"}),
    ("17-22464", "Cté de Cnes Pyrénées Audoises", {"http://cc-pyreneesaudoises.e-marchespublics.com": "buyer-profile"}),
])
def test_calls_for_tenders_have_no_winners(idweb: str, buyer: str, platform_urls: dict[str, str]) -> None:
    notice = xml_notice(idweb)
    assert notice.kind == "call"
    assert notice.contracts == []
    assert notice.buyer is not None and notice.buyer.name == buyer
    assert platforms(notice) == platform_urls
    assert notice.texts


def test_call_texts_keep_lots_for_nlp() -> None:
    notice = xml_notice("16-186394")
    assert notice.texts["lot:1:title"] == "Prestations de remorquage pour les véhicules légers de la ville de Paris"
    assert notice.texts["lot:2:title"] == "Prestations de remorquage pour les poids lourds de la ville de Paris"
    assert notice.texts["title"].startswith("2016 DFA 167")
    assert notice.websites == [(notice.buyer, "http://www.paris.fr")]
    assert "\x92" not in xml_notice("16-181902").texts["additional_info"]  # cp1252 quote repaired


# ---- the real OpenDataSoft API page ----------------------------------------------------------------------


BUYERS = [
    "ville de Chenôve", "trésorerie générale de Rennes",
    "conseil régional d'Aquitaine ; mandataire: SATEL (24 bd Saint Vincent de Paul, 40994 Saint-Paul-lès-Dax)",
    "conseil général de la Mayenne, direction des finances, de l'administration générale et de l'informatique, "
    "service juridique et marchés publics",
    "communauté de communes de Seille et Mauchère", "SAVTB 55", "ville de Dunkerque", "communaupole de Lens-Liévin",
    "MINDEF/DGA/SMA", "communauté urbaine de Cherbourg", "direction Départementale de l'équipement de la Moselle",
    "direction Départementale de l'equipement de la Moselle",
    "sem Ville Renouvelée agissant au nom et pour le compte de la Ville de Roubaix", "commune de Wattignies",
    "ville de Pecquencourt", "chambre de commerce et d'industrie de Calais, établissement public de l'Etat",
    "commune de Biaudos", "conseil général des Pyrénées-Atlantiques, D.E.C.S.",
    "voies Navigables de France, direction interrégionale de Strasbourg",
    "groupement de commandes publiques entre la communauté de communes des vallées d'Aigueblanche et le "
    "syndicat mixte des eaux des plans",
]


def test_ods_page_all_twenty_records_parse() -> None:
    records = ods_records()
    notices = [parse_boamp_record(record) for record in records]
    assert len(notices) == 20
    assert [n.source_id for n in notices] == [r["idweb"] for r in records]
    assert [n.buyer.name if n.buyer else None for n in notices] == BUYERS
    kinds = {n.source_id: n.kind for n in notices}
    assert kinds.pop("BWP06181000031P") == "cancellation"  # etat ANNULATION
    assert kinds.pop("BWP06184060013B") == "rectification"  # etat RECTIFICATIF
    assert set(kinds.values()) == {"call"}
    assert [n.publication_date for n in notices] == [dt.date(2006, 7, 4)] * 9 + [dt.date(2006, 7, 5)] * 11
    for notice, record in zip(notices, records, strict=True):
        assert notice.contracts == [] and not parties(notice)
        assert notice.schema_version == "V110"
        assert notice.url == record["url_avis"]
        assert notice.content_type == "application/json"
        assert json.loads(notice.raw) == record
        assert notice.texts["object"]


def test_ods_record_details_v110() -> None:
    first = parse_boamp_record(ods_records()[0])
    assert first.buyer is not None
    assert first.buyer.email == "marches.publics@ville-chenove.fr"
    assert first.buyer.address == "2, place Pierre-Meunier, B.P. 130, 21300 Chenôve"
    assert platforms(first) == {"http://marches.e-bourgogne.fr/acces_direct.php?id=11593": "documents"}
    cancelled = parse_boamp_record(ods_records()[1])
    assert "annuler la procédure" in cancelled.texts["rectification"]


def test_raw_payload_is_kept_as_given() -> None:
    record = ods_records()[0]
    raw = json.dumps(record).encode()
    assert parse_boamp_record(record, raw).raw == raw


def test_non_padded_gestion_date_is_the_fallback() -> None:
    # Derived from a real record: dateparution removed, gestion's "2006-07-4" must then be read.
    record = dict(ods_records()[0], dateparution=None)
    assert json.loads(record["gestion"])["INDEXATION"]["DATE_PUBLICATION"] == "2006-07-4"
    assert parse_boamp_record(record).publication_date == dt.date(2006, 7, 4)


def test_api_record_and_xml_notice_read_by_the_same_parser() -> None:
    # Derived from a real notice: its DONNEES as the API would serialise it (text + "@DEVISE" attributes).
    xml = xml_notice("16-185754")
    donnees = {
        "IDENTITE": {"DENOMINATION": "ville de Fécamp", "URL": "http://www.ville-fecamp.fr",
                     "URL_PROFIL_ACHETEUR": "http://marches-publics.sis-marches.com/fcmp/"},
        "OBJET": {"OBJET_COMPLET": "Mise en oeuvre d'une aire de glisse", "CPV": {"PRINCIPAL": "45212100"}},
        "PROCEDURE": {"TYPE_PROCEDURE": {"DIALOGUE_COMPETITIF": ""}},
        "ATTRIBUTION": {"ATTRIBUE_PAR_LOTS_MARCHES": "", "DECISION": {
            "ATTRIBUE": "", "NUM_LOT": "2016-52",
            "TITULAIRE": [
                {"DENOMINATION": "CONCRETE WAVES SKATE PARKS(Mandataire)", "ADRESSE": "148 avenue Jean Jaurès",
                 "CP": "40220", "VILLE": "TARNOS"},
                {"DENOMINATION": "SPORT DES VILLES(co-traitant)"},
                {"DENOMINATION": "LAURENCE CREMEL PAYSAGISTE(Co-traitant)"},
            ],
            "RENSEIGNEMENT": [
                {"DATE_ATTRIBUTION": "2016-12-26", "NB_OFFRE_RECU": "3",
                 "MONTANT": {"@DEVISE": "EUR", "#text": "348852"}},
                {"DATE_ATTRIBUTION": "2016-12-26"},
                {"DATE_ATTRIBUTION": "2016-12-26"},
            ],
        }},
    }
    record = {"idweb": "16-185754", "nature": "ATTRIBUTION", "dateparution": "2017-01-13",
              "url_avis": "https://www.boamp.fr/pages/avis/?q=idweb:16-185754", "source_schema": "Boamp_v230.xsd",
              "donnees": json.dumps(donnees)}
    api = parse_boamp_record(record)
    [a], [x] = api.contracts, xml.contracts
    assert [(p.role, p.org.name, p.amount) for p in a.parties] == [(p.role, p.org.name, p.amount) for p in x.parties]
    assert (a.lot, a.amount, a.currency, a.award_date, a.offers_received, a.cpv, a.procedure) == (
        x.lot, x.amount, x.currency, x.award_date, x.offers_received, x.cpv, x.procedure)
    assert a.parties[0].evidence.path == "donnees/ATTRIBUTION/DECISION[0]/TITULAIRE[0]/DENOMINATION"
    assert api.relations[0].evidence.path == "donnees/IDENTITE/URL_PROFIL_ACHETEUR"
    assert (api.kind, api.schema_version, api.publication_date) == ("award", "V230", dt.date(2017, 1, 13))


# ---- malformed input -----------------------------------------------------------------------------------


def test_donnees_not_json_is_a_parse_error() -> None:
    record = dict(ods_records()[0], donnees="{not json")
    with pytest.raises(ParseError, match="donnees is not valid JSON"):
        parse_boamp_record(record)


def test_donnees_unknown_root_is_a_parse_error_naming_it() -> None:
    record = dict(ods_records()[0], donnees=json.dumps({"FOO": {"BAR": 1}}))
    with pytest.raises(ParseError, match=r"donnees has an unknown root \(FOO\)"):
        parse_boamp_record(record)
    with pytest.raises(ParseError, match="JSON list"):
        parse_boamp_record(dict(record, donnees="[1, 2]"))
    with pytest.raises(ParseError, match="empty object"):
        parse_boamp_record(dict(record, donnees="{}"))


def test_record_without_idweb_is_a_parse_error() -> None:
    record = {k: v for k, v in ods_records()[0].items() if k not in ("idweb", "id")}
    with pytest.raises(ParseError, match="idweb"):
        parse_boamp_record(record)


def test_xml_with_entity_declarations_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE ANNONCE [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<ANNONCE><GESTION><REFERENCE><IDWEB>&b;</IDWEB></REFERENCE></GESTION></ANNONCE>")
    with pytest.raises(ParseError, match="entities"):
        parse_boamp_xml(bomb)
    with pytest.raises(ParseError, match="malformed XML"):
        parse_boamp_xml(b"<ANNONCE><GESTION></ANNONCE>")


# ---- SYNTHETIC: shapes without a real sample -------------------------------------------------------------


def synthetic_xml(decision: str, date: str = "2017-01-04", nature: str = "<ATTRIBUTION/>") -> bytes:
    """SYNTHETIC minimal V230-like notice around one ATTRIBUTION block."""
    return (f"<ANNONCE><GESTION><REFERENCE><IDWEB>99-1</IDWEB><TYPE_AVIS><NATURE>{nature}</NATURE>"
            f"<STATUT><INITIAL/></STATUT></TYPE_AVIS></REFERENCE><INDEXATION><DATE_PUBLICATION>{date}"
            f"</DATE_PUBLICATION></INDEXATION></GESTION><DONNEES><IDENTITE><DENOMINATION>Commune X."
            f"</DENOMINATION><CODE_IDENT_NATIONAL>213 500 238 00017</CODE_IDENT_NATIONAL></IDENTITE>"
            f"<ATTRIBUTION>{decision}</ATTRIBUTION></DONNEES></ANNONCE>").encode()


def test_synthetic_several_companies_in_one_name_and_subcontractor_marker() -> None:
    notice = parse_boamp_xml(synthetic_xml(
        "<DECISION><TITULAIRE><DENOMINATION>ALPHA SAS (mandataire) / BETA SARL (co-traitant)</DENOMINATION>"
        "<CODE_IDENT_NATIONAL>552 100 554 00013</CODE_IDENT_NATIONAL></TITULAIRE>"
        "<RENSEIGNEMENT><MONTANT DEVISE='EUR'>1 200,50</MONTANT><SOUSTRAITANCE_OUI/></RENSEIGNEMENT>"
        "<TITULAIRE><DENOMINATION>GAMMA sous-traitant</DENOMINATION></TITULAIRE></DECISION>",
        date="2006-07-4"))
    assert notice.publication_date == dt.date(2006, 7, 4)
    assert notice.buyer is not None and notice.buyer.name == "Commune X"
    assert (notice.buyer.national_id, notice.buyer.id_scheme) == ("213 500 238 00017", "SIRET")
    [contract] = notice.contracts
    assert [(p.role, p.org.name) for p in contract.parties] == [
        ("lead", "ALPHA SAS"), ("member", "BETA SARL"), ("subcontractor", "GAMMA")]
    alpha = contract.parties[0]
    assert (alpha.org.national_id, alpha.org.id_scheme) == ("552 100 554 00013", "SIRET")
    assert alpha.evidence.text == "ALPHA SAS (mandataire) / BETA SARL (co-traitant)"
    assert alpha.extra["segment"] == "ALPHA SAS (mandataire)"
    assert (contract.amount, contract.currency) == (Decimal("1200.50"), "EUR")
    assert contract.subcontracting == {"likely": True}


def test_synthetic_decisions_without_lot_numbers_get_distinct_lots() -> None:
    notice = parse_boamp_xml(synthetic_xml(
        "<DECISION><TITULAIRE><DENOMINATION>A</DENOMINATION></TITULAIRE></DECISION>"
        "<DECISION><TITULAIRE><DENOMINATION>B</DENOMINATION></TITULAIRE></DECISION>"))
    assert [(c.lot, c.extra["lot_as_written"]) for c in notice.contracts] == [("#1", ""), ("#2", "")]


def test_synthetic_winners_under_other_element_names() -> None:
    wrapped = parse_boamp_xml(synthetic_xml(
        "<DECISION><NUM_LOT>2</NUM_LOT><TITULAIRES><TITULAIRE><DENOMINATION>DELTA</DENOMINATION></TITULAIRE>"
        "<TITULAIRE><DENOMINATION>EPSILON (co-traitant)</DENOMINATION></TITULAIRE></TITULAIRES>"
        "<RENSEIGNEMENT><MONTANT DEVISE='EUR'>900</MONTANT></RENSEIGNEMENT></DECISION>"))
    [contract] = wrapped.contracts
    assert (contract.lot, contract.amount) == ("2", Decimal("900"))
    assert [(p.role, p.org.name) for p in contract.parties] == [("winner", "DELTA"), ("member", "EPSILON")]
    assert contract.parties[1].evidence.path == "DONNEES/ATTRIBUTION/DECISION[0]/TITULAIRES/TITULAIRE[1]/DENOMINATION"
    no_decision = parse_boamp_xml(synthetic_xml(
        "<LOT><NUM_LOT>4</NUM_LOT><ATTRIBUTAIRE><NOM>ZETA SA</NOM></ATTRIBUTAIRE></LOT>"))
    assert [(c.lot, [p.org.name for p in c.parties]) for c in no_decision.contracts] == [("4", ["ZETA SA"])]


def test_synthetic_multi_notice_file() -> None:
    one = (FIXTURES / "boamp_xml_v230_17-1028.xml").read_bytes().split(b"?>", 1)[1]
    two = (FIXTURES / "boamp_xml_v230_17-29167.xml").read_bytes().split(b"?>", 1)[1]
    bundle = b"<ANNONCES>" + one + two + b"</ANNONCES>"
    with pytest.raises(ParseError, match="2 ANNONCE"):
        parse_boamp_xml(bundle)
    notices = list(iter_boamp_xml(bundle))
    assert [n.source_id for n in notices] == ["17-1028", "17-29167"]
    assert notices[0].raw.startswith(b"<?xml") and b"17-29167" not in notices[0].raw


def synthetic_record(**fields: object) -> dict:
    """SYNTHETIC flat API record with the fields these tests vary."""
    base = {"idweb": "24-1", "id": "24-1", "nature": "ATTRIBUTION", "dateparution": "2024-06-03",
            "nomacheteur": "Commune Y.", "titulaire": None, "annonce_lie": None, "annonces_anterieures": None,
            "source_schema": None, "url_avis": "https://www.boamp.fr/pages/avis/?q=idweb:24-1", "donnees": None}
    return {**base, **fields}


def test_synthetic_links_from_annonce_lie_and_annonces_anterieures() -> None:
    anterieures = json.dumps({"ANNONCE_ANTERIEUR": [
        {"REFERENCE": {"IDWEB": "14-151460"}, "REFERENCE_PUBLICATION": {"DATE_PUBLICATION": "2014-10-15"}},
        {"REFERENCE": {"IDWEB": "14-151999"}}]})
    notice = parse_boamp_record(synthetic_record(nature="RECTIFICATIF", annonce_lie=["24-12345"],
                                                 annonces_anterieures=anterieures))
    assert notice.kind == "rectification"
    assert [(link.kind, link.source, link.source_id) for link in notice.links] == [
        ("rectification", "boamp", "24-12345"), ("previous", "boamp", "14-151460"),
        ("previous", "boamp", "14-151999")]  # no "10-15" taken from the date
    assert parse_boamp_record(synthetic_record(nature="ANNULATION", annonce_lie="24-777")).links[0].kind == (
        "cancellation")


def test_synthetic_flat_titulaire_when_donnees_names_nobody() -> None:
    notice = parse_boamp_record(synthetic_record(titulaire=["ACME (mandataire)", "  Beta Ingénierie  "]))
    assert notice.buyer is not None and notice.buyer.name == "Commune Y"
    [contract] = notice.contracts
    assert contract.lot == ""
    assert [(p.role, p.org.name, p.evidence.path, p.evidence.text) for p in contract.parties] == [
        ("lead", "ACME", "titulaire[0]", "ACME (mandataire)"),
        ("winner", "Beta Ingénierie", "titulaire[1]", "  Beta Ingénierie  ")]  # evidence: text as written


FNSIMPLE = {  # SYNTHETIC, keys as documented in reference/sources.md and third-party parsers
    "FNSimple": {
        "organisme": {"nomOfficiel": "COMMUNE DE SAINT-EXEMPLE", "codeIdentificationNational": "21490001200015",
                      "cp": "49000", "ville": "Saint-Exemple"},
        "initial": {
            "communication": {"urlProfilAch": "https://marches.example.fr"},
            "natureMarche": {"intitule": "Refonte du site internet", "description": "Refonte et hébergement.",
                             "codeCPV": {"objetPrincipal": {"classPrincipale": "72413000"}}},
        },
        "attribution": {"lots": [
            {"numLot": "1", "intitule": "Site", "titulaire": {
                "denomination": "WEBCO (mandataire)", "siret": "55210055400013", "montant": "25000"}},
            {"numLot": "2", "intitule": "Hébergement", "titulaires": [
                {"denomination": "HOSTCO"}, {"denomination": "NETCO (co-traitant)"}]},
        ]},
    }
}


def test_synthetic_fnsimple_award() -> None:
    notice = parse_boamp_record(synthetic_record(donnees=json.dumps(FNSIMPLE)))
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.national_id, notice.buyer.id_scheme) == (
        "COMMUNE DE SAINT-EXEMPLE", "21490001200015", "SIRET")
    assert platforms(notice) == {"https://marches.example.fr": "buyer-profile"}
    assert notice.texts["title"] == "Refonte du site internet"
    by_lot = {c.lot: c for c in notice.contracts}
    assert [(p.role, p.org.name, p.org.national_id) for p in by_lot["1"].parties] == [
        ("lead", "WEBCO", "55210055400013")]
    assert (by_lot["1"].amount, by_lot["1"].title, by_lot["1"].cpv) == (Decimal("25000"), "Site", "72413000")
    assert [(p.role, p.org.name) for p in by_lot["2"].parties] == [("winner", "HOSTCO"), ("member", "NETCO")]
    assert by_lot["1"].parties[0].evidence.path == "donnees/FNSimple/attribution/lots[0]/titulaire/denomination"


def test_synthetic_fnsimple_call_has_no_winners() -> None:
    call = copy.deepcopy(FNSIMPLE)
    del call["FNSimple"]["attribution"]
    notice = parse_boamp_record(synthetic_record(nature="APPEL_OFFRE", donnees=json.dumps(call)))
    assert (notice.kind, notice.contracts) == ("call", [])
    assert notice.texts["description"] == "Refonte et hébergement."


def test_synthetic_mapa_buyer_and_flat_winner() -> None:
    mapa = {"MAPA": {  # SYNTHETIC
        "organisme": {"acheteurPublic": "Mairie de Z", "adr": {"voie": {"nomvoie": "1 place de la Mairie"},
                                                               "cp": "12000", "ville": "Z"},
                      "coord": {"mel": "marches@z.fr"}, "urlProfilAcheteur": "https://z.achatpublic.com"},
        "initial": {"description": {"objet": "Maintenance informatique"}}}}
    notice = parse_boamp_record(synthetic_record(donnees=json.dumps(mapa), titulaire=["INFOSERV"]))
    assert notice.buyer is not None
    assert (notice.buyer.name, notice.buyer.address, notice.buyer.email) == (
        "Mairie de Z", "1 place de la Mairie, 12000 Z", "marches@z.fr")
    assert platforms(notice) == {"https://z.achatpublic.com": "buyer-profile"}
    assert notice.texts["title"] == "Maintenance informatique"
    assert [(p.role, p.org.name) for p in parties(notice)] == [("winner", "INFOSERV")]


# ---- eForms era: a real eForms notice in a SYNTHETIC BOAMP envelope ----------------------------------------


def test_eforms_notice_is_relabelled_as_the_boamp_notice() -> None:
    ubl = (TED_156_2025).read_bytes().split(b"?>", 1)[1]
    raw = (b"<?xml version='1.0' encoding='UTF-8'?><ANNONCE><GESTION><REFERENCE><IDWEB>25-12345</IDWEB>"
           b"<TYPE_AVIS><NATURE><ATTRIBUTION/></NATURE></TYPE_AVIS></REFERENCE><INDEXATION>"
           b"<DATE_PUBLICATION>2025-03-05</DATE_PUBLICATION></INDEXATION></GESTION><DONNEES><EFORMS>"
           + ubl + b"</EFORMS></DONNEES></ANNONCE>")
    notice = parse_boamp_xml(raw)
    assert (notice.source, notice.source_id, notice.kind) == ("boamp", "25-12345", "award")
    assert notice.url == "https://www.boamp.fr/pages/avis/?q=idweb:25-12345"
    assert notice.publication_date == dt.date(2025, 3, 5)
    assert notice.raw == raw
    assert notice.buyer is not None and notice.buyer.national_id == "13001651200019"
    assert sorted(c.lot for c in notice.contracts) == ["LOT-0001", "LOT-0003"]
    for contract in notice.contracts:
        assert contract.amount == Decimal("224675")
        assert sorted(p.role for p in contract.parties) == ["lead", "member", "subcontractor"]
        ids = {p.role: p.org.national_id for p in contract.parties}
        assert ids == {"lead": "82922038300022", "member": "40775375500021", "subcontractor": "40300483100034"}
        assert all(p.evidence.path.startswith("DONNEES/EFORMS/") for p in contract.parties)

    # The same document as an API record: `donnees` = {"EFORMS": {...}} as JSON.
    from soustrace.parsers.boamp.notice import _element_value  # the XML → donnees conversion itself
    from soustrace.parsers.xml import parse_xml

    donnees = _element_value(parse_xml(raw))["DONNEES"]
    record = synthetic_record(idweb="25-12345", donnees=json.dumps(donnees), titulaire=["EDITIONS KIRO"])
    api = parse_boamp_record(record)
    assert (api.source, api.source_id, api.publication_date) == ("boamp", "25-12345", dt.date(2024, 6, 3))
    assert sorted(c.lot for c in api.contracts) == ["LOT-0001", "LOT-0003"]
    assert len(parties(api)) == 6  # flat `titulaire` not used: donnees named the winners
    assert all(p.evidence.path.startswith("donnees/EFORMS/") for p in parties(api))


# ---- the parser's real output through the store -------------------------------------------------------------


def test_parsed_samples_store_cleanly_and_idempotently(engine) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from soustrace.models import Contract, PartyRole, Reject
    from soustrace.pipelines.store import Store

    notices = [parse_boamp_xml(p.read_bytes()) for p in sorted(FIXTURES.glob("boamp_xml_*.xml"))]
    notices += [parse_boamp_record(record) for record in ods_records()]
    store = Store(engine)
    stats = store.add_all(notices)
    assert (stats.stored, stats.rejects) == (32, 0)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Contract)) == 29  # 1+3+1+1+1+1+21
        assert session.scalar(select(func.count()).select_from(PartyRole)) == 31  # 1+3+1+5+3+18
        assert session.scalar(select(func.count()).select_from(Reject)) == 0
        lead = session.scalars(select(PartyRole).where(PartyRole.role == "lead")).one()
        assert lead.name_as_written == "CONCRETE WAVES SKATE PARKS"
    assert store.add_all(notices).duplicates == 32
