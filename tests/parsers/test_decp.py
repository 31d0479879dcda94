"""DECP parsing on real files (data/samples/decp/real), the official 2024 examples and labelled synthetic cases.

Provenance (see fixtures/decp/SOURCES.md):
* `real/`: real DECP records: two v1 JSON files republished by decp-json (470 and 4,530 records, the
  second with U+FFFD damage) and a real 9-row data.economie CSV extract (2022 format);
* `official_examples_fictitious/`: the OFFICIAL examples of the 2024 format (139bercy/format-commande-
  publique). Their data is FICTITIOUS (sousTraitant "214356", modifications dated before notification):
  tests using them check the parsing of the format, never facts about real companies;
* anything built inside a test is SYNTHETIC and says so; it is derived from the real records when possible.

Expected counts are computed independently with plain `json.load` / `csv`, not with the parser's helpers.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from samples import DECP_REAL

from soustrace.parsers.decp.stream import detect_format, iter_decp, iter_sirene_names, parse_decp_raw
from soustrace.parsers.decp.values import normalize_cpv, parse_amount, parse_date
from soustrace.records import ContractRecord, NoticeRecord, ParseError, PartyRecord, RejectRecord

FIXTURES = Path(__file__).parents[1] / "fixtures" / "decp"
REAL = DECP_REAL
OFFICIAL = FIXTURES / "official_examples_fictitious"  # FICTITIOUS data (official format examples)
EMP = REAL / "decp-json_v1_e-marchespublics.json"
AIFE = REAL / "decp-json_v1_data.gouv.fr_aife.json"
ECO_CSV = REAL / "data-economie_decp-2022-marches-valides_export_extract.csv"


def notices(records: list[NoticeRecord | RejectRecord]) -> list[NoticeRecord]:
    return [r for r in records if isinstance(r, NoticeRecord)]


def rejects(records: list[NoticeRecord | RejectRecord]) -> list[RejectRecord]:
    return [r for r in records if isinstance(r, RejectRecord)]


def contract(notice: NoticeRecord) -> ContractRecord:
    assert len(notice.contracts) == 1 and notice.contracts[0].lot == ""
    return notice.contracts[0]


def parties(notice: NoticeRecord, role: str) -> list[PartyRecord]:
    return [p for p in contract(notice).parties if p.role == role]


def v1_usable(record: dict) -> bool:
    """Independent rule: a v1 record can be keyed when it has an id and a buyer (acheteur or autorité) id."""
    buyer = record.get("acheteur") or record.get("autoriteConcedante") or {}
    return bool(str(record.get("id", "")).strip()) and bool(str(buyer.get("id", "")).strip())


def v1_winner_count(record: dict) -> int:
    """Distinct titulaires / concessionnaires of a v1 record, by (type, id without surrounding blanks)."""
    holders = record.get("titulaires") or record.get("concessionnaires") or []
    return len({(h.get("typeIdentifiant"), h.get("id", "").strip()) for h in holders if h.get("id", "").strip()})


def uid_of(notice) -> str:
    """The DECP uid (buyer SIRET + contract id) a notice's source_id starts with."""
    assert notice.contracts[0].extra["uid"] == notice.source_id.rsplit("~", 1)[0]
    return notice.source_id.rsplit("~", 1)[0]


def expected_uids_list(records: list[dict]) -> list[str]:
    return [(r.get("acheteur") or r.get("autoriteConcedante"))["id"].strip() + r["id"].strip() for r in records]


def write_json(path: Path, payload: object) -> Path:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# ---- real v1 JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EMP, AIFE], ids=["e-marchespublics-470", "aife-4530"])
def test_real_v1_counts_match_an_independent_count(path: Path) -> None:
    source = json.loads(path.read_text(encoding="utf-8"))["marches"]
    usable = [r for r in source if v1_usable(r)]
    out = list(iter_decp(path))

    got = notices(out)
    assert len(got) == len(usable)
    assert len(rejects(out)) == len(source) - len(usable)
    expected_uids = Counter(
        (r.get("acheteur") or r.get("autoriteConcedante"))["id"].strip() + r["id"].strip() for r in usable
    )
    assert Counter(uid_of(n) for n in got) == expected_uids
    # lots reusing one contract id stay apart; one source_id never covers two different (date, titulaires)
    by_id: dict[str, set] = {}
    for n in got:
        holders = tuple(sorted((p.org.id_scheme, p.org.national_id) for p in parties(n, "winner")))
        by_id.setdefault(n.source_id, set()).add((contract(n).award_date, holders))
    assert all(len(keys) == 1 for keys in by_id.values())
    assert len(by_id) >= len(expected_uids)
    assert sum(len(parties(n, "winner")) for n in got) == sum(v1_winner_count(r) for r in usable)
    assert all(n.source == "decp" and n.kind == "award" for n in got)
    assert all(not parties(n, "subcontractor") for n in got)  # the 2019 format has no subcontracting fields


