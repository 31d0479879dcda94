"""Text that cannot be turned against its reader: spreadsheet formulas in CSV, control bytes on a terminal.

Names and quotes come from notices and web pages anyone can publish, so they may hold `=HYPERLINK(...)`
(run by a spreadsheet that opens the CSV) or escape sequences (clear screen, set title: run by a terminal
that prints them). Both are neutralised here, once, for every CSV writer and every terminal view.
"""

from __future__ import annotations

import re
from typing import Any

# A cell a spreadsheet would evaluate (OWASP "CSV injection"): these first characters.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
# C0 controls but newline and tab, DEL, C1 controls (0x80-0x9f: 8-bit CSI), bidi overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def csv_cell(value: Any) -> Any:
    """A text cell starting with a formula character gets a leading apostrophe; numbers stay numbers.

    The apostrophe is what spreadsheets themselves use to mark "text, not a formula"; a text cell that is
    just a signed number (`-12.5`) is left as it is: no spreadsheet runs it.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def display_text(text: str) -> str:
    """`text` without control characters (escape sequences lose their ESC byte); newlines kept."""
    return _CONTROL.sub("", text.replace("\t", " "))


class SafeCsvWriter:
    """`csv.writer` whose rows go through `csv_cell` (a drop-in for the exporters' `w.writerow`)."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        import csv

        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Any) -> Any:
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


csv_writer = SafeCsvWriter
