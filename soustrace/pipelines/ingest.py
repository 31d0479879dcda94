"""Local files to records: detects what a file is and yields its notices (or rejects), streaming.

Recognised: DILA BOAMP XML notices; TED eForms and TED_EXPORT XML; BOAMP ODS API pages, record lists and
JSONL exports; DECP JSON (2019 and 2024), XML and flat CSV. A file that is none of these is an error
naming the file; one bad file never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from soustrace.parsers.payload import parse_payload
from soustrace.records import NoticeRecord, ParseError, RejectRecord

Record = NoticeRecord | RejectRecord


def sniff(path: Path) -> str:
    """One of: boamp-xml, ted-xml, decp, boamp-json, boamp-jsonl, sirene; ParseError when unknown."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \r\n\t")
    if suffix == ".parquet":
        return "sirene"
    if suffix == ".csv":
        first = text.splitlines()[0] if text else ""
        return "sirene" if "denominationUniteLegale" in first or first.startswith("siren,") else "decp"
    if text.startswith("<"):
        if "<ANNONCE" in text:
            return "boamp-xml"
        if (
            "TED_EXPORT" in text
            or "ContractAwardNotice" in text
            or "ContractNotice" in text
            or "PriorInformationNotice" in text
            or "ContractModificationNotice" in text
        ):
            return "ted-xml"
        if "<marches" in text or "<marche" in text:
            return "decp"
        raise ParseError(f"{path}: XML that is neither a BOAMP, TED nor DECP document")
    if suffix == ".jsonl":
        return "boamp-jsonl"
    if text.startswith("{") or text.startswith("["):
        if '"marches"' in text:
            return "decp"
        if '"idweb"' in text or '"total_count"' in text:
            return "boamp-json"
    raise ParseError(f"{path}: unrecognised file (expected BOAMP/TED XML, BOAMP API JSON, DECP JSON/XML/CSV)")


def iter_file(path: Path) -> Iterator[Record]:
    kind = sniff(path)
    if kind == "boamp-xml":
        yield _xml_notice("boamp", path)
    elif kind == "ted-xml":
        yield _xml_notice("ted", path)
    elif kind == "boamp-json":
        data = json.loads(path.read_bytes())
        rows = data.get("results", [data]) if isinstance(data, dict) else data
        for row in rows:
            yield _boamp_row(row, path)
    elif kind == "boamp-jsonl":
        with path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    yield RejectRecord(
                        "boamp",
                        None,
                        "parse",
                        f"{path.name} line {number}: invalid JSON ({exc})",
                        line[:300].decode("utf-8", "replace"),
                        str(path),
                    )
                    continue
                yield _boamp_row(row, path)
    elif kind == "decp":
        from soustrace.parsers.decp.stream import iter_decp

        yield from iter_decp(path)
    else:
        raise ParseError(f"{path}: a SIRENE file; use it with `soustrace ingest --sirene`")


def _xml_notice(source: str, path: Path) -> NoticeRecord:
    raw = path.read_bytes()
    record = parse_payload(source, "", raw, content_type="application/xml")
    if not record.source_id:  # unparseable: keep the raw payload under the file's name
        record.source_id = path.stem
    return record


def _boamp_row(row: dict, path: Path) -> Record:
    idweb = row.get("idweb") if isinstance(row, dict) else None
    raw = json.dumps(row, ensure_ascii=False, sort_keys=True).encode()
    if not idweb:
        return RejectRecord("boamp", None, "parse", f"{path.name}: record without idweb", raw[:300].decode(), str(path))
    return parse_payload("boamp", str(idweb), raw, record=row, url=row.get("url_avis"))


def expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() in {".xml", ".json", ".jsonl", ".csv", ".parquet"}
            )
        else:
            yield path