def test_real_v1_exact_numbers() -> None:
    """Pinned figures of the two real files (the independent count above explains them)."""
    emp, aife = list(iter_decp(EMP)), list(iter_decp(AIFE))
    assert (len(notices(emp)), len({uid_of(n) for n in notices(emp)}), len(rejects(emp))) == (470, 441, 0)
    assert (len(notices(aife)), len(rejects(aife))) == (4522, 8)
    assert sum(len(parties(n, "winner")) for n in notices(emp)) == 569
    assert sum(len(parties(n, "winner")) for n in notices(aife)) == 5075


def test_real_v1_first_record_of_e_marchespublics() -> None:
    first = notices(list(iter_decp(EMP)))[0]
    c = contract(first)
    assert uid_of(first) == "28850001000013" + "2018MA181101" and first.source_id.startswith(uid_of(first) + "~")
    assert first.publication_date == dt.date(2018, 12, 7)
    assert first.schema_version == "decp-2019-json"
    assert first.buyer is not None
    assert (first.buyer.national_id, first.buyer.id_scheme, first.buyer.name) == (
        "28850001000013",
        "SIRET",
        "SDIS de la Vendée",
    )
    assert c.title == (
        "Installation et maintenance d'équipements de transmissions sur les véhicules du SDIS de la Vendée"
    )
    assert (c.cpv, c.procedure, c.award_date) == ("45314000", "Procédure adaptée", dt.date(2018, 12, 3))
    assert (c.amount, c.currency, c.duration_months) == (Decimal("80000"), "EUR", 12)
    assert c.place == "85 (Code département)"
    assert "framework-maximum" in c.flags  # nature "Accord-cadre": the amount is a maximum
    assert c.extra["nature"] == "Accord-cadre" and c.extra["source"] == "e-marchespublics"
    [winner] = parties(first, "winner")
    assert (winner.org.national_id, winner.org.id_scheme, winner.org.name) == (
        "82746233400018",
        "SIRET",
        "SAS SHOW VISION ACRO",
    )
    assert winner.evidence.path == "marches[0].titulaires[0]"
    assert "82746233400018" in winner.evidence.text
    assert (winner.evidence.extractor, winner.extra["source_file"]) == ("decp", EMP.name)
    assert first.texts["object"] == c.title


def test_real_v1_aife_quirks() -> None:
    """Concessions, untrimmed SIRETs, 2019 scheme spellings, CPV codes that lost a leading zero."""
    source = json.loads(AIFE.read_text(encoding="utf-8"))["marches"]
    got = {n.url.rsplit("#", 1)[1]: n for n in notices(list(iter_decp(AIFE)))}

    concessions = [i for i, r in enumerate(source) if r["_type"] == "Contrat de concession" and v1_usable(r)]
    assert concessions
    assert all(contract(got[f"marches[{i}]"]).extra["contract_type"] == "concession" for i in concessions)
    first = got[f"marches[{concessions[0]}]"]
    assert contract(first).amount == Decimal(str(source[concessions[0]]["valeurGlobale"]))
    assert contract(first).award_date == dt.date.fromisoformat(source[concessions[0]]["dateSignature"])

    i, raw_id = next(
        (i, t["id"])
        for i, r in enumerate(source)
        if v1_usable(r)
        for t in r.get("titulaires", [])
        if t["id"] != t["id"].strip()
    )
    assert raw_id.strip() in {p.org.national_id for p in parties(got[f"marches[{i}]"], "winner")}

    schemes = Counter(p.org.id_scheme for n in got.values() for p in parties(n, "winner"))
    assert "TVA_INTRACOMMUNAUTAIRE" not in schemes and schemes["TVA"] > 0 and schemes["HORS-UE"] == 1

    seven = [i for i, r in enumerate(source) if v1_usable(r) and len(r.get("codeCPV", "")) == 7]
    restored = [i for i in seven if source[i]["codeCPV"][0] in "39"]
    assert restored
    for i in restored:
        c = contract(got[f"marches[{i}]"])
        assert c.cpv == "0" + source[i]["codeCPV"] and "cpv-zero-restored" in c.flags
    too_short = [i for i, r in enumerate(source) if v1_usable(r) and r.get("codeCPV") == "0"]
    assert all(contract(got[f"marches[{i}]"]).cpv is None for i in too_short)
    assert all("cpv-too-short" in contract(got[f"marches[{i}]"]).flags for i in too_short)


