"""BOAMP winner names: role markers written into the name, and several companies in one name.

"X(Mandataire)" is the lead, "Y (co-traitant)" a member, "Z sous-traitant" a subcontractor; the marker is
removed from the name and kept in the evidence. A text naming several companies each with its own marker
is split into one party each. The marker patterns themselves are shared in `soustrace.identity`.
"""

from __future__ import annotations

import re

from soustrace.identity import GROUP_TAIL as _GROUP_TAIL
from soustrace.identity import ROLE_LEADING as _ROLE_LEADING
from soustrace.identity import ROLE_PAREN as _ROLE_PAREN
from soustrace.identity import ROLE_TRAILING as _ROLE_TRAILING
from soustrace.identity import ROLE_WORD as _ROLE_WORD
from soustrace.parsers.boamp.text import _line
from soustrace.records import PartyRoleName

_SEGMENT_LEAD = re.compile(r"^[\s,;/+&\-–—]*(?:\bet\b\s*)?", re.IGNORECASE)


_ABBREVIATION_END = re.compile(
    r"(?:\b[^\W\d_]\.){2,}$|\b(?:cie|co|ste|sté|inc|ltd|etc|bros|jr|sr|st|ets|éts)\.$", re.IGNORECASE
)


def _roles(raw_name: str) -> list[tuple[str, PartyRoleName, str]]:
    """(name, role, segment) for each company written in one winner text.

    "X(Mandataire)" → lead, "Y (co-traitant)" → member, "Z sous-traitant" → subcontractor, else winner.
    A text naming several companies each with its own marker ("A (mandataire) / B (cotraitant)") is split;
    otherwise the first marker gives the role and the text stays one party.
    """
    text = _line(raw_name) or ""
    matches = list(_ROLE_WORD.finditer(text))
    if len(matches) > 1:
        split = _split_groupement(text, matches)
        if split:
            return split
    role = _role_of(matches[0]) if matches else "winner"
    name = _strip_role(text) if matches else text
    return [(_name(name) or _name(text) or text, role, text)]


def _split_groupement(text: str, matches: list[re.Match[str]]) -> list[tuple[str, PartyRoleName, str]]:
    """Cut "A (mandataire) / B (co-traitant)" after each marker; [] when a piece is not a clean name."""
    parts: list[tuple[str, PartyRoleName, str]] = []
    start = 0
    for match in matches:
        end = match.end()
        before = text[start:match.start()]
        if before.rfind("(") > before.rfind(")") or before.rfind("[") > before.rfind("]"):
            closing = re.search(r"[)\]]", text[end:])
            end += closing.end() if closing else len(text) - end
        else:
            tail = re.match(_GROUP_TAIL, text[end:], re.IGNORECASE)
            end += tail.end() if tail else 0
        segment = _SEGMENT_LEAD.sub("", text[start:end]).strip()
        name = _name(_strip_role(segment))
        if not name or len(re.sub(r"\W", "", name)) < 2 or _ROLE_WORD.search(name):
            return []
        parts.append((name, _role_of(match), segment))
        start = end
    if re.sub(r"[\s.,;:/+&\-–—)\]]", "", text[start:]):
        return []
    return parts


def _role_of(match: re.Match[str]) -> PartyRoleName:
    if match.group("subcontractor"):
        return "subcontractor"
    return "member" if match.group("member") else "lead"


def _strip_role(text: str) -> str:
    stripped = _ROLE_PAREN.sub("", text)
    stripped = _ROLE_LEADING.sub("", stripped)
    stripped = _ROLE_TRAILING.sub("", stripped)
    return stripped.strip() or text


def _name(value: str | None) -> str | None:
    """Clean an organisation name: entities decoded, spaces collapsed, trailing noise punctuation dropped.

    A final "." is noise ("ville de Chenôve.") unless it ends an abbreviation ("S.A.", "Cie.").
    """
    text = _line(value)
    while text:
        trimmed = re.sub(r"[\s,;:]+$", "", text)
        trimmed = re.sub(r"\s+[-–—/]+$", "", trimmed)
        if trimmed.endswith(".") and not trimmed.endswith("..") and not _ABBREVIATION_END.search(trimmed):
            trimmed = trimmed[:-1]
        if trimmed == text:
            break
        text = trimmed
    return text or None


def _segment_extra(segment: str, raw_name: str) -> dict[str, object]:
    return {"segment": segment} if segment != (_line(raw_name) or raw_name) else {}
