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
    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


def _attribute_name(el: etree._Element, name: str) -> str:
    qname = etree.QName(name)
    if not qname.namespace:
        return qname.localname
    prefix = next((p for p, uri in el.nsmap.items() if uri == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _element_value(el: etree._Element) -> Any:
    """Element → "" (empty), text (leaf), or dict: "@attr", "#text", children (repeated ones → list)."""
    children = [child for child in el if isinstance(child.tag, str)]
    attributes = {f"@{_attribute_name(el, k)}": v for k, v in el.attrib.items()}
    text = (el.text or "") + "".join(child.tail or "" for child in el)
    if not children and not attributes:
        return text
    node: dict[str, Any] = dict(attributes)
    if text.strip():
        node["#text"] = text
    for child in children:
        key = _qname(child)
        value = _element_value(child)
        if key not in node:
            node[key] = value
        elif isinstance(node[key], list):
            node[key].append(value)
        else:
            node[key] = [node[key], value]
    return node