def test_real_suspicious_amounts_are_flagged_not_summed() -> None:
    source = json.loads(AIFE.read_text(encoding="utf-8"))["marches"]
    expected = sum(
        1
        for r in source
        if v1_usable(r) and isinstance(r.get("montant"), int | float) and not 0 < r["montant"] <= 10_000_000_000
    )
    flagged = [contract(n) for n in notices(list(iter_decp(AIFE))) if "suspicious-amount" in contract(n).flags]
    assert len(flagged) == expected > 0
    assert all(c.amount is None and "amount_raw" in c.extra for c in flagged)


def test_real_rejects_name_the_field_and_the_record() -> None:
    got = rejects(list(iter_decp(AIFE)))
    source = json.loads(AIFE.read_text(encoding="utf-8"))["marches"]
    assert {r.url for r in got} == {f"{AIFE}#marches[{i}]" for i, rec in enumerate(source) if not v1_usable(rec)}
    assert all(r.source == "decp" and r.stage == "parse" and len(r.excerpt) <= 300 for r in got)
    assert Counter("'id'" in r.reason for r in got) == {True: 7, False: 1}
    [no_buyer] = [r for r in got if "'acheteur.id'" in r.reason]
    assert no_buyer.record_id == "2000006405556201"


def test_raw_is_canonical_json_of_the_record() -> None:
    """Same record in two files (different key order and indentation) → same raw bytes (same sha256)."""
    source = json.loads(EMP.read_text(encoding="utf-8"))["marches"]
    first = notices(list(iter_decp(EMP)))[0]
    assert json.loads(first.raw) == source[0]
    assert first.raw == json.dumps(source[0], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def test_same_record_in_two_files_gives_the_same_raw(tmp_path: Path) -> None:
    source = json.loads(EMP.read_text(encoding="utf-8"))["marches"]
    # SYNTHETIC file: the real record 3 with its keys reversed and other records around it.
    reordered = dict(reversed(list(source[3].items())))
    other = write_json(tmp_path / "other.json", {"marches": [source[10], reordered]})
    a = notices(list(iter_decp(EMP)))[3]
    b = notices(list(iter_decp(other)))[1]
    assert (a.source_id, a.raw) == (b.source_id, b.raw)


# ---- real flat CSV (data.economie) --------------------------------------------------------------------


def test_real_data_economie_csv_row_by_row() -> None:
    with ECO_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    got = notices(list(iter_decp(ECO_CSV)))
    assert len(got) == len(rows) == 9
    for i, (row, notice) in enumerate(zip(rows, got, strict=True)):
        c = contract(notice)
        assert uid_of(notice) == row["acheteur.id"] + row["id"]
        assert notice.schema_version == "decp-flat-csv"
        assert c.award_date == dt.date.fromisoformat(row["dateNotification"])
        assert notice.publication_date == dt.date.fromisoformat(row["datePublicationDonnees"])
        assert c.amount == Decimal(row["montant"])
        assert c.cpv == row["codeCPV"].removeprefix("INX ")[:8]
        assert c.duration_months == int(row["dureeMois"])
        [winner] = parties(notice, "winner")  # titulaire_id_2/3 are all "CDL" (= empty)
        assert (winner.org.national_id, winner.org.id_scheme) == (
            row["titulaire_id_1"],
            row["titulaire_typeIdentifiant_1"],
        )
        assert winner.evidence.path == f"rows[{i}].titulaire_id_1"
        assert not parties(notice, "subcontractor")  # every subcontracting column is "CDL"
        assert ("framework-maximum" in c.flags) == (
            "Accord-cadre" in row["techniques"] or row["idAccordCadre"] != "CDL"
        )
        assert json.loads(notice.raw) == [row]
        assert "CDL" not in json.dumps(c.extra) and "CDL" not in str(c.subcontracting)


def test_flat_rows_exported_as_json_read_like_the_csv(tmp_path: Path) -> None:
    """SYNTHETIC conversion of the real CSV extract to a JSON array (the OpenDataSoft JSON export shape),
    with typed numbers: the contracts must be those of the CSV."""
    with ECO_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            dict(r, montant=float(r["montant"]), dureeMois=int(r["dureeMois"]))
            for r in csv.DictReader(handle, delimiter=";")
        ]
    from_json = notices(list(iter_decp(write_json(tmp_path / "export.json", rows))))
    from_csv = notices(list(iter_decp(ECO_CSV)))
    assert [n.source_id for n in from_json] == [n.source_id for n in from_csv]
    assert from_json[0].schema_version == "decp-flat-json"
    for a, b in zip(from_json, from_csv, strict=True):
        ca, cb = contract(a), contract(b)
        assert (ca.amount, ca.award_date, ca.cpv, ca.flags) == (cb.amount, cb.award_date, cb.cpv, cb.flags)
        assert [p.org for p in ca.parties] == [p.org for p in cb.parties]
    assert parties(from_json[2], "winner")[0].evidence.path == "[2].titulaire_id_1"


