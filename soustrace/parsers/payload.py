"""One entry point from a raw payload to a `NoticeRecord`, used by crawls, `ingest` and `reprocess`.

A payload that cannot be parsed still yields a record (with `parse_error` set and the flat facts that
are known), so the raw bytes are stored and the reason lands in the Reject table.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from soustrace.records import NoticeRecord, ParseError

# Free text handed to the NLP stage, per field: spaCy refuses texts over `nlp.max_length` (1,000,000), which
# rejected a whole 60 MB record and lost its raw payload. Longer texts are read up to here; the raw
# payload is stored whole.
MAX_TEXT_CHARS = 900_000


def parse_boamp(raw: bytes, record: dict[str, Any] | None = None, schema_version: str | None = None) -> NoticeRecord:
    from soustrace.parsers.boamp.notice import parse_boamp_record, parse_boamp_xml

    if raw.lstrip()[:1] == b"<":
        return parse_boamp_xml(raw)
    if record is None:
        record = json.loads(raw)
    return parse_boamp_record(record, raw)


def parse_ted(raw: bytes, record: dict[str, Any] | None = None, schema_version: str | None = None) -> NoticeRecord:
    from soustrace.parsers.ted.dispatch import parse_ted_notice

    return parse_ted_notice(raw)


def parse_decp(raw: bytes, record: dict[str, Any] | None = None, schema_version: str | None = None) -> NoticeRecord:
    from soustrace.parsers.decp.stream import parse_decp_raw

    result = parse_decp_raw(raw, schema_version)
    if not isinstance(result, NoticeRecord):
        raise ParseError(result.reason)
    return result


PARSERS = {"boamp": parse_boamp, "ted": parse_ted, "decp": parse_decp}


def parse_payload(
    source: str,
    source_id: str,
    raw: bytes,
    *,
    record: dict[str, Any] | None = None,
    url: str | None = None,
    content_type: str = "application/json",
    schema_version: str | None = None,
) -> NoticeRecord:
    """Parse, or return a raw-only record carrying the reason the parse failed."""
    try:
        parsed = PARSERS[source](raw, record, schema_version)
    except (ParseError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # RecursionError: a payload nested deeper than a parser can walk (a JSON string field holding
        # JSON, an XML tree); the raw payload is still stored, with the reason.
        reason = str(exc) if isinstance(exc, ParseError) else f"{type(exc).__name__}: {exc}"
        return NoticeRecord(
            source=source,
            source_id=source_id,
            raw=raw,
            url=url,
            content_type=content_type,
            publication_date=_flat_date(record),
            parse_error=reason[:2000],
        )
    parsed.source = source  # type: ignore[assignment]
    parsed.source_id = source_id or parsed.source_id
    parsed.raw = raw
    parsed.url = parsed.url or url
    parsed.content_type = content_type
    parsed.texts = {name: text[:MAX_TEXT_CHARS] for name, text in parsed.texts.items()}
    return parsed


def _flat_date(record: dict[str, Any] | None) -> dt.date | None:
    value = (record or {}).get("dateparution") or (record or {}).get("publication-date")
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
