"""Who built the site: the `built-by` finding ("réalisé par", "conception et réalisation", "webmaster",
"design & development by" ...), with the builder's name, its SIREN/SIRET/RCS when printed, and its span.

Why: a public body's legal notice often names the editor (the buyer), the builder (its contractor) and
the host in one page; the contract chains join the builder to the contract's winner on its name or
SIREN. Three layouts are read: a label line ("Réalisation : Agence X"), a phrase in prose ("Ce site a
été réalisé par OCTO TECHNOLOGY"), and a builder heading followed by a name line. The phrases are
per language (`languages/<lang>.py`, `builders`). Ids use the editor's patterns and validation.
"""

from __future__ import annotations

import re
from typing import Any

from soustrace.catalog import Catalog
from soustrace.extraction import languages
from soustrace.extraction.blocks import plausible_name
from soustrace.extraction.editor import ID_PATTERNS, _validate
from soustrace.extraction.layout import Line

_LEAD = re.compile(
    r"^\s*[:\-–—]?\s*(?:l'agence|l’agence|la soci[ée]t[ée]|l'entreprise|la start-?up|le studio|"
    r"l'[ée]quipe|the agency|the company|the team)?\s*",
    re.I,
)
CONFIDENCE = {"label": 0.85, "phrase": 0.8, "heading": 0.7}


def _ids(text: str, lines: list[Line], li: int, start: int) -> list[dict[str, Any]]:
    """Registration ids printed after the builder's name, on its line or the next three lines."""
    end_line = li
    for j in range(li + 1, min(len(lines), li + 4)):
        if lines[j].kind in {"blank", "heading"}:
            break
        end_line = j
    window_end = lines[end_line].end
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for scheme, rx in ID_PATTERNS:
        for m in rx.finditer(text, start, window_end):
            raw = m.group(1)
            value = re.sub(r"[\s.\u00a0]", "", raw).upper()
            if scheme == "RCS":
                value = re.sub(r"\D", "", value)[:9]
            if (scheme, value) in seen:
                continue
            seen.add((scheme, value))
            out.append(
                {"scheme": scheme, "value": value, "raw": raw, "valid": _validate(scheme, value), "start": m.start(1)}
            )
    return out


def _finding(
    text: str, lines: list[Line], li: int, start: int, value: str, rule: str, catalog: Catalog
) -> dict[str, Any] | None:
    lead = _LEAD.match(value)
    offset = lead.end() if lead else 0
    rest = value[offset:]
    article = re.match(r"(?:La|Le|Les|L'|L’|The)\s*", rest)  # "La Fabrique Numérique" is a name as written
    name = plausible_name(rest[article.end() :] if article else rest)
    if not name:
        return None
    if article and rest[article.end() :].startswith(name):
        name = rest[: article.end()] + name
    pos = start + offset + rest.find(name)
    pid = catalog.resolve(name)
    return {
        "provider_id": pid,
        "provider": catalog.display_name(pid) if pid else name,
        "surface": name,
        "start": pos,
        "end": pos + len(name),
        "role": "built-by",
        "status": "current",
        "confidence": CONFIDENCE[rule],
        "sentence": lines[li].text.strip(),
        "rule": f"built-by-{rule}",
        "ids": _ids(text, lines, li, pos + len(name)),
    }


_STEMS = (
    "réalis", "realis", "conçu", "concu", "développ", "develop", "webmaster", "design", "built by", "made by",
    "created by", "crafted", "conception", "création", "creation", "crédit", "credit", "entwickelt", "umsetzung",
    "gestaltung", "desarrollad", "diseñ", "realizzat", "sviluppat", "progettat", "ontwikkeld", "ontworpen",
    "gebouwd", "gemaakt door", "dezvoltat", "realizat",
)  # fmt: skip


def builder_gate(text: str) -> bool:
    """Cheap test (substring scans, no regex) for texts that skipped the NLP path: a builder word occurs.

    Why not the phrase regex: an alternation over every language costs more on a 1 KB text than the
    whole no-disclosure path is allowed (2,000 documents/s).
    """
    folded = text.casefold()
    return any(stem in folded for stem in _STEMS)


def extract_builders(text: str, lines: list[Line], catalog: Catalog) -> list[dict[str, Any]]:
    """Every `built-by` finding of the text, in text order, one per builder name."""
    if not builder_gate(text):
        return []
    phrase = languages.builder_regex()
    found: list[dict[str, Any]] = []
    for li, line in enumerate(lines):
        if line.kind == "blank":
            continue
        folded = line.text.casefold()
        hit: dict[str, Any] | None = None
        if line.kind == "label" and line.value_start is not None and line.label_role == "creator":
            hit = _finding(text, lines, li, line.value_start, text[line.value_start : line.end], "label", catalog)
        if hit is None and len(folded) == len(line.text):
            for m in phrase.finditer(folded):
                after = line.start + m.end()
                hit = _finding(text, lines, li, after, text[after : line.end], "phrase", catalog)
                if hit:
                    break
        if hit is None and line.kind == "heading" and line.section == "creator":
            for j in range(li + 1, min(len(lines), li + 4)):
                nxt = lines[j]
                if nxt.kind == "blank":
                    continue
                if nxt.kind == "text" and len(nxt.core.split()) <= 6:
                    hit = _finding(text, lines, j, nxt.core_start, nxt.core, "heading", catalog)
                break
        if hit and not any(h["surface"] == hit["surface"] for h in found):
            found.append(hit)
    return found