def test_real_data_economie_csv_details() -> None:
    got = notices(list(iter_decp(ECO_CSV)))
    assert contract(got[4]).title is not None and "D’INFRASTRUCTURES" in contract(got[4]).title  # &#8217;
    assert parties(got[4], "winner")[0].org.country == "FR"  # TVA FR32918951849
    assert contract(got[4]).framework_agreement_id == "2024FCS05_1"
    assert contract(got[7]).extra["cpv_raw"] == "INX 67151000-0"
    assert contract(got[7]).extra["cpv_check_digit"] == "0"
    assert contract(got[0]).extra["techniques"] == ["Sans objet"]  # "['Sans objet']" read as a list
    assert contract(got[3]).extra["considerationsEnvironnementales"] == [
        "Critère environnemental",
        "Clause environnementale",
    ]
    assert contract(got[3]).subcontracting == {"declared": False}
    assert contract(got[0]).subcontracting == {}  # "CDL": unknown, not False
    assert "attributionAvance" not in contract(got[0]).extra  # "MQ": unknown


# ---- official 2024 examples (FICTITIOUS data) ----------------------------------------------------------


def test_official_2024_subcontract_acts_fictitious() -> None:
    """FICTITIOUS official example: checks how acteSousTraitance is read, not facts about companies."""
    first = notices(list(iter_decp(OFFICIAL / "marches_avec_modifications.json")))[0]
    c = contract(first)
    assert uid_of(first) == "21750001630066TEST2022" and first.schema_version == "decp-2024-json"
    assert first.buyer is not None and first.buyer.name is None  # the 2024 format has no names
    assert c.subcontracting == {"declared": True}
    assert (c.amount, c.offers_received, c.duration_months) == (Decimal("575000"), 4, 48)
    assert (c.cpv, c.extra["cpv_check_digit"]) == ("45000000", "7")
    assert c.framework_agreement_id == "1234567890" and "framework-maximum" in c.flags
    [winner] = parties(first, "winner")
    assert winner.org.national_id == "55204599900869" and winner.evidence.path == "marches.marche[0].titulaires[0]"
    [sub] = parties(first, "subcontractor")
    assert (sub.org.national_id, sub.org.id_scheme) == ("214356", "SIRET")
    assert sub.extra["id_issue"] == "siret-length-6"  # the fictitious id is obviously not a SIRET
    assert (sub.amount, sub.currency) == (Decimal("123456.89"), "EUR")
    assert (sub.start_date, sub.duration_months) == (dt.date(2023, 10, 11), 12)
    assert [m.national_id for m in sub.main_contractors] == ["55204599900869"]
    assert "main_contractor_ambiguous" not in sub.extra
    assert sub.extra["act_id"] == "1" and sub.extra["variationPrix"] == "Révisable"
    assert sub.extra["datePublicationDonnees"] == "2023-10-12"
    assert sub.evidence.path == "marches.marche[0].actesSousTraitance[0]" and "214356" in sub.evidence.text
    [mod] = c.extra["modifications"]
    assert mod == {
        "path": "marches.marche[0].modifications[0]",
        "id": "1",
        "date": "2022-10-18",
        "publication_date": "2022-10-20",
        "duration_months": 12,
        "amount": "123457.87",
        "titulaires": [{"id": "868768687576575", "typeIdentifiant": "SIRET"}],
    }
    [act_mod] = c.extra["modificationsActesSousTraitance"]
    assert (act_mod["date"], act_mod["amount"]) == ("2022-10-20", "23465.87")
    assert c.award_date == dt.date(2024, 5, 15)  # the first notification, not the (fictitious) earlier mods
    assert "modification-before-notification" in c.flags


