"""Streaming reader for the DECP XML flavour (`<marches><marche>…</marche><contrat-concession>…`).

`lxml.etree.iterparse` builds one record element at a time; each one is turned into a dict and then
cleared together with its already-processed siblings, so memory stays flat on large files. The dict has
the shape the 2024 JSON would have after unwrapping (`{"titulaires": {"titulaire": [...]}}`), with every
value a string as written (`oui`/`non` included): the record builder reads all flavours the same way.
Entities are not resolved and the network is never used (no XXE).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from soustrace.parsers.decp.item import SourceItem, record_format
from soustrace.parsers.decp.values import open_binary
from soustrace.records import ParseError


def iter_xml_items(path: Path) -> Iterator[SourceItem]:
    """Every record (child of the root whose tag names a marché or a concession), in file order."""
    counts: Counter[str] = Counter()
    depth = 0
    root = "marches"
    try:
        with open_binary(path) as handle:
            for event, elem in etree.iterparse(handle, events=("start", "end"), resolve_entities=False,
                                               no_network=True, huge_tree=True, remove_comments=True,
                                               remove_pis=True):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = _local(elem.tag)
                    continue
                if depth == 2:
                    tag = _local(elem.tag)
                    if _is_record_tag(tag):
                        counts[tag] += 1
                        obj = element_to_obj(elem)
                        yield SourceItem(record=obj, path=f"{root}/{tag}[{counts[tag]}]", container=tag,
                                         schema_version=f"decp-{record_format(obj)}-xml", xpath=True)
                    _release(elem)
                depth -= 1
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{path}: invalid XML: {exc}") from exc


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
