"""TED notices, whatever their format: eForms (since 2023) or the TED XML export R2.0.9 (2014 forms).

The TED API serves both under the same `links.xml` URL, so the crawler hands the bytes here and the root
element decides which parser reads them.
"""

from __future__ import annotations

from soustrace.parsers.eforms.notice import is_eforms_root, notice_from_root
from soustrace.parsers.ted.export import is_ted_export_root, notice_from_ted_root
from soustrace.parsers.xml import parse_xml
from soustrace.records import NoticeRecord, ParseError


def parse_ted_notice(raw: bytes) -> NoticeRecord:
    """Parse a TED notice (eForms or TED_EXPORT R2.0.9); ParseError naming the root for anything else."""
    root = parse_xml(raw)
    if is_eforms_root(root):
        return notice_from_root(root, raw=raw)
    if is_ted_export_root(root):
        return notice_from_ted_root(root, raw=raw)
    raise ParseError(
        f"not a TED notice: root element {root.tag!r} is neither an eForms notice "
        "(ContractAwardNotice / ContractNotice / PriorInformationNotice) nor a TED_EXPORT"
    )
