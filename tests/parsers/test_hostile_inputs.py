"""One hostile record costs only itself: every reader rejects it by id, position and reason and goes on.

The good records are real ones (the BOAMP API page of 2024-03-01, the DILA DECP 2019 file, the official
DECP XML example); the hostile record is built around them: a record that cuts a multibyte character at
the excerpt, one nested 100,000 (JSONL) or 50,000 (DECP) levels deep, an entity bomb, entity references.
"""

from __future__ import annotations

import json
import re
import resource
from collections import Counter
from pathlib import Path

import pytest

from soustrace.parsers.decp.stream import iter_decp
from soustrace.pipelines.ingest import iter_file
from soustrace.records import NoticeRecord, RejectRecord
from tests.samples import DECP_REAL, FIXTURES

BOAMP_PAGE = FIXTURES / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
DECP_2019 = DECP_REAL / "decp-json_v1_e-marchespublics.json"
DECP_XML = FIXTURES / "decp" / "official_examples_fictitious" / "Marche.xml"


def _boamp_rows() -> list[dict]:
    return json.loads(BOAMP_PAGE.read_bytes())["results"]


def _split(records: list) -> tuple[list[NoticeRecord], list[RejectRecord]]:
    return ([r for r in records if isinstance(r, NoticeRecord)], [r for r in records if isinstance(r, RejectRecord)])


def test_boamp_array_record_without_id_cut_in_a_multibyte_character(tmp_path: Path) -> None:
    rows = _boamp_rows()
    # Canonical JSON is '{"a": "xxx…é"}': the 'é' straddles byte 300, where the excerpt is cut.
    bad = {"a": "x" * (300 - len('{"a": "') - 1) + "é" * 10}
    assert json.dumps(bad, ensure_ascii=False).encode()[:300].decode("utf-8", "replace").endswith("\ufffd")
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"total_count": 21, "results": [*rows[:10], bad, *rows[10:]]}, ensure_ascii=False))
    notices, rejects = _split(list(iter_file(path)))
    assert [n.source_id for n in notices] == [r["idweb"] for r in rows]
    assert len(rejects) == 1
    assert rejects[0].reason == "page.json results[10]: record without idweb"
    assert rejects[0].excerpt.startswith('{"a": "xxx')


def test_jsonl_line_nested_100000_deep(tmp_path: Path) -> None:
    rows = _boamp_rows()
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(5, '{"idweb": "DEEP-1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    notices, rejects = _split(list(iter_file(path)))
    assert len(notices) == len(rows)
    assert [(r.reason, r.source) for r in rejects] == [("export.jsonl line 6: nested deeper than 64 levels", "boamp")]


def test_boamp_json_record_nested_deep_is_named_by_its_id(tmp_path: Path) -> None:
    rows = _boamp_rows()
    deep = '{"idweb": "24-DEEP", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    body = json.dumps({"results": rows[:3]}, ensure_ascii=False)
    path = tmp_path / "page.json"
    path.write_text(body[:-2] + ", " + deep + "]}")
    notices, rejects = _split(list(iter_file(path)))
    assert len(notices) == 3
    assert [(r.record_id, r.reason) for r in rejects] == [
        ("24-DEEP", "page.json results[3]: nested deeper than 64 levels")]


def test_decp_json_record_nested_50000_deep_costs_neither_memory_nor_the_file(tmp_path: Path) -> None:
    """Before: ijson's per-level prefixes took 5.8 GB for this 100 KB file, then MemoryError."""
    marches = json.loads(DECP_2019.read_bytes())["marches"][:20]
    text = json.dumps({"marches": marches}, ensure_ascii=False)
    at = text.index("[") + 1
    text = text[:at] + '{"id": "deep1", "x": ' + "[" * 50_000 + "]" * 50_000 + "}, " + text[at:]
    path = tmp_path / "decp.json"
    path.write_text(text)
    usage_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    notices, rejects = _split(list(iter_decp(path)))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - usage_before) / 1024
    assert len(notices) == 20
    assert [(r.record_id, r.reason, r.url) for r in rejects] == [
        ("deep1", "decp.json marches[0]: nested deeper than 64 levels", f"{path}#marches[0]")]
    assert grown_mb < 200


def _decp_xml(tmp_path: Path, doctype: str, objects: list[str]) -> Path:
    record = re.search(r"<marche>.*?</marche>", DECP_XML.read_text(), re.S).group(0)
    assert "<objet>envoi pour Json test</objet>" in record
    records = [record.replace("TEST2022", f"T{i}").replace("<objet>envoi pour Json test</objet>",
                                                         f"<objet>{obj}</objet>") for i, obj in enumerate(objects)]
    path = tmp_path / "decp.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<marches>\n' + "\n".join(records)
                    + "\n</marches>\n")
    return path


def test_decp_xml_entity_bomb_costs_only_its_record(tmp_path: Path) -> None:
    """Before: libxml2 stopped the whole file ('Maximum entity amplification factor exceeded')."""
    entities = "\n".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10))
    doctype = f'<!DOCTYPE marches [\n<!ENTITY lol1 "lol">\n{entities}\n]>'
    path = _decp_xml(tmp_path, doctype, ["premier", "second", "&lol9;", "quatrième"])
    notices, rejects = _split(list(iter_decp(path)))
    assert [n.contracts[0].title for n in notices] == ["premier", "second", "quatrième"]
    assert [(r.record_id, r.reason) for r in rejects] == [
        ("T2", "decp.xml marches/marche[3]: uses entities declared in the DOCTYPE (&lol9;): entities are never "
               "expanded")]


