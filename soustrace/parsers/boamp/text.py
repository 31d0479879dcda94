"""Readers of BOAMP's XML-as-JSON shape, and text cleanup, shared by every BOAMP module.

The shape: one element or a list of them, "" for an empty element, "#text" beside attributes, empty
child elements as flags. Text as published carries HTML entities and Windows-1252 mojibake, repaired here.
"""

from __future__ import annotations

import html
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any

import ftfy

from soustrace.records import NoticeRecord

_MOJIBAKE = re.compile("[\x80-\x9f]|Ã[\x80-\xbf]|â€")
_MAYBE_MOJIBAKE = re.compile("[\x80-\x9fÃâ]")  # one character class: a fast first look for _MOJIBAKE
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _as_list(value: Any) -> list[Any]:
    """One element or a list of them (XML repetition); empty elements ("") and null give no items."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_dict(value: Any) -> dict[str, Any]:
    return next((v for v in _as_list(value) if isinstance(v, dict)), {})


def _text(value: Any) -> str | None:
    """The text of an element as written: a string, a number, or the "#text" of an element with attributes."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dict):
        for key in ("#text", "$", "_", "value"):
            if key in value:
                return _text(value[key])
        return None
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t and t.strip()), None)
    return None


def _unescape(text: str) -> str:
    """HTML entities left in the data (`&amp;`, `&#039;`, twice-encoded `&amp;amp;`) are decoded."""
    for _ in range(2):
        decoded = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if decoded == text:
            break
        text = decoded
    return text


def _repair(text: str) -> str:
    """Entities decoded, and Windows-1252 leftovers ("L\x92entité", "Ã©") repaired where they show."""
    text = _unescape(text) if "&" in text else text
    if text.isascii() or _MAYBE_MOJIBAKE.search(text) is None:
        return text
    return _fix_mojibake(text) if _MOJIBAKE.search(text) else text


@lru_cache(maxsize=2048)
def _fix_mojibake(text: str) -> str:
    """`ftfy.fix_text`, remembered: it costs about a millisecond a text, and the broken texts are mostly
    boilerplate a platform or a buyer repeats notice after notice (conditions, forms to supply)."""
    return ftfy.fix_text(text)


def _line(value: Any) -> str | None:
    """A one-line value: repaired, all whitespace collapsed, None when empty."""
    text = _text(value)
    if text is None:
        return None
    text = " ".join(_repair(text).split())
    return text or None


def _para(value: Any) -> str | None:
    """Free text: repaired, spaces collapsed inside lines, line breaks kept."""
    text = _text(value)
    if text is None:
        return None
    lines = (" ".join(line.split()) for line in _repair(text).splitlines())
    text = "\n".join(line for line in lines if line)
    return text or None


def _first_text(node: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((t for t in (_text(node.get(k)) for k in keys) if t and t.strip()), None)


def _marker_keys(value: Any) -> list[str]:
    """Marker elements (`<NATURE><ATTRIBUTION><STANDARD/></ATTRIBUTION></NATURE>`) → ["ATTRIBUTION", ...]."""
    keys: list[str] = []
    for node in _as_list(value):
        if isinstance(node, dict):
            for key, inner in node.items():
                if not key.startswith(("@", "#")):
                    keys.append(key)
                    keys.extend(f"{key}/{sub}" for sub in _marker_keys(inner))
        elif isinstance(node, str) and node.strip():
            keys.append(node.strip())
    return keys


def _first_marker(value: Any) -> str | None:
    return next(iter(_marker_keys(value)), None)


def _marker_keys_of(node: dict[str, Any]) -> list[str]:
    """Empty child elements of a node, i.e. its flags (`<ATTRIBUE/>`, `<INFRUCTUEUX/>`, `<SANS_SUITE/>`)."""
    return [key for key, value in node.items() if value == "" and not key.startswith(("@", "#"))]


def _flag(node: dict[str, Any], stem: str) -> bool | None:
    """`<STEM_OUI/>` → True, `<STEM_NON/>` → False, neither → None."""
    if f"{stem}_OUI" in node:
        return True
    if f"{stem}_NON" in node:
        return False
    return None


def _leaf_texts(value: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """Every text leaf under a node, in document order, skipping the named subtrees and attributes."""
    if isinstance(value, dict):
        return [t for key, inner in value.items() if key not in skip and not key.startswith("@")
                for t in _leaf_texts(inner, skip)]
    if isinstance(value, list):
        return [t for inner in value for t in _leaf_texts(inner, skip)]
    text = _para(value)
    return [text] if text else []


def _put_text(notice: NoticeRecord, key: str, value: Any) -> None:
    text = _para(value)
    if text and key not in notice.texts:
        notice.texts[key] = text


def _lot_key(lot: str, what: str) -> str:
    return f"lot:{lot}:{what}" if lot else what


def _dig(node: Any, paths: tuple[str, ...]) -> Any:
    """The first value found at one of the slash-separated paths (through single elements)."""
    for path in paths:
        current = node
        for part in path.split("/"):
            current = _first_dict(current).get(part)
            if current is None:
                break
        if current not in (None, ""):
            return current
    return None


def _find_key(node: Any, key: str) -> Any:
    """The first value stored under `key` anywhere below `node` (depth-first, document order)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find_key(value, key)
            if found is not None:
                return found
    return None


def _find_norm_key(node: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first key of `node` whose normalised name is in `names` (in the order of `names`)."""
    normalised = {_norm_key(k): k for k in node if not k.startswith(("@", "#"))}
    return next((normalised[n] for n in names if n in normalised), None)


def _get_norm(node: dict[str, Any], name: str) -> Any:
    return _get_any(node, (name,))


def _get_any(node: dict[str, Any], names: tuple[str, ...]) -> Any:
    key = _find_norm_key(node, names)
    return node.get(key) if key else None


def _norm_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(key.split(":")[-1]).lower())


def _words(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", _ascii(text).upper())


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
