"""A DECP record as a reader found it (`SourceItem`), the file it came from (`FileContext`), and the
rules every part of the record builder shares: limits, ids, evidence, skips.

Readers (`json_stream`, `xml_stream`, `flat`) make `SourceItem`s; `record`, `parties` and `modifications`
interpret them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from soustrace.parsers.decp.values import parse_amount, parse_date, parse_int
from soustrace.parsers.json_records import Refusal

PARSER_VERSION = "decp-1.0"
EXTRACTOR = "decp"
MAX_PLAUSIBLE_AMOUNT = Decimal("10000000000")  # 10 bn EUR: above that DECP amounts are placeholders
SOURCE_ID_MAX = 190  # notice.source_id column (200) less the "~" + 8-character variant
PLAUSIBLE_YEARS = (1990, 2100)
_SHORT_FIELD_MAX = 120  # contract.place / framework_agreement_id / procedure columns
_ID_SEPARATORS = re.compile(r"[\s.\-]")
_INDEX = re.compile(r"\[(\d+)\]")

_LIST_FIELDS = {
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}
_TEXT_FIELDS = ("formePrix", "ccag", "typeGroupementOperateurs", "source")
_BOOL_FIELDS = ("marcheInnovant", "attributionAvance")
_NUMBER_FIELDS = ("tauxAvance", "origineUE", "origineFrance", "montantSubventionPublique")


@dataclass(slots=True)
class SourceItem:
    """One record as a reader found it, before any interpretation.

    `path` locates it in the file (`marches[12]`, `marches.marche[3]`, `marches/marche[2]`, `rows[4-6]`);
    `raw` is given by readers whose payload is not the record dict itself (a CSV group keeps its rows);
    `evidence` overrides the path/text of a party (`"titulaires[0]"` → (path, text)) for flat rows.
    """

    record: object
    path: str
    container: str | None = None  # "marche" / "contrat-concession" when the file structure says so
    schema_version: str = "decp"
    raw: bytes | None = None
    evidence: dict[str, tuple[str, str]] = field(default_factory=dict)
    xpath: bool = False  # XML records: child paths as XPath steps (1-based), not JSON dots
    # Set by a reader that would not build the record (too deep, too large, entities): it becomes a reject.
    refusal: Refusal | None = None

    def child_path(self, key: str, suffix: str) -> str:
        """Path of `key` + an `unwrap_items` suffix: `marches[3].titulaires[0]` / `.../titulaires/titulaire[1]`."""
        if not self.path:  # a record rebuilt from its stored raw payload
            return f"{key}{suffix}"
        if not self.xpath:
            return f"{self.path}.{key}{suffix}"
        steps = _INDEX.sub(lambda m: f"[{int(m.group(1)) + 1}]", suffix).replace(".", "/")
        return f"{self.path}/{key}{steps}"


@dataclass(slots=True, frozen=True)
class FileContext:
    """Where the records come from and which award dates to keep ([date_from, date_until], inclusive)."""

    url: str
    name: str
    date_from: dt.date | None = None
    date_until: dt.date | None = None

    def keeps(self, day: dt.date | None) -> bool:
        """Records without an award date are dropped as soon as a date bound is given."""
        if self.date_from is None and self.date_until is None:
            return True
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and (
            self.date_until is None or day <= self.date_until)


class Rejected(Exception):
    """Internal: the record cannot be used; carries the reason and the best id known so far."""

    def __init__(self, reason: str, record_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.record_id = record_id


def _date_text_into(value: object, key: str, target: dict[str, object]) -> None:
    """An ISO date string when readable, else the value as written (never dropped, never fatal)."""
    try:
        day = parse_date(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if day is not None:
        target[key] = day.isoformat()


def _int_into(value: object, key: str, target: dict[str, object]) -> None:
    try:
        number = parse_int(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if number is not None:
        target[key] = number


def _number_text_into(value: object, key: str, target: dict[str, object]) -> None:
    try:
        number = parse_amount(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if number is not None:
        target[key] = str(number)


_WRAPPED = (("titulaires", "titulaire"), ("concessionnaires", "concessionnaire"),
            ("actesSousTraitance", "acteSousTraitance"), ("modifications", "modification"))
_FORMAT_2024_KEYS = frozenset({"sousTraitanceDeclaree", "actesSousTraitance", "offresRecues", "ccag", "typesPrix",
                               "techniques", "modalitesExecution", "typeGroupementOperateurs"})


def record_format(rec: object) -> str:
    """"2024" for the arrêtés of 22/12/2022 (wrapped lists, subcontracting fields), else "2019"."""
    if not isinstance(rec, dict):
        return "unknown"
    for key, wrapper in _WRAPPED:
        value = rec.get(key)
        if isinstance(value, dict) and wrapper in value:
            return "2024"
        if isinstance(value, list) and value and isinstance(value[0], dict) and wrapper in value[0]:
            return "2024"
    return "2024" if _FORMAT_2024_KEYS.intersection(rec) else "2019"
