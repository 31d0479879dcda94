"""BOAMP's eForms-era `donnees` (eForms UBL mirrored as JSON) -> `NoticeRecord`, via the eForms parser.

Since October 2023 BOAMP publishes its notices as eForms; the `donnees` field of its OpenDataSoft records
is reported to hold the UBL document as JSON: `{"EFORMS": {"ContractAwardNotice": {...}}}`, element
names with their namespace prefixes kept ("cac:", "cbc:", "efac:", "efbc:"...), attributes as
"@currencyID", text as "#text", a repeated element as a list, a single one as an object, a leaf without
attributes as a plain string or number. No real record of this kind has been seen yet, so rather than a
second parser that would drift from the XML one, the JSON is turned back into an lxml tree (prefixes
mapped to the real eForms namespaces) and handed to `eforms.notice_from_root`. Evidence paths are then
XPath-like paths in that tree, which mirror the JSON keys (`.../efac:Organization[3]/...` is the third
item of the "efac:Organization" list).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lxml import etree

from soustrace.parsers.eforms.notice import NS, ROOT_NAMESPACES, notice_from_root
from soustrace.records import NoticeRecord, ParseError, Source

# Deeper than any real eForms notice (about 15 levels); guards the recursion against hostile input.
MAX_DEPTH = 100
_WRAPPERS = ("EFORMS", "eforms", "Eforms")


def parse_eforms_dict(
    doc: Mapping[str, Any],
    *,
    source: Source = "boamp",
    source_id: str | None = None,
    raw: bytes | None = None,
) -> NoticeRecord:
    """Parse an eForms notice given as JSON-like dict (with or without the "EFORMS" wrapper).

    `source` defaults to "boamp" (where this shape comes from); the BOAMP parser should pass the
    record's `idweb` as `source_id` (without it the OJS number or notice UUID is used) and the record
    bytes as `raw` (default: the dict serialised as JSON).
    """
    root = dict_to_tree(doc)
    payload = raw if raw is not None else json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    return notice_from_root(root, raw=payload, source=source, source_id=source_id,
                            content_type="application/json")


def dict_to_tree(doc: Mapping[str, Any]) -> etree._Element:
    """The lxml tree of an eForms notice written in the JSON convention above; ParseError if it is not one."""
    if not isinstance(doc, Mapping):
        raise ParseError(f"eForms JSON must be an object, not {type(doc).__name__}")
    body = _unwrap(doc)
    roots = [key for key in body if _local(key) in ROOT_NAMESPACES]
    if len(roots) != 1:
        raise ParseError(f"eForms JSON: expected one of {sorted(ROOT_NAMESPACES)} as root key, "
                         f"got {list(body)[:5]}")
    local = _local(roots[0])
    namespace = ROOT_NAMESPACES[local]
    root = etree.Element(f"{{{namespace}}}{local}", nsmap={None: namespace, **NS})
    try:
        _fill(root, body[roots[0]], namespace, depth=0)
    except ValueError as exc:  # lxml refuses invalid names and control characters
        raise ParseError(f"eForms JSON: {exc}") from exc
    return root


def _unwrap(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    for wrapper in _WRAPPERS:
        inner = doc.get(wrapper)
        if isinstance(inner, Mapping):
            return inner
    return doc


def _local(key: str) -> str:
    return key.rsplit(":", 1)[-1]


def _qualify(key: str, default_ns: str) -> str:
    """Clark notation of a JSON key: "cbc:ID" -> "{urn:...CommonBasicComponents-2}ID"."""
    if ":" not in key:
        return f"{{{default_ns}}}{key}"
    prefix, local = key.split(":", 1)
    namespace = NS.get(prefix)
    if namespace is None:
        raise ParseError(f"eForms JSON: unknown namespace prefix in key {key!r}")
    return f"{{{namespace}}}{local}"


def _fill(el: etree._Element, value: Any, default_ns: str, depth: int) -> None:
    """Write a JSON value into `el`: objects become attributes, text and children, scalars the text."""
    if depth > MAX_DEPTH:
        raise ParseError("eForms JSON nested too deeply")
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill_key(el, str(key), item, default_ns, depth)
        return
    if isinstance(value, list):
        raise ParseError(f"eForms JSON: a list directly inside a list at {el.tag!r}")
    el.text = _scalar(value)


def _fill_key(el: etree._Element, key: str, item: Any, default_ns: str, depth: int) -> None:
    if key == "#text":
        el.text = None if item is None else _scalar(item)
    elif key.startswith("@"):
        name = key[1:]
        if name != "xmlns" and not name.startswith("xmlns:") and ":" not in name and item is not None:
            el.set(name, _scalar(item))
    else:
        tag = _qualify(key, default_ns)
        for child_value in item if isinstance(item, list) else [item]:
            _fill(etree.SubElement(el, tag), child_value, default_ns, depth + 1)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    raise ParseError(f"eForms JSON: unexpected value of type {type(value).__name__}")
