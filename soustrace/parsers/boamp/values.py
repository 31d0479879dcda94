"""Values as BOAMP writes them: dates, numbers, amounts, company ids, countries, addresses, URLs, CPV.

Also the evidence records of the BOAMP extractor (used by every BOAMP reader), and the platform relation
a buyer-profile or documents URL gives (legacy and national forms alike).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from soustrace.parsers.boamp.text import _find_key, _first_dict, _leaf_texts, _line, _text
from soustrace.records import EvidenceRecord, NoticeRecord, RelationRecord

EXTRACTOR = "boamp"
EXTRACTOR_VERSION = "1.0.0"


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_FR_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")


_CPV = re.compile(r"\b(\d{8})(?:-\d)?\b")
_URL_LIKE = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


_ID_MAX = 60  # party national_id column width


def _date(value: Any) -> dt.date | None:
    """ISO dates, also not zero-padded ("2006-07-4") or with a time/offset, and French "26/12/2016"."""
    text = _line(value)
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FR_DATE.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _first_date(values: list[Any]) -> dt.date | None:
    return next((d for d in (_date(v) for v in values) if d), None)


def _int(value: Any) -> int | None:
    match = re.match(r"\s*(\d{1,9})(?!\d)(?![.,]\d)", _line(value) or "")
    return int(match.group(1)) if match else None


def _first_int(values: list[Any]) -> int | None:
    return next((i for i in (_int(v) for v in values) if i is not None), None)


def _decimal(value: Any) -> Decimal | None:
    """A number as BOAMP writes it: "159691.6", "348 852,00", "1.234.567", "12 000 EUR HT"."""
    text = _line(value)
    if not text:
        return None
    compact = re.sub(r"\s", "", text)
    compact = re.sub(r"(?i)(?:€|eur(?:os?)?|ht|ttc)+$", "", compact)
    if "," in compact and "." in compact:
        decimal_sep = "," if compact.rfind(",") > compact.rfind(".") else "."
        compact = compact.replace("." if decimal_sep == "," else ",", "").replace(",", ".")
    elif compact.count(",") == 1:
        compact = compact.replace(",", ".")
    elif compact.count(",") > 1 or compact.count(".") > 1:
        compact = compact.replace(",", "").replace(".", "")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", compact):
        return None
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


def _amount(value: Any) -> tuple[Decimal | None, str | None]:
    """`<MONTANT DEVISE="EUR">348852</MONTANT>` → (Decimal("348852"), "EUR")."""
    if value is None or value == "":
        return None, None
    node = _first_dict(value) if isinstance(value, list | dict) else {}
    currency = _line(node.get("@DEVISE") or node.get("DEVISE") or node.get("@currencyID") or node.get("@devise"))
    valid = currency and re.fullmatch(r"[A-Za-z]{3}", currency)
    return _decimal(value), currency.upper() if valid else None


def _national_id(value: str | None) -> tuple[str | None, str | None]:
    """The id as written, and its scheme by shape: 14 digits SIRET, 9 digits SIREN, FR+11 VAT, else None."""
    text = _line(value)
    if not text:
        return None, None
    separators = r"[\s.\-]" if re.fullmatch(r"[\d\s.\-]+", text) else r"\s"  # "123 456 789 00012"
    compact = re.sub(separators, "", text).upper()
    if compact.isdigit():
        return text, {14: "SIRET", 9: "SIREN"}.get(len(compact))
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", compact):
        return text, "TVA"
    for match in re.finditer(r"\d[\d ]{7,20}\d", text):  # "SIRET : 123 456 789 00012"
        digits = match.group(0).replace(" ", "")
        if len(digits) in (9, 14):
            return match.group(0), "SIRET" if len(digits) == 14 else "SIREN"
    return (text, None) if len(text) <= _ID_MAX else (None, None)


def _country(value: Any, scheme: str | None) -> str | None:
    """ISO alpha-2 from a NUTS code ("FR813" → "FR") or a 2-letter country; French ids imply FR."""
    text = _line(value)
    if text and re.fullmatch(r"[A-Za-z]{2}[0-9A-Za-z]{0,3}", text):
        code = text[:2].upper()
        return "GR" if code == "EL" else code
    return "FR" if scheme in ("SIRET", "SIREN") else None


def _nuts(node: Any) -> str | None:
    return _line(_first_dict(node).get("CODE_NUTS")) if node else None


def _address(node: dict[str, Any]) -> str | None:
    street = _line(node.get("ADRESSE"))
    city = " ".join(p for p in (_line(node.get("CP")), _line(node.get("VILLE"))) if p)
    country = _line(node.get("PAYS"))
    parts = [p for p in (street, city, country) if p]
    return ", ".join(re.sub(r"[\s,;]+$", "", p) for p in parts) or None


def _email(value: Any) -> str | None:
    text = _line(value)
    if text and "@" in text:
        return text.rstrip(".,;")
    return None


def _url(value: Any) -> str | None:
    """A URL as written, trailing sentence punctuation dropped; None for "Néant" and other non-URLs."""
    text = _line(value)
    if not text:
        return None
    text = text.rstrip(".,;)")
    return text if _URL_LIKE.match(text) and "@" not in text.split("/")[0] else None


def _cpv(value: Any) -> str | None:
    """The main CPV code (8 digits) of a CPV element: its PRINCIPAL, else the first code written in it."""
    if value is None or value == "":
        return None
    principal = _find_key(value, "PRINCIPAL")
    if principal is None:
        principal = _find_key(value, "classPrincipale")
    for candidate in (principal, *_leaf_texts(value)):
        match = _CPV.search(_line(candidate) or "")
        if match:
            return match.group(1)
    return None


def _evidence(text: str, path: str) -> EvidenceRecord:
    return EvidenceRecord(text=text, path=path, extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)


def _add_platform(notice: NoticeRecord, value: Any, path: str, role: str) -> None:
    """A buyer-profile / documents URL names the e-procurement platform the buyer uses."""
    raw = _text(value)
    url = _url(value)
    if not url or any(rel.target_url == url for rel in notice.relations):
        return
    notice.relations.append(RelationRecord(
        kind="uses-platform", src=None, target_url=url, role=role, method="structured",
        evidence=_evidence(raw or url, path),
    ))
