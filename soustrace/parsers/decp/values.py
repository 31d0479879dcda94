"""Value-level cleanup for DECP records: dates, amounts, CPV codes, identifiers, damaged text, wrappers.

DECP is published by thousands of buyers through dozens of platforms and re-consolidated several times
(JSON, XML, flat CSV), so the same field arrives as a number, a string, a French boolean or a Python-repr
list. These helpers accept every shape seen in the samples and say what they did, so the record builder
can keep the raw value and flag it instead of silently inventing or dropping data.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import gzip
import html
import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

import ftfy

# Placeholders that mean "no value" in numeric and date fields ("CDL" in data.economie exports, "NC" and
# "nan" left by other consolidations). Never applied to free text: "NC" is also a country code.
EMPTY_MARKERS = frozenset({"", "cdl", "nc", "nan", "none", "null", "n/a", "na", "mq", "-"})

_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?"
)
_FR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CPV8 = re.compile(r"(?<!\d)(\d{8})(?:\s*-\s*(\d))?(?!\d)")
_CPV7 = re.compile(r"(?<!\d)(\d{7})(?:\s*-\s*(\d))?(?!\d)")
_HTML_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[a-zA-Z]{2,8});")
# Characters that start the usual UTF-8-read-as-cp1252/latin-1 sequences ("Ã©", "Ã‰", "â€™", "Â ").
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2]")
_TVA = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")
_PLACEHOLDER_ID = re.compile(r"(\d)\1{8,}")
_ID_SEPARATORS = re.compile(r"[\s.\-]")

_SCHEMES = {
    "SIRET": "SIRET", "SIREN": "SIREN", "TVA": "TVA", "VAT": "TVA", "TVAINTRACOMMUNAUTAIRE": "TVA",
    "TAHITI": "TAHITI", "RIDET": "RIDET", "FRWF": "FRWF", "FRW": "FRWF", "IREP": "IREP",
    "HORSUE": "HORS-UE",
}


def is_empty_marker(value: object) -> bool:
    """True for None and the placeholder strings that stand for an empty numeric or date field."""
    return value is None or (isinstance(value, str) and value.strip().lower() in EMPTY_MARKERS)


def clean_str(value: object) -> str | None:
    """A stripped string, or None when empty. Integral numbers lose a spurious `.0` (ids read as floats)."""
    if isinstance(value, str):  # the common case first: this runs ~30 times per record
        return value.strip() or None
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None


def clean_id(value: object) -> str | None:
    """An identifier as written, stripped of surrounding whitespace and tabs and of a float's `.0`."""
    text = clean_str(value)
    if text is None:
        return None
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def fix_text(value: object) -> str | None:
    """Repair what a wrong decoding did (`Ã©` → `é`) and unescape HTML entities (`&#8217;` → `’`).

    U+FFFD (the replacement character) means the original bytes are gone: it cannot be repaired and is
    left as is. ftfy's `fix_encoding` only undoes encoding mix-ups; it does not touch quotes or widths.
    """
    text = clean_str(value)
    if text is None:
        return None
    for _ in range(2):  # "&amp;#8217;" is escaped twice
        if "&" not in text or not _HTML_ENTITY.search(text):
            break
        text = html.unescape(text)
    if _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_encoding(text)
    return text.strip() or None


