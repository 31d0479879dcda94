"""Parsing untrusted XML (TED, eForms, BOAMP archives) without letting the payload act on us.

Notices come from the network and are stored raw, so a hostile or broken payload must never expand
entities (billion laughs), read local files or URLs (XXE), or blow up memory. The parser here never
loads a DTD, never touches the network, never expands entities, keeps libxml2's size limits, and
refuses outright any document whose DOCTYPE declares entities: no real notice needs them.

Also here: the two small helpers every XML parser of the project needs: flattening inline markup
(`<P>`, `<FT>`) into plain text, and an XPath-like path of an element for evidence records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

from soustrace.records import ParseError

# Elements that end a line when flattened (TED `<P>` paragraphs, eForms has none); everything else
# (`<FT TYPE="SUP">`, `<B>`...) is inline and joins its neighbours without a space.
BLOCK_TAGS = frozenset({"P", "p", "BR", "br"})

# A DOCTYPE with an internal subset that declares entities, in the first bytes of the payload.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[^?!]")
# Encodings a document may start in (BOM or XML declaration) that a bytes scan would not see through.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")


def _parser() -> etree.XMLParser:
    """A fresh parser each time: lxml parsers are not thread-safe, and the settings are the whole point."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def _reject_entity_doctype(raw: bytes) -> None:
    """Fast byte-level refusal of `<!DOCTYPE ... [<!ENTITY ...]>`, before libxml2 sees the payload.

    Done on the raw bytes (also decoded when the payload is UTF-16/32) so that a crafted bomb is refused
    in microseconds, whatever libxml2's own amplification guards would do with it.
    """
    head = raw
    if raw.startswith(_WIDE_BOMS):
        for encoding in ("utf-16", "utf-32"):
            try:
                head = raw.decode(encoding).encode("utf-8")
                break
            except UnicodeDecodeError:
                continue
    doctype = _DOCTYPE.search(head)
    if doctype is None:
        return
    first_element = _FIRST_ELEMENT.search(head)
    in_prolog = first_element is None or doctype.start() < first_element.start()
    if in_prolog and _ENTITY_DECL.search(head, doctype.start()):
        raise ParseError("XML rejected: DOCTYPE declares entities (entity expansion / XXE is refused)")


def parse_xml(raw: bytes) -> etree._Element:
    """Parse untrusted XML bytes and return the root element, or raise `ParseError` with the reason.

    Refused: empty payloads, malformed XML, any DOCTYPE declaring entities (checked on the bytes and
    again on the parsed DTD, so no encoding trick gets one through).
    """
    if not isinstance(raw, bytes | bytearray):
        raise ParseError(f"XML payload must be bytes, not {type(raw).__name__}")
    if not raw.strip():
        raise ParseError("empty XML payload")
    _reject_entity_doctype(bytes(raw))
    try:
        tree = etree.fromstring(bytes(raw), parser=_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {exc}") from exc
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("XML rejected: DOCTYPE declares entities (entity expansion / XXE is refused)")
    return tree.getroot()


def local_name(el: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def flatten_text(el: etree._Element | None) -> str:
    """The text of an element with inline markup removed: `<P>` blocks become lines, `<FT>` joins in.

    Whitespace inside a line is collapsed and empty lines dropped, so `m<FT TYPE="SUP">2</FT>` reads
    "m2" and a multi-paragraph description keeps one paragraph per line for the NLP stage.
    """
    if el is None:
        return ""
    parts: list[str] = []
    _collect_text(el, parts)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def _collect_text(el: etree._Element, parts: list[str]) -> None:
    if el.text and isinstance(el.tag, str):
        parts.append(el.text)
    for child in el:
        block = local_name(child) in BLOCK_TAGS
        if block:
            parts.append("\n")
        if isinstance(child.tag, str):
            _collect_text(child, parts)
        if block:
            parts.append("\n")
        if child.tail:
            parts.append(child.tail)


def element_path(el: etree._Element, prefixes: Mapping[str, str]) -> str:
    """An XPath-like locator of `el` for evidence: prefixed names, `[n]` only where siblings repeat.

    `prefixes` maps namespace URIs to the prefixes to print (e.g. eForms `cbc`); unknown namespaces
    print the bare local name, which is what a reader of the notice expects to see.
    """
    steps: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        tag = node.tag
        namespace, _, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        prefix = prefixes.get(namespace)
        step = f"{prefix}:{local}" if prefix else local
        # siblings of the same name, counted by lxml (a lot list of a large notice has hundreds of them)
        before = sum(1 for _ in node.itersiblings(tag, preceding=True))
        if before or next(node.itersiblings(tag), None) is not None:
            step += f"[{before + 1}]"
        steps.append(step)
        node = node.getparent()
    return "/" + "/".join(reversed(steps))
