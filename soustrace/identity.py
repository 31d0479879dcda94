"""Organisation identity: identifiers first (SIREN/SIRET, VAT, national ids), normalised names as a fallback.

One SIRET can appear under many spellings and two companies can share a name, so the canonical key of an
organisation is built from a validated identifier whenever one is given; the name is only used when the
source gives no identifier at all. French establishments (SIRET) fold into their legal unit (SIREN):
"which contractors use AWS" is a question about companies, not about their branch offices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from soustrace.names import normalize_name

__all__ = ["Identity", "identify", "normalize_name", "strip_role_markers"]

EU_COUNTRIES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "EL", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}
FRENCH_SCHEMES = {"SIRET", "SIREN"}
VAT_SCHEMES = {"TVA", "VAT", "TVA_INTRACOMMUNAUTAIRE"}


# Role markers written inside winner names: "X(Mandataire)", "Y (co-traitant)", "Z - sous-traitant".
ROLE_WORD = re.compile(
    r"\b(?:(?P<subcontractor>sous[\s\-_]*traitan(?:te|ts|tes|t|ce))"
    r"|(?P<member>co[\s\-_]*traitan(?:te|ts|tes|t|ce))"
    r"|(?P<lead>mandataires?(?!\s+judiciaires?)))\b",
    re.IGNORECASE,
)
ROLE_CORE = (r"(?:sous[\s\-_]*traitan(?:te|ts|tes|t|ce)|co[\s\-_]*traitan(?:te|ts|tes|t|ce)"
              r"|mandataires?)")
GROUP_TAIL = r"(?:\s+(?:du|de\s+la|de\s+l['’]|d['’]un|des)\s*groupement(?:\s+[\w-]+)?)?"
ROLE_PAREN = re.compile(rf"\s*[(\[][^()\[\]]*?\b{ROLE_CORE}\b[^()\[\]]*?(?:[)\]]|$)", re.IGNORECASE)
ROLE_TRAILING = re.compile(
    rf"[\s,;:/\-–—]*\b(?:en\s+(?:tant\s+que|qualit[ée]\s+de)\s+)?(?:(?:le|la|les)\s+)?"
    rf"{ROLE_CORE}{GROUP_TAIL}\s*[.,;:]*\s*$",
    re.IGNORECASE,
)
ROLE_LEADING = re.compile(rf"^\s*{ROLE_CORE}{GROUP_TAIL}\s*[:\-–—]\s*", re.IGNORECASE)


def strip_role_markers(name: str) -> str:
    """`EDITIONS KIRO (MANDATAIRE)` → `EDITIONS KIRO`: the role belongs on the party, not in the name."""
    cleaned = ROLE_LEADING.sub("", ROLE_TRAILING.sub("", ROLE_PAREN.sub("", name))).strip(" ,;:-")
    return cleaned or name


@dataclass(slots=True)
class Identity:
    """The resolution key and the identifiers parsed out of what a source wrote."""

    org_key: str
    siren: str | None = None
    siret: str | None = None
    vat: str | None = None
    foreign_id: str | None = None
    foreign_scheme: str | None = None
    country: str | None = None
    valid: bool | None = None
    issue: str | None = None


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _alnum(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def _french(digits: str, scheme: str | None) -> Identity | None:
    if len(digits) == 14 and scheme in (None, "SIRET"):
        if fr_siret.is_valid(digits):
            return Identity(f"FR-SIREN:{digits[:9]}", siren=digits[:9], siret=digits, country="FR", valid=True)
        return Identity(f"ID:SIRET:{digits}", siret=digits, country="FR", valid=False,
                        issue=f"SIRET {digits} fails its check digit")
    if len(digits) == 9 and scheme in (None, "SIREN", "SIRET"):
        if fr_siren.is_valid(digits):
            return Identity(f"FR-SIREN:{digits}", siren=digits, country="FR", valid=True)
        return Identity(f"ID:SIREN:{digits}", siren=digits, country="FR", valid=False,
                        issue=f"SIREN {digits} fails its check digit")
    if scheme in FRENCH_SCHEMES:
        return Identity(f"ID:{scheme}:{digits or 'EMPTY'}", country="FR", valid=False,
                        issue=f"{scheme} must have {14 if scheme == 'SIRET' else 9} digits, got {len(digits)}")
    return None


def _vat(value: str, country: str | None) -> Identity | None:
    compact = _alnum(value)
    candidates = [compact]
    if country and not compact[:2].isalpha():
        candidates.append(("EL" if country == "GR" else country) + compact)
    for candidate in candidates:
        if candidate[:2] in EU_COUNTRIES and eu_vat.is_valid(candidate):
            if candidate.startswith("FR") and fr_siren.is_valid(candidate[-9:]):
                siren = candidate[-9:]
                return Identity(f"FR-SIREN:{siren}", siren=siren, vat=candidate, country="FR", valid=True)
            return Identity(f"VAT:{candidate}", vat=candidate, country=candidate[:2], valid=True)
    return None


def identify(
    name: str | None, national_id: str | None = None, scheme: str | None = None, country: str | None = None
) -> Identity | None:
    """Resolve what a source wrote to an `Identity`; None when there is neither an id nor a name."""
    scheme = (scheme or "").strip().upper().replace(" ", "_") or None
    country = (country or "").strip().upper() or None
    raw_id = (national_id or "").strip()
    if raw_id:
        digits = _digits(raw_id)
        french_looking = country in (None, "FR") and re.fullmatch(r"[\d\s.\-]+", raw_id) is not None
        if scheme in FRENCH_SCHEMES or (scheme is None and french_looking and len(digits) in (9, 14)):
            found = _french(digits, scheme)
            if found:
                return found
        if scheme in VAT_SCHEMES or scheme is None or country in EU_COUNTRIES:
            found = _vat(raw_id, country)
            if found:
                return found
        if scheme in VAT_SCHEMES:
            return Identity(f"ID:VAT:{_alnum(raw_id)}", vat=_alnum(raw_id), country=country, valid=False,
                            issue=f"VAT number {raw_id!r} is not valid")
        label = scheme or country or "UNKNOWN"
        return Identity(f"ID:{label}:{_alnum(raw_id)}", foreign_id=raw_id, foreign_scheme=scheme or country,
                        country=country, valid=None)
    normalized = normalize_name(name)
    if not normalized:
        return None
    return Identity(f"NAME:{normalized}"[:300], country=country)