def test_official_2024_mixed_file_has_marches_and_concessions_fictitious() -> None:
    """FICTITIOUS official example holding both `marche` and `contrat-concession` keys."""
    got = notices(list(iter_decp(OFFICIAL / "marches_concessions.json")))
    kinds = Counter(contract(n).extra["contract_type"] for n in got)
    assert kinds == {"marché": 2, "concession": 2}
    concession = next(n for n in got if contract(n).extra["contract_type"] == "concession")
    c = contract(concession)
    assert concession.url is not None and "marches.contrat-concession[" in concession.url
    assert concession.buyer is not None and concession.buyer.national_id == "12345678901234"
    assert (c.amount, c.award_date, c.extra["nature"]) == (
        Decimal("10.3"),
        dt.date(2024, 4, 2),
        "Concession de travaux",
    )
    assert [p.org.national_id for p in parties(concession, "winner")] == ["38103128500491", "38103128500574"]
    assert c.extra["modifications"][0]["amount"] == "25.0"  # a concession modification's valeurGlobale


def test_official_xml_flavour_fictitious() -> None:
    """FICTITIOUS official XML example: `oui`/`non`, one-element lists, XPath evidence."""
    xml = notices(list(iter_decp(OFFICIAL / "Marche.xml")))
    assert len(xml) == 2 and xml[0].schema_version == "decp-2024-xml"
    c = contract(xml[0])
    assert c.subcontracting == {"declared": True} and c.extra["marcheInnovant"] is True
    assert c.extra["techniques"] == ["Concours", "Accord-cadre"] and c.extra["typesPrix"] == ["Définitif ferme"]
    [sub] = parties(xml[0], "subcontractor")
    assert (sub.org.national_id, sub.amount, sub.start_date) == ("214356", Decimal("123456.89"), dt.date(2024, 10, 11))
    assert sub.evidence.path == "marches/marche[1]/actesSousTraitance/acteSousTraitance"
    json_twin = notices(list(iter_decp(OFFICIAL / "marches_avec_modifications.json")))[0]
    for name in ("title", "cpv", "amount", "procedure", "award_date", "duration_months", "offers_received", "place"):
        if name != "title":
            assert getattr(c, name) == getattr(contract(json_twin), name), name

    concessions = notices(list(iter_decp(OFFICIAL / "Contrat-concession.xml")))
    assert [contract(n).extra["contract_type"] for n in concessions] == ["concession", "concession"]
    assert [p.evidence.path for p in parties(concessions[0], "winner")] == [
        "marches/contrat-concession[1]/concessionnaires/concessionnaire[1]",
        "marches/contrat-concession[1]/concessionnaires/concessionnaire[2]",
    ]


def test_several_titulaires_make_the_main_contractor_ambiguous(tmp_path: Path) -> None:
    """SYNTHETIC: the FICTITIOUS official marché with a second titulaire added (a groupement)."""
    data = json.loads((OFFICIAL / "marches_avec_modifications.json").read_text(encoding="utf-8"))
    record = data["marches"]["marche"][0]
    record["titulaires"].append({"titulaire": {"id": "38103128500491", "typeIdentifiant": "SIRET"}})
    [notice] = notices(list(iter_decp(write_json(tmp_path / "groupement.json", {"marches": {"marche": [record]}}))))
    [sub] = parties(notice, "subcontractor")
    assert [m.national_id for m in sub.main_contractors] == ["55204599900869", "38103128500491"]
    assert sub.extra["main_contractor_ambiguous"] is True


# ---- text repair --------------------------------------------------------------------------------------


def test_replacement_characters_are_left_as_they_are() -> None:
    """Real damage in the AIFE file: U+FFFD cannot be repaired (the bytes are gone)."""
    first = notices(list(iter_decp(AIFE)))[0]
    assert first.buyer is not None
    assert first.buyer.name == "Soci\ufffdt\ufffd de livraison des ouvrages olympiques (SOLIDEO)"


def test_mojibake_is_repaired_and_real_accents_are_kept(tmp_path: Path) -> None:
    """No real `Ã©`-style damage exists in the samples: this SYNTHETIC case damages real strings the way a
    UTF-8 file read as cp1252 does, next to a real record whose `Â` is genuine and must stay."""
    source = json.loads(EMP.read_text(encoding="utf-8"))["marches"]
    genuine = next(r for r in source if "BÂTIMENTS" in r["objet"])
    damaged = json.loads(json.dumps(source[0]))
    damaged["id"] = "SYNTHETIC-MOJIBAKE"
    damaged["acheteur"]["nom"] = source[0]["acheteur"]["nom"].encode("utf-8").decode("cp1252")  # VendÃ©e
    damaged["objet"] = source[0]["objet"].encode("utf-8").decode("cp1252") + " d&#8217;urgence"
    got = notices(list(iter_decp(write_json(tmp_path / "mojibake.json", {"marches": [damaged, genuine]}))))
    assert "Ã" in damaged["acheteur"]["nom"]
    assert got[0].buyer is not None and got[0].buyer.name == "SDIS de la Vendée"
    assert contract(got[0]).title == source[0]["objet"] + " d’urgence"
    assert contract(got[1]).title == genuine["objet"]


