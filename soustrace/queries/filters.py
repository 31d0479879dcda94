"""Contract filters shared by every answer (--from/--to/--buyer/--cpv), as SQL conditions.

They are built as SQL (not applied in pandas) so that a filter narrows what the database reads: with a
million contracts, filtering after loading would cost the memory and time the indexes are there to save.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true

from soustrace.dates import check_range, parse_date  # the one parser (re-exported here)
from soustrace.errors import InputError
from soustrace.models import Contract, Organization
from soustrace.models.summary import CONTRACTOR_ROLES, WON_ROLES  # one definition, shared with the summary
from soustrace.names import normalize_name

MAX_BUYER_CHARS = 500

__all__ = ["CONTRACTOR_ROLES", "WON_ROLES", "ContractFilter", "buyer_condition", "parse_date"]


def buyer_condition(buyer: str) -> ColumnElement[bool]:
    """A buyer given as SIREN/SIRET, `org:ID`, or a piece of a public buyer's name (accents and case ignored)."""
    text = buyer.strip()
    if len(text) > MAX_BUYER_CHARS:  # no buyer's name is that long; SQLite refuses such LIKE patterns anyway
        raise InputError(f"--buyer is at most {MAX_BUYER_CHARS} characters ({len(text):,} given)")
    digits = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d{9}", digits) or re.fullmatch(r"\d{14}", digits):
        ids = select(Organization.id).where(Organization.siren == digits[:9])
        return Contract.buyer_id.in_(ids)
    if m := re.fullmatch(r"org:(\d+)", text):
        return Contract.buyer_id == int(m.group(1))
    norm = normalize_name(text) or text.upper()
    # A name is searched among public buyers only (the store marks every buyer so): a few thousand names
    # through an index rather than every organisation's.
    ids = select(Organization.id).where(
        Organization.kind == "public-buyer",
        or_(Organization.normalized_name.contains(norm, autoescape=True),
            func.upper(Organization.name).contains(text.upper(), autoescape=True)))
    return Contract.buyer_id.in_(ids)


@dataclass(slots=True)
class ContractFilter:
    """--from/--to (award date, inclusive), --buyer, --cpv (a CPV code prefix, e.g. `72` for IT services)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    buyer: str | None = None
    cpv: str | None = None

    @classmethod
    def of(cls, date_from: str | dt.date | None = None, date_to: str | dt.date | None = None,
           buyer: str | None = None, cpv: str | None = None) -> ContractFilter:
        check_range(date_from, date_to)
        return cls(parse_date(date_from), parse_date(date_to, end=True), buyer or None, (cpv or "").strip() or None)

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.date_from, self.date_to, self.buyer, self.cpv))

    def condition(self) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = []
        if self.date_from:
            conds.append(Contract.award_date >= self.date_from)
        if self.date_to:
            conds.append(Contract.award_date <= self.date_to)
        if self.buyer:
            conds.append(buyer_condition(self.buyer))
        if self.cpv:
            conds.append(Contract.cpv.startswith(self.cpv.replace("-", "")[:12], autoescape=True))
        return and_(*conds) if conds else true()

    def apply(self, stmt: Select) -> Select:
        return stmt.where(self.condition()) if self.active else stmt
