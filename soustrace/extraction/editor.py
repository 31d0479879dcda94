"""The editor (publisher) of the page and its registration ids, validated with python-stdnum.

Why care about ids here: the chain contract -> contractor -> host is joined on SIREN/SIRET, and legal
notices print the host's numbers right next to the editor's. An id is kept for the editor only when it
sits outside the hosting block and is not a catalog provider's quoted number (OVH's RCS 424 761 419 in a
customer's notice is OVH's, not the customer's). Invalid ids are kept with `valid: false`, not dropped:
a typo in a notice is evidence too.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren, siret, tva

from soustrace.catalog import Catalog, strip_accents
from soustrace.extraction.layout import Line

_D3 = r"\d{3}[\s.\u00a0]?\d{3}[\s.\u00a0]?\d{3}"
ID_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("SIRET", re.compile(rf"\bSIRET\b[^\d\n]{{0,25}}({_D3}[\s.\u00a0]?\d{{5}})", re.I)),
    ("SIREN", re.compile(rf"\bSIREN\b[^\d\n]{{0,25}}({_D3})(?![\s.\u00a0]?\d)", re.I)),
    ("RCS", re.compile(rf"\bR\.?C\.?S\.?\b[^\d\n]{{0,40}}?(?:[AB]\s*)?({_D3})(?:[\s\u00a0]?\d{{5}})?", re.I)),
    (
        "RCS",
        re.compile(
            rf"(?:trade (?:and companies )?register|registre du commerce)[^\d\n]{{0,60}}?"
            rf"(?:[AB]\s*)?({_D3})",
            re.I,
        ),
    ),
    (
        "VAT",
        re.compile(
            r"\b(?:TVA|VAT|USt-?IdNr)\b[^\n:]{0,30}?[:\s]\s*([A-Z]{2}[\s\u00a0]?[0-9A-Z]{2}[\s\u00a0]?"
            r"\d{3}[\s\u00a0]?\d{3}[\s\u00a0]?\d{3})",
            re.I,
        ),
    ),
    ("BCE", re.compile(r"\b(?:BCE|KBO|n° d'entreprise)\b\s*:?\s*(0?\d{3}\.?\d{3}\.?\d{3})", re.I)),
]
EDITOR_LABEL = re.compile(
    r"^(?:[ée]diteur(?: du site)?|[ée]dit[ée] par|propri[ée]taire(?: du site)?|raison sociale|d[ée]nomination"
    r"(?: sociale)?|nom de (?:la soci[ée]t[ée]|l.entreprise|l.association|la structure)|soci[ée]t[ée]|"
    r"l.entreprise|entreprise|publisher|company name|site owner|owner|anbieter)\s*$",
    re.I,
)
EDITOR_PROSE = re.compile(
    r"(?:published by|(?:est )?[ée]dit[ée] par|is operated by)\s+(?:the company,?\s+|la soci[ée]t[ée]\s+|"
    r"l.association\s+)?([A-Z0-9«\"][^,\n.;()]{1,60})"
)


_NUMBERS: dict[int, frozenset[str]] = {}


def _provider_numbers(catalog: Catalog) -> frozenset[str]:
    """Every catalog provider's quoted registration numbers, computed once per catalog object."""
    key = id(catalog)
    if key not in _NUMBERS:
        _NUMBERS[key] = frozenset(n for prov in catalog for n in prov.registration_numbers)
    return _NUMBERS[key]


def _validate(scheme: str, value: str) -> bool:
    digits = re.sub(r"[\s.\u00a0]", "", value)
    try:
        if scheme in ("SIREN", "RCS"):
            return siren.is_valid(digits)
        if scheme == "SIRET":
            return siret.is_valid(digits)
        if scheme == "VAT":
            return tva.is_valid(digits) if digits[:2].upper() == "FR" else eu_vat.is_valid(digits)
        if scheme == "BCE":
            return be_vat.is_valid("BE" + digits.zfill(10))
    except Exception:  # stdnum raises on odd input in some versions; invalid is the answer
        return False
    return False


def _clean_name(value: str) -> str | None:
    v = re.split(r"\s*(?:\(|,|;| - | – | — |\|)", value.strip().strip('"*`«»“” '), maxsplit=1)[0]
    v = v.strip().strip('"*`«»“”:').strip()
    if not v or v.startswith(("[", "{", "http")) or len(v) > 80 or not re.search(r"\w", v):
        return None
    return v


def extract_editor(
    text: str,
    lines: list[Line],
    line_sections: list[tuple[str | None, int | None]],
    catalog: Catalog,
    provider_lines: set[int],
) -> dict[str, Any] | None:
    """{name, ids[{scheme, value, raw, valid, start, end}]} for the page's editor, or None if nothing found.

    `provider_lines` maps a line index to the offset of the first provider relation on it: ids after that
    offset, or anywhere in a hosting section, belong to the provider.
    """
    provider_numbers = _provider_numbers(catalog)
    ids: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    line_starts = [ln.start for ln in lines]
    for scheme, rx in ID_PATTERNS:
        for m in rx.finditer(text):
            raw = m.group(1)
            digits = re.sub(r"[\s.\u00a0]", "", raw)
            li = max(0, _bisect(line_starts, m.start(1)))
            section = line_sections[li][0] if li < len(line_sections) else None
            if section in {"hosting", "processors", "creator", "registrar"}:
                continue
            if li in provider_lines and m.start(1) > provider_lines[li]:
                continue  # after the provider's name on its line: the provider's number
            core = re.sub(r"\D", "", digits)
            if any(core[-9:] in n or n in core for n in provider_numbers if len(n) >= 9):
                continue
            value = digits.upper()
            if scheme == "RCS":
                value = core[:9]
            key = (scheme, value)
            if key in seen:
                continue
            seen.add(key)
            ids.append(
                {
                    "scheme": scheme,
                    "value": value,
                    "raw": raw,
                    "valid": _validate(scheme, value),
                    "start": m.start(1),
                    "end": m.end(1),
                }
            )
    name = _editor_name(text, lines, line_sections)
    if not ids and not name:
        return None
    return {"name": name, "ids": ids}


def _editor_name(text: str, lines: list[Line], line_sections: list[tuple[str | None, int | None]]) -> str | None:
    for i, line in enumerate(lines):
        if line.kind == "label" and line.value_start is not None:
            label = line.core.split(":")[0].split("=")[0].strip(" *")
            if EDITOR_LABEL.match(strip_accents(label)) or EDITOR_LABEL.match(label):
                name = _clean_name(text[line.value_start : line.end])
                if name:
                    return name
        if line.kind == "heading" and line.section == "editor":
            for nxt in lines[i + 1 : i + 4]:
                if nxt.kind == "blank":
                    continue
                if nxt.kind == "text" and len(nxt.core.split()) <= 8 and not re.search(r"\d{3}", nxt.core):
                    name = _clean_name(nxt.core)
                    if name:
                        return name
                break
    m = EDITOR_PROSE.search(text)
    if m:
        return _clean_name(m.group(1))
    return None


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo
