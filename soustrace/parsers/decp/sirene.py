"""Company names from INSEE SIRENE's StockUniteLegale, to name the SIRETs that DECP 2024 leaves nameless.

The 2024 DECP format gives titulaires and subcontractors by identifier only, so names come from SIRENE.
The stock file is about 3 GB as CSV (or ~1 GB Parquet): it is streamed (csv reader, or pyarrow record
batches reading only the name columns) and never loaded whole.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from soustrace.records import ParseError

NAME_COLUMNS = (
    "siren", "denominationUniteLegale", "denominationUsuelle1UniteLegale", "sigleUniteLegale",
    "nomUniteLegale", "nomUsageUniteLegale", "prenomUsuelUniteLegale", "prenom1UniteLegale",
)
_HIDDEN = frozenset({"", "[ND]", "[NON-DIFFUSIBLE]"})  # non-diffusible units have their names masked
_SIREN = re.compile(r"\d{9}")


def display_name(row: dict[str, object]) -> str | None:
    """The name a reader expects: the legal name of a company, "First LAST" for a sole trader.

    Order: denominationUniteLegale, denominationUsuelle1UniteLegale, then first name + (usage or birth)
    surname for natural persons, then the acronym (sigle) as a last resort.
    """
    def get(column: str) -> str:
        value = row.get(column)
        text = "" if value is None else str(value).strip()
        return "" if text.upper() in _HIDDEN else text

    for column in ("denominationUniteLegale", "denominationUsuelle1UniteLegale"):
        if get(column):
            return get(column)
    surname = get("nomUsageUniteLegale") or get("nomUniteLegale")
    if surname:
        first = get("prenomUsuelUniteLegale") or get("prenom1UniteLegale")
        return f"{first} {surname}".strip()
    return get("sigleUniteLegale") or None


def iter_sirene_names(path: Path) -> Iterator[tuple[str, str]]:
    """(siren, display name) for every legal unit that has a 9-digit SIREN and a visible name.

    Reads CSV (also inside a .zip, as INSEE distributes it) or Parquet, detected from the file's bytes.
    """
    path = Path(path)
    try:
        with open(path, "rb") as probe:
            magic = probe.read(4)
    except OSError as exc:
        raise ParseError(f"{path}: cannot read: {exc}") from exc
    rows = _parquet_rows(path) if magic == b"PAR1" else _csv_rows(path, zipped=magic[:2] == b"PK")
    for row in rows:
        value = row.get("siren")
        siren = f"{value:09d}" if isinstance(value, int) else str(value or "").strip()  # ints lose leading 0s
        if not _SIREN.fullmatch(siren):
            continue
        name = display_name(row)
        if name:
            yield siren, name


def _csv_rows(path: Path, *, zipped: bool) -> Iterator[dict[str, object]]:
    if zipped:
        with zipfile.ZipFile(path) as archive:
            member = next((n for n in archive.namelist() if n.lower().endswith(".csv")), None)
            if member is None:
                raise ParseError(f"{path}: no CSV file in the archive")
            with archive.open(member) as raw:
                yield from _read_csv(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), path)
        return
    with open(path, encoding="utf-8-sig", newline="", errors="replace") as handle:
        yield from _read_csv(handle, path)


def _read_csv(handle: io.TextIOBase, path: Path) -> Iterator[dict[str, object]]:
    header_line = handle.readline()
    delimiter = max((",", ";", "\t"), key=header_line.count)
    header = next(csv.reader([header_line], delimiter=delimiter))
    if "siren" not in header:
        raise ParseError(f"{path}: no 'siren' column: not a SIRENE StockUniteLegale file")
    wanted = [(i, name) for i, name in enumerate(header) if name in NAME_COLUMNS]
    try:
        for cells in csv.reader(handle, delimiter=delimiter):
            yield {name: cells[i] for i, name in wanted if i < len(cells)}
    except csv.Error as exc:
        raise ParseError(f"{path}: CSV error: {exc}") from exc


def _parquet_rows(path: Path) -> Iterator[dict[str, object]]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # ArrowInvalid, OSError…
        raise ParseError(f"{path}: not readable as Parquet: {exc}") from exc
    columns = [c for c in table.schema_arrow.names if c in NAME_COLUMNS]
    if "siren" not in columns:
        raise ParseError(f"{path}: no 'siren' column: not a SIRENE StockUniteLegale file")
    for batch in table.iter_batches(batch_size=65536, columns=columns):
        yield from batch.to_pylist()
