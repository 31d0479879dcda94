"""DECP (données essentielles de la commande publique) → NoticeRecords, streamed from files of any size.

Entry points:
* `iter_decp(path, date_from=, date_until=)`: every contract of a DECP file, whatever its flavour (2019
  JSON `{"marches": [...]}`, 2024 JSON `{"marches": {"marche": [...], "contrat-concession": [...]}}`,
  the XML flavour, flat CSV exports and their JSON/Parquet twins), one NoticeRecord per contract or a
  RejectRecord for a record that cannot be used; the rest of the file goes on;
* `parse_decp_raw(raw, schema_version)`: the same NoticeRecord again from a stored raw payload (reprocess);
* `iter_sirene_names(path)`: (siren, name) from SIRENE StockUniteLegale, to name 2024 DECP parties.

The flavour is detected from the file's first bytes, never from its name. Readers live in `json_stream`,
`xml_stream` and `flat`; what fields mean is decided once, in `record`. Nothing here touches a
database: the store (`soustrace.pipelines.store`) validates identifiers and deduplicates by uid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

from soustrace.parsers.decp.flat import (
    FLAT_CSV,
    FLAT_JSON,
    FLAT_PARQUET,
    Columns,
    group_item,
    iter_flat_items,
    regroup_flat_json,
)
from soustrace.parsers.decp.item import PARSER_VERSION, FileContext, SourceItem
from soustrace.parsers.decp.json_stream import iter_json_items
from soustrace.parsers.decp.record import build_notice
from soustrace.parsers.decp.sirene import iter_sirene_names
from soustrace.parsers.decp.values import UTF8_BOM, open_binary
from soustrace.parsers.decp.xml_stream import iter_xml_items
from soustrace.records import NoticeRecord, ParseError, RejectRecord

__all__ = ["PARSER_VERSION", "detect_format", "iter_decp", "iter_sirene_names", "parse_decp_raw"]

_SNIFF_BYTES = 8192


def detect_format(path: Path) -> str:
    """"json", "xml", "csv" or "parquet", from the first bytes (gzip-compressed JSON/XML/CSV accepted)."""
    try:
        with open(path, "rb") as probe:
            magic = probe.read(4)
        if magic == b"PAR1":
            return "parquet"
        with open_binary(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise ParseError(f"{path}: cannot read: {exc}") from exc
    text = head.removeprefix(UTF8_BOM).lstrip()
    if text.startswith(b"<"):
        return "xml"
    if text[:1] in (b"{", b"["):
        return "json"
    first_line = text.split(b"\n", 1)[0]
    if any(sep in first_line for sep in (b";", b",", b"\t")):
        return "csv"
    raise ParseError(f"{path}: not a DECP file (neither JSON, XML, CSV nor Parquet)")


def iter_decp(
    path: Path, *, date_from: dt.date | None = None, date_until: dt.date | None = None
) -> Iterator[NoticeRecord | RejectRecord]:
    """Every contract of a DECP file as a NoticeRecord (source "decp", source_id = uid), streamed.

    With `date_from` / `date_until`, only contracts whose first notification (dateNotification, or
    dateSignature for concessions) falls in [date_from, date_until] inclusive are kept; contracts without
    that date are then left out. Records that cannot be used come out as RejectRecords. Raises
    ParseError when the file itself cannot be read (missing, not DECP, broken JSON/XML syntax).
    """
    path = Path(path)
    if date_from and date_until and date_from > date_until:
        raise ValueError(f"date_from {date_from} is after date_until {date_until}")
    kind = detect_format(path)
    ctx = FileContext(url=str(path), name=path.name, date_from=date_from, date_until=date_until)
    try:
        for item in _items(path, kind):
            result = build_notice(item, ctx)
            if result is not None:
                yield result
    except (OSError, EOFError) as exc:  # truncated gzip, file removed while reading…
        raise ParseError(f"{path}: read failed: {exc}") from exc


def _items(path: Path, kind: str) -> Iterator[SourceItem]:
    if kind == "json":
        return regroup_flat_json(iter_json_items(path))
    if kind == "xml":
        return iter_xml_items(path)
    return iter_flat_items(path, parquet=kind == "parquet")


def parse_decp_raw(raw: bytes, schema_version: str | None = None, *, url: str = "",
                   source_file: str = "") -> NoticeRecord | RejectRecord:
    """Rebuild the NoticeRecord of a stored DECP payload (`NoticeRecord.raw` + `schema_version`).

    Record payloads are the record's canonical JSON; flat-file payloads (schema_version "decp-flat-…")
    are the JSON list of the group's rows, regrouped exactly as when the file was read.
    """
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"stored DECP payload is not JSON: {exc}") from exc
    ctx = FileContext(url=url, name=source_file)
    version = schema_version or "decp"
    if version in (FLAT_CSV, FLAT_PARQUET, FLAT_JSON):
        if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
            raise ParseError("stored flat DECP payload is not a list of rows")
        header = list(dict.fromkeys(k for row in payload for k in row))
        item = group_item(list(enumerate(payload)), Columns.from_header(header), version)
    else:
        item = SourceItem(record=payload, path="", schema_version=version, raw=raw)
    result = build_notice(item, ctx)
    if result is None:  # cannot happen without a date range; keeps the return type honest
        raise ParseError("stored DECP payload was filtered out")
    return result
