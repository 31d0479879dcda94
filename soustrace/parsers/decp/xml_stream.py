"""Streaming reader for the DECP XML flavour (`<marches><marche>…</marche><contrat-concession>…`).

`lxml.etree.iterparse` builds one record element at a time; each one is turned into a dict and then
cleared together with its already-processed siblings, so memory stays flat on large files. The dict has
the shape the 2024 JSON would have after unwrapping (`{"titulaires": {"titulaire": [...]}}`), with every
value a string as written (`oui`/`non` included): the record builder reads all flavours the same way.
Entities are never expanded and the network is never used (no XXE): `xml_entities` takes the DOCTYPE
out and turns references into literal text before libxml2 reads a byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from soustrace.parsers.decp.item import SourceItem, record_format
from soustrace.parsers.decp.values import open_binary
from soustrace.parsers.json_records import DEFAULT_LIMITS, EXCERPT_CHARS, Limits, Refusal, safe_excerpt
from soustrace.parsers.xml_entities import EntityFreeStream, entity_references
from soustrace.records import ParseError


def iter_xml_items(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[SourceItem]:
    """Every record (child of the root whose tag names a marché or a concession), in file order.

    A record nested deeper than `limits.max_depth`, holding more text than `limits.max_chars`, or using an
    entity its DOCTYPE declares comes out refused (a reject naming it); the next record is read as usual.
    """
    counts: Counter[str] = Counter()
    depth = 0
    root = "marches"
    refused: str | None = None
    size = 0
    try:
        with open_binary(path) as handle:
            stream = EntityFreeStream(handle)
            for event, elem in etree.iterparse(stream, events=("start", "end"), resolve_entities=False,
                                               no_network=True, huge_tree=True, remove_comments=True,
                                               remove_pis=True):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = _local(elem.tag)
                    elif depth == 2:
                        refused, size = None, 0
                    elif depth > limits.max_depth + 2 and refused is None:
                        refused = f"nested deeper than {limits.max_depth} levels"
                    continue
                if depth > 2:
                    size += len(elem.text or "") + len(elem.tail or "")
                    if size > limits.max_chars and refused is None:
                        refused = f"record larger than the {limits.max_chars:,}-character record limit"
                    if refused is not None:
                        elem.clear(keep_tail=False)
                elif depth == 2:
                    tag = _local(elem.tag)
                    if _is_record_tag(tag):
                        counts[tag] += 1
                        yield _item(elem, f"{root}/{tag}[{counts[tag]}]", tag, refused, stream.declared)
                    _release(elem)
                depth -= 1
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{path}: invalid XML: {exc}") from exc


def _item(elem: etree._Element, path: str, tag: str, refused: str | None, declared: set[str]) -> SourceItem:
    record_id = _child_text(elem, "id")
    if refused is None:
        obj = element_to_obj(elem)
        used = sorted(set(entity_references(str(obj), declared))) if declared else []
        if not used:
            return SourceItem(record=obj, path=path, container=tag, schema_version=f"decp-{record_format(obj)}-xml",
                              xpath=True)
        refused = f"uses entities declared in the DOCTYPE ({', '.join('&' + n + ';' for n in used[:5])}): " \
                  "entities are never expanded"
    excerpt = safe_excerpt(etree.tostring(elem, encoding="unicode")[:EXCERPT_CHARS]) if refused.startswith("uses") \
        else f"<{tag}><id>{record_id or ''}</id>…"
    return SourceItem(record=None, path=path, container=tag, xpath=True,
                      refusal=Refusal(refused, record_id, excerpt))


def _child_text(elem: etree._Element, name: str) -> str | None:
    for child in elem:
        if isinstance(child.tag, str) and _local(child.tag) == name and len(child) == 0:
            return (child.text or "").strip()[:300] or None
    return None


def _is_record_tag(tag: str) -> bool:
    lowered = tag.lower()
    return lowered.startswith("marche") or "concession" in lowered


def _local(tag: object) -> str:
    """Tag without its namespace (`{urn:x}marche` → `marche`)."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _release(elem: etree._Element) -> None:
    """Free a processed record and the siblings before it: iterparse otherwise keeps the whole tree."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def element_to_obj(elem: etree._Element) -> object:
    """Children become keys; a repeated child becomes a list; a leaf becomes its stripped text."""
    children = [child for child in elem if isinstance(child.tag, str)]
    if not children:
        return (elem.text or "").strip()
    out: dict[str, object] = {}
    repeated: set[str] = set()
    for child in children:
        key, value = _local(child.tag), element_to_obj(child)
        if key not in out:
            out[key] = value
        elif key in repeated:
            existing = out[key]
            if isinstance(existing, list):
                existing.append(value)
        else:
            out[key] = [out[key], value]
            repeated.add(key)
    return out
