"""Who built a site, read in its legal notice: "Ce site a été réalisé par OCTO TECHNOLOGY", "Réalisation :
Agence X", "Conception et développement : X", "Built by X" — a minimal reader used until the extraction's
own `built-by` findings (`Extraction.built_by`) are there; it gives findings of the same shape.

Why it matters: a public body's legal notice often names three parties at once, the editor (the buyer),
the builder (its contractor) and the host; the builder joins the buyer's site to a company, as a contract
would. Registration numbers printed with the builder's name (SIREN, SIRET, RCS) are kept so the builder is
resolved by identifier rather than by name when it can be.
"""

from __future__ import annotations

import re
from typing import Any

RULE_CONFIDENCE = {"built-by-label": 0.85, "built-by-phrase": 0.8, "built-by-heading": 0.7}
_LABEL = re.compile(
    r"^\s*(?:R[ée]alisation(?:\s+(?:technique|du site))?|Conception(?:\s+et\s+(?:r[ée]alisation|d[ée]veloppement))?|"
    r"D[ée]veloppement|Webmaster|Cr[ée]ation(?:\s+du\s+site)?|Design(?:\s*&\s*d[ée]veloppement)?|"
    r"Built\s+by|Developed\s+by|Made\s+by|Design\s+and\s+development)\s*[:\-–—]\s*(?P<name>\S.*)$", re.I | re.M)
_PHRASE = re.compile(
    r"(?:r[ée]alis[ée]e?s?|con[çc]ue?s?|d[ée]velopp[ée]e?s?|cr[ée][ée]e?s?|built|developed|designed|made)"
    r"(?:\s+et\s+\w+)?\s+(?:par|by)\s+(?:l['’]agence\s+|la\s+soci[ée]t[ée]\s+|l['’]entreprise\s+|the\s+agency\s+|"
    r"the\s+company\s+)?(?P<name>[A-Z0-9][^\n,.;:()]{1,80})", re.M)
_HEADING = re.compile(r"^\s*(?:R[ée]alisation|Conception(?:\s+et\s+r[ée]alisation)?|Cr[ée]dits|Webmaster)\s*$",
                      re.I | re.M)
_ID = re.compile(r"\b(SIRET|SIREN|RCS)\b[^\d\n]{0,40}?(\d{3}\s?\d{3}\s?\d{3}(?:\s?\d{5})?)", re.I)
# An article followed by a lower-case word is prose ("la direction de..."), not a name ("La Fabrique Numérique").
_NOT_A_MAKER = re.compile(r"^(?:le|la|les|l'|un|une|des|ce|cette|notre|nos|the|a|an|this|our)\s+[a-zà-ÿ]")


def _name(raw: str) -> str | None:
    name = re.split(r"\s+(?:pour|for|avec|with|sur|on|en|in|à|at|et|and)\s+|\s[–—-]\s|\s*[(,]", raw.strip(),
                    maxsplit=1)[0]
    name = name.strip(" .,;:")
    if not name or _NOT_A_MAKER.match(name) or len(name.split()) > 6 or not (name[:1].isupper() or name[:1].isdigit()):
        return None
    return name


def _ids(text: str, pos: int) -> list[dict[str, Any]]:
    """Registration numbers on the builder's line or the next three lines."""
    window_end = pos
    for _ in range(4):
        nl = text.find("\n", window_end + 1)
        window_end = len(text) if nl < 0 else nl
    out = []
    for m in _ID.finditer(text, pos, window_end):
        value = re.sub(r"\s", "", m.group(2))
        scheme = "SIRET" if len(value) == 14 else "SIREN"
        out.append({"scheme": scheme, "value": value if scheme == "SIRET" else value[:9], "raw": m.group(0),
                    "valid": None, "start": m.start(2)})
    return out


def _finding(text: str, start: int, raw: str, rule: str) -> dict[str, Any] | None:
    name = _name(raw)
    if name is None:
        return None
    begin = text.find(name, start)
    line_start = text.rfind("\n", 0, begin) + 1
    line_end = text.find("\n", begin)
    return {"provider_id": None, "provider": name, "surface": name, "start": begin, "end": begin + len(name),
            "role": "built-by", "status": "current", "confidence": RULE_CONFIDENCE[rule],
            "sentence": text[line_start:line_end if line_end >= 0 else len(text)].strip(), "rule": rule,
            "ids": _ids(text, begin)}


def extract_builders(text: str) -> list[dict[str, Any]]:
    """Every builder named in a legal notice's text, one per name, in text order."""
    found: list[dict[str, Any]] = []
    for rx, rule in ((_LABEL, "built-by-label"), (_PHRASE, "built-by-phrase")):
        for m in rx.finditer(text):
            hit = _finding(text, m.start("name"), m.group("name"), rule)
            if hit and not any(h["surface"] == hit["surface"] for h in found):
                found.append(hit)
    if not found:
        for m in _HEADING.finditer(text):
            rest = text[m.end():].lstrip("\n")
            line = rest.split("\n", 1)[0]
            if line and len(line.split()) <= 6:
                hit = _finding(text, m.end(), line, "built-by-heading")
                if hit:
                    found.append(hit)
                    break
    return sorted(found, key=lambda h: h["start"])


def builders_of(extraction: Any, text: str) -> list[dict[str, Any]]:
    """The extraction's own built-by findings when it makes them, else this module's."""
    own = getattr(extraction, "built_by", None)
    return list(own) if own is not None else extract_builders(text)