# ---- bad records, unreadable files, dates -------------------------------------------------------------


def test_bad_records_are_rejected_and_the_rest_goes_on(tmp_path: Path) -> None:
    """SYNTHETIC file made of real records, three of them broken on purpose."""
    source = json.loads(EMP.read_text(encoding="utf-8"))["marches"][:6]
    bad_date = dict(source[1], dateNotification="32/13/2018")
    no_id = {k: v for k, v in source[3].items() if k != "id"}
    records = [source[0], bad_date, "not a record", no_id, source[4], source[5]]
    out = list(iter_decp(write_json(tmp_path / "bad.json", {"marches": records})))
    assert [type(r).__name__ for r in out] == [
        "NoticeRecord",
        "RejectRecord",
        "RejectRecord",
        "RejectRecord",
        "NoticeRecord",
        "NoticeRecord",
    ]
    date_reject, type_reject, id_reject = rejects(out)
    assert "dateNotification" in date_reject.reason and "32/13/2018" in date_reject.reason
    assert date_reject.record_id == source[1]["acheteur"]["id"] + source[1]["id"]
    assert date_reject.url == f"{tmp_path / 'bad.json'}#marches[1]"
    assert "not an object" in type_reject.reason and type_reject.url.endswith("#marches[2]")
    assert "'id'" in id_reject.reason and id_reject.url.endswith("#marches[3]")
    assert all(len(r.excerpt) <= 300 and r.stage == "parse" for r in rejects(out))


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not a DECP file"),
        (b"hello world", "not a DECP file"),
        (b'{"foo": [1, 2]}', "nor a single DECP record"),
        (b'{"marches": [{"id": "1", "acheteur": {"id": "2"}}, {"id": ', "invalid JSON"),
        (b"<marches><marche><id>1</id></marche", "invalid XML"),
    ],
)
def test_unreadable_files_raise_parse_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=reason) as info:
        list(iter_decp(path))
    assert str(path) in str(info.value)


def test_missing_file_raises_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read"):
        list(iter_decp(tmp_path / "nope.json"))


def test_date_filter_is_inclusive_and_matches_an_independent_count() -> None:
    source = json.loads(EMP.read_text(encoding="utf-8"))["marches"]
    start, end = dt.date(2018, 12, 5), dt.date(2018, 12, 20)
    expected = [r for r in source if "2018-12-05" <= r["dateNotification"] <= "2018-12-20"]
    got = notices(list(iter_decp(EMP, date_from=start, date_until=end)))
    assert len(got) == len(expected) > 0
    assert {contract(n).award_date for n in got} >= {start, end}  # both bounds are kept
    assert len(notices(list(iter_decp(EMP, date_from=dt.date(2019, 1, 1))))) == sum(
        1 for r in source if r["dateNotification"] >= "2019-01-01"
    )


def test_date_filter_drops_records_without_a_notification_date() -> None:
    source = json.loads(AIFE.read_text(encoding="utf-8"))["marches"]
    expected = sum(
        1 for r in source if v1_usable(r) and r.get("dateNotification", "") >= "2018-01-01" and r["_type"] == "Marché"
    )
    expected += sum(
        1 for r in source if v1_usable(r) and r.get("dateSignature", "") >= "2018-01-01" and r["_type"] != "Marché"
    )
    assert len(notices(list(iter_decp(AIFE, date_from=dt.date(2018, 1, 1))))) == expected


def test_gzip_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "emp.json.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + EMP.read_bytes()))
    assert detect_format(path) == "json"
    assert len(notices(list(iter_decp(path)))) == 470


# ---- flat exports with several rows per contract ------------------------------------------------------