def parse_date(value: object) -> dt.date | None:
    """A calendar date as written: `2018-12-17+01:00` and `2024-05-15T00:00:00Z` give the written day.

    The timezone is not applied: DECP dates are local French dates and PES files append the offset.
    Raises ValueError for a value that is present but not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if is_empty_marker(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FR_DATE.fullmatch(text)
        if not match:
            raise ValueError(f"not a date: {text[:40]!r}")
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"impossible date {text[:40]!r}: {exc}") from None


def parse_amount(value: object) -> Decimal | None:
    """A money amount as Decimal from a JSON number, a float or a French/English numeric string.

    Raises ValueError for a value that is present but not a finite number.
    """
    if is_empty_marker(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite amount: {value!r}")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"not an amount: {value!r}")
    text = re.sub(r"[\s\u00a0\u202f€]|EUR", "", value)
    if "," in text:
        text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value[:40]!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value[:40]!r}")
    return amount


def parse_int(value: object) -> int | None:
    """A whole number (durations, offer counts); `12.0` and `"12"` accepted. Raises ValueError otherwise."""
    if is_empty_marker(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a whole number: {value!r}")
    if isinstance(value, int):
        return value
    try:
        number = parse_amount(value)
    except ValueError:
        raise ValueError(f"not a whole number: {str(value)[:40]!r}") from None
    if number is None or number != number.to_integral_value():
        raise ValueError(f"not a whole number: {str(value)[:40]!r}")
    return int(number)


def parse_bool(value: object) -> bool | None:
    """JSON booleans, the XML flavour's `oui`/`non` and CSV `True`/`False`; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "oui", "1", "yes", "vrai", "o"):
            return True
        if text in ("false", "non", "0", "no", "faux", "n"):
            return False
    return None


def normalize_cpv(value: object) -> tuple[str | None, dict[str, object], list[str]]:
    """The 8-digit CPV code; returns (code, extra, flags).

    The check digit ("-7") is dropped from the code, because sources write it or not and the same code
    must join across sources; it is kept in extra["cpv_check_digit"]. Garbage around the code
    ("INX 67151000-0") is dropped with the raw value kept in extra["cpv_raw"]. A 7-digit code whose
    leading zero a spreadsheet ate ("9132100" for 09132100, "3142300" for 03142300: divisions 03 and 09
    are the only ones starting with 0) gets it back, flagged "cpv-zero-restored". Anything shorter or
    unreadable keeps no code, the raw value in extra and the flag "cpv-too-short" / "cpv-invalid".
    """
    text = clean_str(value)
    if text is None:
        return None, {}, []
    extra: dict[str, object] = {}
    match = _CPV8.search(text)
    if match:
        if match.group(2):
            extra["cpv_check_digit"] = match.group(2)
        if match.group(0) != text:
            extra["cpv_raw"] = text
        return match.group(1), extra, []
    extra["cpv_raw"] = text
    match = _CPV7.search(text)
    if match and match.group(1)[0] in "39":
        if match.group(2):
            extra["cpv_check_digit"] = match.group(2)
        return "0" + match.group(1), extra, ["cpv-zero-restored"]
    digits = re.sub(r"\D", "", text)
    return None, extra, ["cpv-too-short" if len(digits) < 8 else "cpv-invalid"]


def normalize_scheme(value: object) -> str | None:
    """The identifier scheme in the 2022 spelling (SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE).

    2019 files write `TVA_INTRACOMMUNAUTAIRE`, `HORS_UE` and `FRW`; unknown schemes are kept upper-cased.
    """
    text = clean_str(value)
    return None if text is None else _scheme(text)


@functools.lru_cache(maxsize=256)
def _scheme(text: str) -> str:
    key = re.sub(r"[\s_\-.]", "", text.upper())
    return _SCHEMES.get(key, text.upper())


def id_issue(national_id: str | None, scheme: str | None) -> str | None:
    """A short reason when an id is obviously malformed for its scheme (not a check-digit validation).

    The store validates with python-stdnum; this only catches what is visible at parse time, so a
    reviewer can find broken ids from the parser's output alone.
    """
    if not national_id:
        return "missing-id"
    compact = _ID_SEPARATORS.sub("", national_id)
    if _PLACEHOLDER_ID.fullmatch(compact):
        return "placeholder-id"
    if scheme in ("SIRET", "SIREN"):
        expected = 14 if scheme == "SIRET" else 9
        if not compact.isdigit():
            return f"{scheme.lower()}-not-digits"
        if len(compact) != expected:
            hint = " (looks like a SIREN)" if scheme == "SIRET" and len(compact) == 9 else ""
            return f"{scheme.lower()}-length-{len(compact)}{hint}"
    if scheme == "TVA" and not _TVA.fullmatch(compact.upper()):
        hint = " (looks like a SIRET)" if compact.isdigit() and len(compact) == 14 else ""
        return f"tva-format{hint}"
    return None


