"""Awards rows (exact, in every format) and OCDS release packages (valid against the minimal schema).

The notices are real (TED 00000156-2025, BOAMP 17-1028); see tests/answers_data.py.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from answers_data import BOAMP_URL, TED_URL, build

from soustrace.exports.awards import AWARD_COLUMNS, iter_awards, write_awards
from soustrace.exports.ocds import iter_releases, write_release_package
from soustrace.exports.ocds_schema import LABEL, MINIMAL_RELEASE_PACKAGE_SCHEMA, validate_package

MINARM = "MINARM/SGA/Sous-Direction de l'Agence Ministérielle de Gestion (SDPAMG)"
LOT1 = ("Conception, production et livraison de boîtes multi-activités délivrées dans le cadre du plan famille aux "
        "enfants de militaires lors des absences opérationnelles - enfants de 3 à 5 ans")
PARKING = "Aménagement d'un parking de 116 places sur le site du parc cimetière rive gauche à Mérignac"


def expected_rows(ids) -> list[dict]:
    def ted(lot: str, contract_id: int, org: str, national_id: str, role: str, siren: str) -> dict:
        return {"source": "ted", "notice_id": "00000156-2025", "lot": lot, "buyer": MINARM, "organization": org,
                "national_id": national_id, "role": role, "amount": 224675.0, "currency": "EUR",
                "award_date": "2024-10-16", "buyer_siren": "130016512", "siren": siren, "party_amount": None,
                "title": LOT1 if lot == "LOT-0001" else LOT1.replace("3 à 5", "10 à 12"), "cpv": "37524900",
                "contract_id": contract_id, "notice_url": TED_URL}

    rows = [{"source": "boamp", "notice_id": "17-1028", "lot": "", "buyer": "Bordeaux Métropole",
             "organization": "Moter", "national_id": None, "role": "winner", "amount": 159691.6, "currency": "EUR",
             "award_date": "2016-11-18", "buyer_siren": None, "siren": None, "party_amount": None, "title": PARKING,
             "cpv": None, "contract_id": ids.boamp, "notice_url": BOAMP_URL, "amount_repeated": False}]
    for lot, cid in (("LOT-0001", ids.lot1), ("LOT-0003", ids.lot3)):
        rows += [ted(lot, cid, "EDITIONS KIRO (MANDATAIRE)", "82922038300022", "lead", "829220383"),
                 ted(lot, cid, "IMPRIMERIE MARIE (COTRAITANT)", "40775375500021", "member", "407753755"),
                 ted(lot, cid, "MICROLYNX", "40300483100034", "subcontractor", "403004831")]
    # the lot's amount is on its three rows: only the first counts it (a per-organisation sum counts it once)
    for row in rows[1:]:
        row.setdefault("amount_repeated", row["role"] != "lead")
    return rows


def test_awards_rows_exact_in_every_format(engine, tmp_path: Path) -> None:
    ids = build(engine)
    expected = expected_rows(ids)
    assert write_awards(iter_awards(engine), tmp_path / "a.jsonl") == 7
    counted = sum(r["amount"] for r in iter_awards(engine) if not r["amount_repeated"])
    assert float(counted) == 159691.6 + 2 * 224675.0  # each lot once, not three times
    assert [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()] == expected
    write_awards(iter_awards(engine), tmp_path / "a.csv")
    with (tmp_path / "a.csv").open() as fh:
        got = list(csv.DictReader(fh))
    assert list(got[0]) == AWARD_COLUMNS
    assert [r["organization"] for r in got] == [r["organization"] for r in expected]
    assert got[1]["amount"] == "224675.0" and got[0]["national_id"] == ""
    write_awards(iter_awards(engine), tmp_path / "a.parquet")
    table = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert len(table) == 7
    assert table[1]["amount"] == Decimal("224675.00")
    assert table[0]["award_date"] == dt.date(2016, 11, 18)
    assert table[0]["amount"] == Decimal("159691.60")


def test_awards_filters(engine) -> None:
    build(engine)
    assert {r["source"] for r in iter_awards(engine, buyer="Bordeaux")} == {"boamp"}
    assert len(list(iter_awards(engine, date_from="2020"))) == 6
    assert [r["organization"] for r in iter_awards(engine, roles=("subcontractor",))] == ["MICROLYNX"] * 2
    assert list(iter_awards(engine, cpv="72")) == []


def package(engine, **kwargs) -> dict:
    buf = io.StringIO()
    write_release_package(iter_releases(engine, **kwargs), buf, uri="https://example.org/test.json")
    return json.loads(buf.getvalue())


def test_ocds_package_is_valid_and_complete(engine) -> None:
    build(engine)
    pkg = package(engine)
    assert validate_package(pkg) == []
    assert pkg["version"] == "1.1" and len(pkg["releases"]) == 2
    ted = next(r for r in pkg["releases"] if r["ocid"] == "ocds-soustrace-ted-00000156-2025")
    roles = {p["id"]: p["roles"] for p in ted["parties"]}
    assert roles == {"FR-RCS-130016512": ["buyer"], "FR-RCS-829220383": ["supplier", "tenderer"],
                     "FR-RCS-407753755": ["supplier", "tenderer"], "FR-RCS-403004831": ["subcontractor"]}
    assert ted["buyer"] == {"id": "FR-RCS-130016512", "name": MINARM}
    assert ted["date"] == "2025-01-02T00:00:00Z"
    assert [lot["id"] for lot in ted["tender"]["lots"]] == ["LOT-0001", "LOT-0003"]
    award = ted["awards"][0]
    assert (award["value"], award["relatedLots"], award["date"], award["hasSubcontracting"]) == (
        {"amount": 224675.0, "currency": "EUR"}, ["LOT-0001"], "2024-10-16T00:00:00Z", True)
    assert [s["id"] for s in award["suppliers"]] == ["FR-RCS-829220383", "FR-RCS-407753755"]
    [sub] = award["subcontracting"]["subcontracts"]
    assert sub["subcontractor"]["id"] == "FR-RCS-403004831"
    assert [t["id"] for t in sub["tenderers"]] == ["FR-RCS-829220383"]  # its declared main contractor only
    assert package(engine, buyer="Bordeaux")["releases"][0]["ocid"] == "ocds-soustrace-boamp-17-1028"


def test_minimal_schema_rejects_broken_packages(engine) -> None:
    build(engine)
    pkg = package(engine)
    assert "MINIMAL" in MINIMAL_RELEASE_PACKAGE_SCHEMA["title"] and "not the official" in LABEL
    broken = copy.deepcopy(pkg)
    del broken["releases"][0]["ocid"]
    broken["releases"][1]["parties"][0]["roles"] = ["landlord"]
    broken["releases"][1]["awards"][0]["suppliers"] = [{"id": "nobody"}]
    broken["version"] = "1.0"
    problems = "\n".join(validate_package(broken))
    for expected in ("'ocid' is a required property", "'landlord' is not one of", "unknown party 'nobody'",
                     "'1.1' was expected"):
        assert expected in problems


@pytest.mark.parametrize("prefix", ["ocds-abc123"])
def test_ocid_prefix(engine, prefix: str) -> None:
    build(engine)
    assert all(r["ocid"].startswith(prefix + "-") for r in package(engine, ocid_prefix=prefix)["releases"])