def test_rows_per_titulaire_and_modification_are_grouped(tmp_path: Path) -> None:
    """SYNTHETIC decp-processing-style CSV (one row per marché × titulaire × modification, `,`-separated),
    values taken from the real data.economie extract."""
    header = [
        "uid",
        "id",
        "acheteur_id",
        "acheteur_nom",
        "titulaire_id",
        "titulaire_typeIdentifiant",
        "titulaire_nom",
        "objet",
        "montant",
        "codeCPV",
        "dateNotification",
        "datePublicationDonnees",
        "modification_id",
        "donneesActuelles",
    ]
    uid = "20003994900017" + "24-1065297-2"
    rows = [
        [
            uid,
            "24-1065297-2",
            "20003994900017",
            "SYNTHETIC BUYER",
            "81918510900025",
            "SIRET",
            "SYNTH A",
            "Charpente bois",
            "27364.0",
            "45210000-2",
            "2024-12-12",
            "2024-12-31",
            "0",
            "False",
        ],
        [
            uid,
            "24-1065297-2",
            "20003994900017",
            "SYNTHETIC BUYER",
            "35043845300028",
            "SIRET",
            "SYNTH B",
            "Charpente bois",
            "27364.0",
            "45210000-2",
            "2024-12-12",
            "2024-12-31",
            "0",
            "False",
        ],
        [
            uid,
            "24-1065297-2",
            "20003994900017",
            "SYNTHETIC BUYER",
            "81918510900025",
            "SIRET",
            "SYNTH A",
            "Charpente bois",
            "30000.0",
            "45210000-2",
            "2025-03-01",
            "2025-03-05",
            "1",
            "True",
        ],
        [
            "2000681040001320240X",
            "20240X",
            "20006810400013",
            "",
            "35043845300028",
            "SIRET",
            "",
            "Other",
            "1.0",
            "92311000",
            "2024-01-05",
            "2024-01-06",
            "0",
            "True",
        ],
        [
            uid,
            "24-1065297-2",
            "20003994900017",
            "SYNTHETIC BUYER",
            "81918510900025",
            "SIRET",
            "SYNTH A",
            "Charpente bois",
            "27364.0",
            "45210000-2",
            "2024-12-12",
            "2024-12-31",
            "0",
            "False",
        ],
    ]
    path = tmp_path / "decp-processing-like.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    got = notices(list(iter_decp(path)))
    assert [uid_of(n) for n in got] == [uid, "2000681040001320240X", uid]  # one record per contiguous run
    c = contract(got[0])
    assert c.award_date == dt.date(2024, 12, 12)  # the first notification, not the modification's date
    assert c.amount == Decimal("27364.0")  # the initial row's amount, not the modified one
    assert got[0].buyer is not None and got[0].buyer.name == "SYNTHETIC BUYER"
    assert [(p.org.national_id, p.org.name) for p in parties(got[0], "winner")] == [
        ("81918510900025", "SYNTH A"),
        ("35043845300028", "SYNTH B"),
    ]
    assert [p.evidence.path for p in parties(got[0], "winner")] == ["rows[0].titulaire_id", "rows[1].titulaire_id"]
    [mod] = c.extra["modifications"]
    assert (mod["id"], mod["date"], mod["amount"]) == ("1", "2025-03-01", "30000.0")
    assert got[0].url is not None and got[0].url.endswith("#rows[0-2]")
    assert len(json.loads(got[0].raw)) == 3


def test_flat_subcontract_columns_become_subcontractors(tmp_path: Path) -> None:
    """SYNTHETIC: the real CSV extract's row 4 with its "CDL" subcontracting columns filled in (the real
    rows have none filled); the values are the FICTITIOUS official example's act."""
    with ECO_CSV.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        header, row = reader.fieldnames, list(reader)[3]
    assert header is not None
    row.update(
        {
            "idActeSousTraitance": "1",
            "idSousTraitant": "38103128500491",
            "typeIdentifiantSousTraitant": "SIRET",
            "montantActeSousTraitance": "123456.89",
            "dateNotificationActeSousTraitance": "2024-12-20",
            "dureeMoisActeSousTraitance": "12",
            "variationPrixActeSousTraitance": "Révisable",
        }
    )
    path = tmp_path / "with-act.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter=";")
        writer.writeheader()
        writer.writerow(row)
    [notice] = notices(list(iter_decp(path)))
    [sub] = parties(notice, "subcontractor")
    assert (sub.org.national_id, sub.amount, sub.start_date, sub.duration_months) == (
        "38103128500491",
        Decimal("123456.89"),
        dt.date(2024, 12, 20),
        12,
    )
    assert [m.national_id for m in sub.main_contractors] == ["81918510900025"]
    assert sub.evidence.path == "rows[0].idSousTraitant" and "idSousTraitant=38103128500491" in sub.evidence.text


