"""The one date parser of soustrace (YYYY, YYYY-MM, YYYY-MM-DD) and the one check of a date range.

Every command (crawls and queries alike) reads dates through here, so `--to 2024` means the same thing
everywhere (the end of 2024) and a reversed range is refused with the same sentence.
"""

from __future__ import annotations

import datetime as dt

from soustrace.errors import InputError


def parse_date(value: str | dt.date | None, *, end: bool = False) -> dt.date | None:
    """`2024`, `2024-03` or `2024-03-01`; a year or month means its first day, or its last with `end=True`.

    `--to 2024` must include December 2024, so the upper bound of a partial date is the end of the period.
    """
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if end and fmt == "%Y":
            return day.replace(month=12, day=31)
        if end and fmt == "%Y-%m":
            nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return nxt - dt.timedelta(days=1)
        return day
    raise InputError(f"not a date: {value!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")


def check_range(start: str | dt.date | None, end: str | dt.date | None) -> None:
    """InputError when `start` is after `end` (either may be missing)."""
    first, last = parse_date(start), parse_date(end, end=True)
    if first is not None and last is not None and first > last:
        raise InputError(f"reversed date range: --from {first} is after --to {last}")