def country_of(national_id: str | None, scheme: str | None) -> str | None:
    """Country when the id itself says it: SIRET/SIREN are French, a VAT number starts with its country."""
    if not national_id:
        return None
    if scheme in ("SIRET", "SIREN"):
        return "FR"
    if scheme == "TVA":
        prefix = national_id.strip()[:2].upper()
        if prefix.isalpha():
            return "GR" if prefix == "EL" else prefix
    return None


def infer_scheme(national_id: str | None) -> str | None:
    """SIRET when an id without a scheme is 14 digits (flat exports sometimes lose the type column)."""
    if national_id and re.fullmatch(r"\d{14}", re.sub(r"\s", "", national_id)):
        return "SIRET"
    return None


def unwrap_items(value: object, wrapper: str) -> Iterator[tuple[str, object]]:
    """Items of a DECP list, as (path suffix, item), whatever the wrapping.

    2024 JSON: `[{"titulaire": {...}}, ...]`; 2019 JSON: `[{...}, ...]`; XML converted to dicts:
    `{"titulaire": {...}}` or `{"titulaire": [{...}, ...]}`; one bare object is accepted too. Items
    that are not objects are still yielded so the caller can report them.
    """
    if value is None or value == "" or value == []:
        return
    if isinstance(value, list):
        for i, element in enumerate(value):
            if isinstance(element, dict) and isinstance(element.get(wrapper), dict | list):
                inner = element[wrapper]
                if isinstance(inner, list):
                    for j, item in enumerate(inner):
                        yield f"[{i}].{wrapper}[{j}]", item
                else:
                    yield f"[{i}]", inner
            else:
                yield f"[{i}]", element
    elif isinstance(value, dict) and wrapper in value:
        inner = value[wrapper]
        if isinstance(inner, list):
            for j, item in enumerate(inner):
                yield f".{wrapper}[{j}]", item
        elif inner is not None:
            yield f".{wrapper}", inner
    else:
        yield "", value


def string_list(value: object, inner: str) -> list[str]:
    """A list of labels from `{"technique": [...]}`, `[...]`, `"['a', 'b']"` (CSV) or a single string."""
    if isinstance(value, dict):
        value = value.get(inner)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            value = python_list(text)
        else:
            return [text] if text else []
    if isinstance(value, list):
        return [s for s in (clean_str(v) for v in value) if s]
    text = clean_str(value)
    return [text] if text else []


def python_list(text: str) -> list[object] | str:
    """`['Sans objet']` → ['Sans objet'] (data.economie writes lists as Python repr); the text if not a list."""
    parsed = _literal_list(text)
    return text if parsed is None else list(parsed)


@functools.lru_cache(maxsize=1024)  # a few dozen distinct label lists repeat on every row
def _literal_list(text: str) -> tuple[object, ...] | None:
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return tuple(parsed) if isinstance(parsed, list | tuple) else None


def canonical_json(obj: object) -> bytes:
    """Sorted-key compact JSON: the same record read from two files gives the same bytes (and sha256)."""
    try:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud83d" escape: ASCII JSON keeps it losslessly
        return json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                          default=_json_default).encode("ascii")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def excerpt(raw: bytes, limit: int = 300) -> str:
    """At most `limit` characters of a payload, for rejects."""
    return raw[: limit * 4].decode("utf-8", "replace")[:limit]


UTF8_BOM = b"\xef\xbb\xbf"


def open_binary(path: Path) -> BinaryIO:
    """The file as bytes, gunzipped when it is gzip, positioned after a UTF-8 BOM (ijson rejects BOMs)."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    stream: BinaryIO = gzip.open(path, "rb") if gzipped else open(path, "rb")  # noqa: SIM115
    try:
        if stream.read(3) != UTF8_BOM:
            stream.seek(0)
    except Exception:
        stream.close()
        raise
    return stream