# ---- reprocess from raw -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [EMP, AIFE, ECO_CSV, OFFICIAL / "marches_concessions.json", OFFICIAL / "Marche.xml"],
    ids=["v1-json", "v1-json-aife", "flat-csv", "2024-json-fictitious", "xml-fictitious"],
)
def test_parse_decp_raw_rebuilds_the_same_notice(path: Path) -> None:
    for notice in notices(list(iter_decp(path))):
        again = parse_decp_raw(notice.raw, notice.schema_version)
        assert isinstance(again, NoticeRecord)
        assert (again.source_id, again.raw, again.publication_date) == (
            notice.source_id,
            notice.raw,
            notice.publication_date,
        )
        a, b = contract(notice), contract(again)
        assert (a.title, a.cpv, a.amount, a.award_date, a.flags) == (b.title, b.cpv, b.amount, b.award_date, b.flags)
        assert [(p.role, p.org) for p in a.parties] == [(p.role, p.org) for p in b.parties]


# ---- values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code, flag",
    [
        ("45314000", "45314000", None),
        ("45000000-7", "45000000", None),
        ("INX 67151000-0", "67151000", None),
        ("9132100", "09132100", "cpv-zero-restored"),
        ("3142300", "03142300", "cpv-zero-restored"),
        ("1110000", None, "cpv-too-short"),
        ("0", None, "cpv-too-short"),
        ("abc", None, "cpv-too-short"),
    ],
)
def test_cpv_normalisation(value: str, code: str | None, flag: str | None) -> None:
    got, extra, flags = normalize_cpv(value)
    assert got == code
    assert flags == ([flag] if flag else [])
    if code is None:
        assert extra["cpv_raw"] == value


def test_dates_and_amounts() -> None:
    assert parse_date("2018-12-17+01:00") == dt.date(2018, 12, 17)  # PES dates carry a timezone
    assert parse_date("2024-05-15T23:30:00-05:00") == dt.date(2024, 5, 15)  # the written day, not UTC
    assert parse_date("17/12/2018") == dt.date(2018, 12, 17)
    assert parse_date("CDL") is None and parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("2018-02-30")
    assert parse_amount(123456.89) == Decimal("123456.89")
    assert parse_amount("1 234,5") == Decimal("1234.5")
    assert parse_amount(1e17) == Decimal("1E+17")
    with pytest.raises(ValueError):
        parse_amount("beaucoup")


# ---- SIRENE names -------------------------------------------------------------------------------------

SIRENE_HEADER = [
    "siren",
    "statutDiffusionUniteLegale",
    "denominationUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "prenom1UniteLegale",
    "prenomUsuelUniteLegale",
    "sigleUniteLegale",
    "denominationUsuelle1UniteLegale",
    "categorieJuridiqueUniteLegale",
]
# SYNTHETIC rows (no real StockUniteLegale file is available): invented names, invented SIRENs.
SIRENE_ROWS = [
    ["000000001", "O", "SYNTHETIQUE TRAVAUX", "", "", "", "", "ST", "", "5710"],
    ["000000002", "O", "", "DUPONT", "", "MARIE", "MARIE-ANNE", "", "", "1000"],
    ["000000003", "O", "", "DURAND", "", "PAUL", "", "", "", "1000"],
    ["000000004", "P", "[ND]", "[ND]", "", "[ND]", "", "", "", "5710"],
    ["000000005", "O", "", "", "", "", "", "SGL", "", "9220"],
    ["12345", "O", "SIREN TROP COURT", "", "", "", "", "", "", "5710"],
    ["000000006", "O", "", "", "", "", "", "", "ENSEIGNE SYNTHETIQUE", "5499"],
]
SIRENE_EXPECTED = [
    ("000000001", "SYNTHETIQUE TRAVAUX"),
    ("000000002", "MARIE-ANNE DUPONT"),
    ("000000003", "PAUL DURAND"),
    ("000000005", "SGL"),
    ("000000006", "ENSEIGNE SYNTHETIQUE"),
]


def test_sirene_names_from_synthetic_csv(tmp_path: Path) -> None:
    path = tmp_path / "StockUniteLegale_SYNTHETIC.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([SIRENE_HEADER, *SIRENE_ROWS])
    assert list(iter_sirene_names(path)) == SIRENE_EXPECTED


def test_sirene_names_from_synthetic_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "StockUniteLegale_SYNTHETIC.parquet"
    table = pa.table({name: [row[i] or None for row in SIRENE_ROWS] for i, name in enumerate(SIRENE_HEADER)})
    pq.write_table(table, path, row_group_size=2)
    assert list(iter_sirene_names(path)) == SIRENE_EXPECTED
