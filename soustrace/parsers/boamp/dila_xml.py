"""DILA's BOAMP XML → the dict shape of the API's `donnees`, so one parser reads both inputs.

Element names as-is (prefix kept, default namespace dropped), repeated elements → list, empty element →
"", attributes as "@NAME", text beside attributes or children as "#text".
"""

from __future__ import annotations

from typing import Any

from lxml import etree


def _annonce_elements(root: etree._Element) -> list[etree._Element]:
    if etree.QName(root).localname == "ANNONCE":
        return [root]
    return [child for child in root if isinstance(child.tag, str) and etree.QName(child).localname == "ANNONCE"]


def _qname(el: etree._Element) -> str:
    """The element name as the API's JSON writes it: prefix kept ("cbc:ID"), default namespace dropped."""
    tag = el.tag
    if tag[0] != "{":  # no namespace (all of BOAMP's own elements): the tag is the name
        return tag
    local = tag.partition("}")[2]
    return f"{el.prefix}:{local}" if el.prefix else local


def _attribute_name(el: etree._Element, name: str) -> str:
    if name[0] != "{":
        return name
    namespace, _, local = name[1:].partition("}")
    prefix = next((p for p, uri in el.nsmap.items() if uri == namespace and p), None)
    return f"{prefix}:{local}" if prefix else local


def _element_value(el: etree._Element) -> Any:
    """Element → "" (empty), text (leaf), or dict: "@attr", "#text", children (repeated ones → list).

    Read straight off the lxml element: tags without a namespace are used as they are (no QName object per
    element), attributes only looked at when there are some, and a child without children or attributes
    (most of a notice) is its text without a call of its own.
    """
    children = []
    text = el.text or ""
    for child in el:
        if child.tail:
            text += child.tail
        if isinstance(child.tag, str):
            children.append(child)
    attrib = el.attrib
    if not children and not attrib:
        return text
    node: dict[str, Any] = {f"@{_attribute_name(el, k)}": v for k, v in attrib.items()} if attrib else {}
    if text.strip():
        node["#text"] = text
    for child in children:
        tag = child.tag
        key = tag if tag[0] != "{" else _qname(child)
        value = (child.text or "") if not len(child) and not child.attrib else _element_value(child)
        if key not in node:
            node[key] = value
        else:
            known = node[key]
            if isinstance(known, list):
                known.append(value)
            else:
                node[key] = [known, value]
    return node