def test_decp_xml_entity_references_keep_the_text_around_them(tmp_path: Path) -> None:
    """Before: `A&x;B` read 'A' (the unresolved entity node's tail was dropped)."""
    path = _decp_xml(tmp_path, "", ["A&x;B", "Dupont &amp; Fils &#233;t&#xE9;", "C&D"])
    notices, rejects = _split(list(iter_decp(path)))
    assert rejects == []
    assert [n.contracts[0].title for n in notices] == ["A&x;B", "Dupont & Fils été", "C&D"]


def test_decp_xml_record_nested_too_deep(tmp_path: Path) -> None:
    """Deeper than 64 and within libxml2's own limit (2048, fatal to the document past it: records before stay)."""
    deep = "<a>" * 1500 + "x" + "</a>" * 1500
    path = _decp_xml(tmp_path, "", ["premier", deep, "troisième"])
    notices, rejects = _split(list(iter_decp(path)))
    assert [n.contracts[0].title for n in notices] == ["premier", "troisième"]
    assert [(r.record_id, r.reason) for r in rejects] == [
        ("T1", "decp.xml marches/marche[2]: nested deeper than 64 levels")]


def test_record_longer_than_spacy_allows_is_stored_with_its_raw_payload(tmp_path: Path, engine) -> None:
    """Before: a record over spaCy's max length (the attack used 60 MB; 3 MB shows it) was rejected whole
    at the store and its raw payload lost. Now its text is read up to a cap and the payload stored whole."""
    from sqlalchemy import func, select

    from soustrace.models import Notice, NoticeRevision, Reject
    from soustrace.pipelines.store import Store

    rows = _boamp_rows()[:3]
    big = dict(rows[0], idweb="24-HUGE", objet="Hébergement des données chez un prestataire. " * 70_000)
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [*rows, big]) + "\n")
    records = list(iter_file(path))
    assert all(len(text) <= 1_000_000 for r in records for text in r.texts.values())
    stats = Store(engine).add_all(records)
    assert (stats.stored, stats.rejects) == (4, 0)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Reject)) == 0
        raw = conn.scalar(select(NoticeRevision.raw).join(Notice).where(Notice.source_id == "24-HUGE"))
    assert len(raw) > 3_000_000 and json.loads(raw)["objet"] == big["objet"]


@pytest.mark.parametrize("kind", ["jsonl", "json"])
def test_record_over_the_size_limit_is_refused_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      kind: str) -> None:
    import soustrace.parsers.json_records as limits_module
    import soustrace.pipelines.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "MAX_RECORD_CHARS", 20_000)
    monkeypatch.setattr(limits_module, "DEFAULT_LIMITS", limits_module.Limits(max_chars=20_000))
    monkeypatch.setattr(ingest_module, "iter_results",
                        lambda fh: limits_module.iter_results(fh, limits_module.Limits(max_chars=20_000)))
    rows = _boamp_rows()[:4]
    big = {"idweb": "24-BIG", "objet": "z" * 30_000}
    items = [rows[0], big, *rows[1:]]
    path = tmp_path / f"rows.{kind}"
    if kind == "jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in items))
    else:
        path.write_text(json.dumps({"results": items}, ensure_ascii=False))
    notices, rejects = _split(list(iter_file(path)))
    assert [n.source_id for n in notices] == [r["idweb"] for r in rows]
    assert len(rejects) == 1
    assert "record limit" in rejects[0].reason
    assert rejects[0].reason.startswith(f"rows.{kind} " + ("line 2" if kind == "jsonl" else "results[1]"))
    assert Counter(type(r).__name__ for r in rejects) == {"RejectRecord": 1}


def test_api_page_with_a_record_past_the_json_parsers_recursion_limit() -> None:
    """The spider's page reader: json.loads cannot read this page at all (RecursionError); the rows around
    the deep one still come out, and the page's total with them."""
    from soustrace.parsers.json_records import Refusal, read_results_page

    rows = _boamp_rows()[:3]
    deep = '{"idweb": "24-DEEP", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    body = json.dumps({"total_count": 4, "results": rows}, ensure_ascii=False)
    page = read_results_page((body[:-2] + ", " + deep + "]}").encode())
    assert page is not None
    top, results = page
    assert top == {"total_count": 4}
    assert [r["idweb"] for r in results[:3]] == [r["idweb"] for r in rows]
    assert isinstance(results[3], Refusal) and results[3].record_id == "24-DEEP"
    assert read_results_page(b"<html>error</html>") is None
    assert read_results_page(b'{"error_code": "X"}') is None


def test_truncated_file_keeps_the_records_read_before_the_break(tmp_path: Path, engine) -> None:
    """Before: the reader's exception went through the store's batching and the pending batch was lost."""
    from soustrace.pipelines.ingest import iter_file_keeping_going
    from soustrace.pipelines.store import Store

    rows = _boamp_rows()
    body = json.dumps({"results": rows}, ensure_ascii=False)
    cut = body.index(json.dumps(rows[15], ensure_ascii=False))  # the file ends inside the 16th record
    path = tmp_path / "truncated.json"
    path.write_text(body[: cut + 40])
    failures: list = []
    stats = Store(engine, batch_size=200).add_all(iter_file_keeping_going(path, failures))
    assert stats.stored == 15
    assert len(failures) == 1 and "invalid JSON" in str(failures[0][1])
