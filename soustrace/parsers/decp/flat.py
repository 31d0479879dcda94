"""Flat DECP exports (CSV, or the same rows as Parquet or as a JSON array) → one record per uid.

Two shapes exist:
* data.economie.gouv.fr exports: one row per marché, `;`-separated, UTF-8 BOM, "CDL" for empty cells,
  lists as Python repr (`['Sans objet']`), `titulaire_id_1..3`, and flattened subcontracting and
  modification columns (`idActeSousTraitance`, `idSousTraitant`, `idModification`…);
* decp-processing (decp.info) tables: one row per marché × titulaire × modification, with `uid`,
  `titulaire_id`, `titulaire_nom`, `acheteur_nom`, `modification_id` (0 = the initial data).

Rows are grouped by uid in a streaming way. Assumption: the rows of one uid are contiguous (both
producers write them so). When they are not, each contiguous run becomes its own record: the same uid is
then emitted more than once, and the store keeps one notice per uid (a later run with other rows becomes a
new revision). A group is closed at `MAX_GROUP_ROWS` rows to bound memory on a file sorted otherwise.

A group becomes a dict shaped like a 2024 JSON record (titulaires, actesSousTraitance, modifications…),
so the record builder applies the same rules as for JSON; the raw payload is the group's rows as read.
Its award date is the first notification: the minimum dateNotification over its rows, because the
date on a modification row is the modification's date.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from soustrace.parsers.decp.item import SourceItem
from soustrace.parsers.decp.values import (
    canonical_json,
    clean_id,
    open_binary,
    parse_date,
    parse_int,
    python_list,
)
from soustrace.records import ParseError

MAX_GROUP_ROWS = 5000
EMPTY_CELLS = frozenset({"", "CDL"})  # "CDL" is data.economie's empty placeholder
FLAT_CSV = "decp-flat-csv"
FLAT_PARQUET = "decp-flat-parquet"
FLAT_JSON = "decp-flat-json"  # the same rows exported as a JSON array (OpenDataSoft)

Row = dict[str, str]

# Top-level fields, by normalised column name (lower case, no separators) → name in the JSON format.
_FIELDS = {_n: _name for _name in (
    "uid", "id", "_type", "nature", "objet", "codeCPV", "procedure", "dureeMois", "dateNotification",
    "datePublicationDonnees", "montant", "formePrix", "attributionAvance", "offresRecues", "marcheInnovant",
    "ccag", "sousTraitanceDeclaree", "typeGroupementOperateurs", "idAccordCadre", "source",
    "considerationsSociales", "considerationsEnvironnementales", "modalitesExecution", "techniques",
    "typesPrix", "tauxAvance", "origineUE", "origineFrance", "valeurGlobale", "dateSignature",
    "dateDebutExecution", "montantSubventionPublique",
) for _n in [re.sub(r"[^a-z0-9]", "", _name.lower())]}
_NESTED = {
    "acheteurid": ("acheteur", "id"), "acheteurnom": ("acheteur", "nom"),
    "autoriteconcedanteid": ("autoriteConcedante", "id"), "autoriteconcedantenom": ("autoriteConcedante", "nom"),
    "lieuexecutioncode": ("lieuExecution", "code"), "lieuexecutiontypecode": ("lieuExecution", "typeCode"),
    "lieuexecutionnom": ("lieuExecution", "nom"),
}
_ACT = {
    "idactesoustraitance": "id", "dureemoisactesoustraitance": "dureeMois",
    "datenotificationactesoustraitance": "dateNotification",
    "datepublicationdonneesactesoustraitance": "datePublicationDonnees",
    "montantactesoustraitance": "montant", "variationprixactesoustraitance": "variationPrix",
    "idsoustraitant": "sousTraitant.id", "typeidentifiantsoustraitant": "sousTraitant.typeIdentifiant",
    "denominationsocialesoustraitant": "sousTraitant.denominationSociale",
}
_MOD = {
    "idmodification": "id", "montantmodification": "montant", "dureemoismodification": "dureeMois",
    "objetmodification": "objetModification",
    "datenotificationmodificationmodification": "dateNotificationModification",
    "datepublicationdonneesmodificationmodification": "datePublicationDonneesModification",
    "idtitulairemodification": "titulaire.id", "typeidentifianttitulairemodification": "titulaire.typeIdentifiant",
}
_ACT_MOD = {
    "idmodificationactesoustraitance": "id", "dureemoismodificationactesoustraitance": "dureeMois",
    "datenotificationmodificationsoustraitancemodificationactesoustraitance":
        "dateNotificationModificationSousTraitance",
    "montantmodificationactesoustraitance": "montant",
    "datepublicationdonneesmodificationactesoustraitance": "datePublicationDonnees",
}
_PARTY_COLUMN = re.compile(r"(titulaire|concessionnaire)(id|typeidentifiant|denominationsociale|nom)(\d*)")
_PARTY_ATTR = {"id": "id", "typeidentifiant": "typeIdentifiant", "denominationsociale": "denominationSociale",
               "nom": "denominationSociale"}


def _norm(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", column.lower())


@dataclass(slots=True)
class Columns:
    """Where each DECP field sits in a flat file's header (spellings vary: `acheteur.id`, `acheteur_id`)."""

    fields: dict[str, str] = field(default_factory=dict)  # column → JSON field
    nested: dict[str, tuple[str, str]] = field(default_factory=dict)
    parties: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)  # (kind, n) → attr → column
    act: dict[str, str] = field(default_factory=dict)  # attr → column
    mod: dict[str, str] = field(default_factory=dict)
    act_mod: dict[str, str] = field(default_factory=dict)
    modification_id: str | None = None  # decp-processing: 0 = initial data
    uid: str | None = None
    contract_id: str | None = None
    buyer_id: str | None = None
    notification: str | None = None

    @classmethod
    def from_header(cls, header: Iterable[str]) -> Columns:
        cols = cls()
        for column in header:
            key = _norm(column)
            match = _PARTY_COLUMN.fullmatch(key)
            if match:
                kind, attr, n = match.group(1), _PARTY_ATTR[match.group(2)], int(match.group(3) or 0)
                cols.parties.setdefault((kind, n), {})[attr] = column
            elif key in _FIELDS:
                cols.fields[column] = _FIELDS[key]
            elif key in _NESTED:
                cols.nested[column] = _NESTED[key]
            elif key in _ACT:
                cols.act[_ACT[key]] = column
            elif key in _MOD:
                cols.mod[_MOD[key]] = column
            elif key in _ACT_MOD:
                cols.act_mod[_ACT_MOD[key]] = column
            elif key == "modificationid":
                cols.modification_id = column
        by_field = {name: column for column, name in cols.fields.items()}
        cols.uid, cols.contract_id = by_field.get("uid"), by_field.get("id")
        cols.notification = by_field.get("dateNotification")
        cols.buyer_id = next((c for c, (obj, attr) in cols.nested.items() if (obj, attr) == ("acheteur", "id")),
                             next((c for c, t in cols.nested.items() if t == ("autoriteConcedante", "id")), None))
        return cols


def _cell(row: Row, column: str | None) -> str | None:
    if column is None:
        return None
    value = (row.get(column) or "").strip()
    return None if value in EMPTY_CELLS else value


def _cells(row: Row, column: str | None) -> list[str | None]:
    """A cell that may hold several values as a Python-repr list (several acts in one row)."""
    value = _cell(row, column)
    if value is not None and value.startswith("["):
        parsed = python_list(value)
        if isinstance(parsed, list):
            return [None if v is None or str(v).strip() in EMPTY_CELLS else str(v).strip() for v in parsed]
    return [value]


# ---- reading rows ------------------------------------------------------------------------------------


def _decoded_lines(path: Path) -> Iterator[str]:
    """Lines as text: UTF-8, with a per-line cp1252 fallback for files mixing encodings."""
    with open_binary(path) as handle:
        for raw in handle:
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("cp1252", "replace")


def iter_csv_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """(header, rows as dicts); the separator is sniffed from the header (`;` for data.economie)."""
    lines = _decoded_lines(path)
    try:
        first = next(lines)
    except StopIteration:
        raise ParseError(f"{path}: empty file") from None
    delimiter = max((";", ",", "\t", "|"), key=first.count)
    if first.count(delimiter) == 0:
        raise ParseError(f"{path}: not a DECP CSV export: no separator in the header line")
    reader = csv.reader(_chain(first, lines), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]

    def rows() -> Iterator[Row]:
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield dict(zip(header, cells, strict=False))
        except csv.Error as exc:
            raise ParseError(f"{path}: CSV error near line {reader.line_num}: {exc}") from exc

    return header, rows()


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def iter_parquet_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """(header, rows as dicts of strings) from a Parquet table, read by record batches."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError…
        raise ParseError(f"{path}: not readable as Parquet: {exc}") from exc
    header = list(table.schema_arrow.names)

    def rows() -> Iterator[Row]:
        for batch in table.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                yield {k: _text(v) for k, v in row.items()}

    return header, rows()


def _text(value: object) -> str:
    """A typed value (Parquet, JSON export) as the CSV would have written it."""
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return repr(value)
    return str(value)


# ---- grouping ----------------------------------------------------------------------------------------


def iter_flat_items(path: Path, *, parquet: bool = False) -> Iterator[SourceItem]:
    """One SourceItem per contiguous run of rows sharing a uid."""
    header, rows = iter_parquet_rows(path) if parquet else iter_csv_rows(path)
    cols = Columns.from_header(header)
    yield from group_rows(enumerate(rows), cols, FLAT_PARQUET if parquet else FLAT_CSV)


def group_rows(rows: Iterable[tuple[int, Row]], cols: Columns, version: str,
               label: str = "rows") -> Iterator[SourceItem]:
    """Contiguous rows with the same uid become one item; a row without a uid stays alone."""
    group: list[tuple[int, Row]] = []
    group_key: str | None = None
    for index, row in rows:
        key = _group_key(row, cols)
        if group and (key != group_key or key is None or len(group) >= MAX_GROUP_ROWS):
            yield group_item(group, cols, version, label)
            group = []
        group.append((index, row))
        group_key = key
    if group:
        yield group_item(group, cols, version, label)


def is_flat_record(record: object) -> bool:
    """A flat export row inside JSON (OpenDataSoft JSON export): `acheteur.id`-style keys, no nested buyer."""
    if not isinstance(record, dict) or any(isinstance(record.get(k), dict) for k in ("acheteur", "autoriteConcedante")):
        return False
    return any(_NESTED.get(_norm(str(k)), ("", ""))[1] == "id" for k in record)


def regroup_flat_json(items: Iterable[SourceItem]) -> Iterator[SourceItem]:
    """Pass nested records through; group runs of flat JSON rows by uid exactly like CSV rows."""
    run: list[tuple[int, Row]] = []
    run_label = ""
    for item in items:
        if not is_flat_record(item.record):
            if run:
                yield from _flat_json_run(run, run_label)
                run = []
            yield item
            continue
        label, _, index = item.path.rpartition("[")
        if run and label != run_label:
            yield from _flat_json_run(run, run_label)
            run = []
        run_label = label
        record = item.record if isinstance(item.record, dict) else {}
        run.append((int(index.rstrip("]") or 0), {str(k): _text(v) for k, v in record.items()}))
        if len(run) >= MAX_GROUP_ROWS:  # bound memory; a uid split here is emitted twice (see module doc)
            yield from _flat_json_run(run, run_label)
            run = []
    if run:
        yield from _flat_json_run(run, run_label)


def _flat_json_run(run: list[tuple[int, Row]], label: str) -> Iterator[SourceItem]:
    header = list(dict.fromkeys(k for _, row in run for k in row))
    return group_rows(run, Columns.from_header(header), FLAT_JSON, label)


def _group_key(row: Row, cols: Columns) -> str | None:
    """The uid column when there is one, else buyer id + contract id; None when neither can be read."""
    uid = clean_id(_cell(row, cols.uid))
    if uid:
        return uid
    buyer, contract = clean_id(_cell(row, cols.buyer_id)), clean_id(_cell(row, cols.contract_id))
    return buyer + contract if buyer and contract else None


def group_item(group: list[tuple[int, Row]], cols: Columns, version: str, label: str = "rows") -> SourceItem:
    """The rows of one uid merged into a 2024-shaped record, with per-party evidence pointing at rows."""
    first, last = group[0][0], group[-1][0]
    path = f"{label}[{first}]" if first == last else f"{label}[{first}-{last}]"
    base = [(i, r) for i, r in group if _is_initial(r, cols)] or group
    record = _simple_fields(base[0][1], cols)
    _first_notification(record, group, cols)
    item = SourceItem(record=record, path=path, schema_version=version,
                      raw=canonical_json([row for _, row in group]))
    _merge_parties(record, item, base, cols, label)
    _merge_acts(record, item, group, cols, label)
    _merge_modifications(record, group, cols)
    return item


def _is_initial(row: Row, cols: Columns) -> bool:
    """decp-processing rows with modification_id > 0 carry a modification's data, not the award's."""
    try:
        return not parse_int(_cell(row, cols.modification_id))
    except ValueError:
        return True


def _simple_fields(row: Row, cols: Columns) -> dict[str, object]:
    record: dict[str, object] = {}
    for column, name in cols.fields.items():
        value = _cell(row, column)
        if value is not None:
            record[name] = value
    for column, (obj, attr) in cols.nested.items():
        value = _cell(row, column)
        if value is not None:
            nested = record.setdefault(obj, {})
            if isinstance(nested, dict):
                nested[attr] = value
    return record


def _first_notification(record: dict[str, object], group: list[tuple[int, Row]], cols: Columns) -> None:
    """dateNotification = the earliest readable one over the rows (an unreadable lone date stays as is)."""
    days = []
    for _, row in group:
        try:
            day = parse_date(_cell(row, cols.notification))
        except ValueError:
            continue
        if day is not None:
            days.append(day)
    if days:
        record["dateNotification"] = min(days).isoformat()


def _party_text(row: Row, columns: dict[str, str]) -> str:
    return "; ".join(f"{c}={row.get(c, '')}" for c in columns.values())


def _merge_parties(record: dict[str, object], item: SourceItem, base: list[tuple[int, Row]],
                   cols: Columns, label: str) -> None:
    """Titulaires (or concessionnaires) of the initial rows, each once, with the row they came from."""
    lists: dict[str, list[dict[str, str]]] = {}
    seen: set[tuple[str, str | None, str | None]] = set()
    for index, row in base:
        for (kind, _n), columns in sorted(cols.parties.items()):
            obj = {attr: v for attr, c in columns.items() if (v := _cell(row, c)) is not None}
            key = (kind, obj.get("id"), obj.get("denominationSociale") if not obj.get("id") else None)
            if not (obj.get("id") or obj.get("denominationSociale")) or key in seen:
                continue
            seen.add(key)
            target = lists.setdefault(f"{kind}s", [])
            column = columns.get("id") or next(iter(columns.values()))
            item.evidence[f"{kind}s[{len(target)}]"] = (f"{label}[{index}].{column}", _party_text(row, columns))
            target.append(obj)
    record.update(lists)


def _nested_obj(row: Row, mapping: dict[str, str], position: int) -> dict[str, object]:
    """`sousTraitant.id`-style attributes → nested dicts; `position` picks one value of list cells."""
    obj: dict[str, object] = {}
    for attr, column in mapping.items():
        values = _cells(row, column)
        value = values[position] if position < len(values) else (values[0] if len(values) == 1 else None)
        if value is None:
            continue
        if "." in attr:
            outer, inner = attr.split(".", 1)
            nested = obj.setdefault(outer, {})
            if isinstance(nested, dict):
                nested[inner] = value
        else:
            obj[attr] = value
    return obj


def _merge_acts(record: dict[str, object], item: SourceItem, group: list[tuple[int, Row]], cols: Columns,
                label: str) -> None:
    """Flattened subcontract acts (one per row, or Python-repr lists of them), each once."""
    if not cols.act:
        return
    acts: list[dict[str, object]] = []
    seen: set[str] = set()
    for index, row in group:
        width = max(len(_cells(row, c)) for c in cols.act.values())
        for position in range(width):
            act = _nested_obj(row, cols.act, position)
            if not isinstance(act.get("sousTraitant"), dict):
                continue
            key = canonical_json(act).decode()
            if key in seen:
                continue
            seen.add(key)
            column = cols.act.get("sousTraitant.id", next(iter(cols.act.values())))
            item.evidence[f"actesSousTraitance[{len(acts)}]"] = (
                f"{label}[{index}].{column}" + (f"[{position}]" if width > 1 else ""),
                _party_text(row, cols.act))
            acts.append(act)
    if acts:
        record["actesSousTraitance"] = acts


def _merge_modifications(record: dict[str, object], group: list[tuple[int, Row]], cols: Columns) -> None:
    """Modification columns (data.economie) and modification rows (decp-processing), each id once."""
    mods: dict[str, dict[str, object]] = {}
    act_mods: dict[str, dict[str, object]] = {}
    for _index, row in group:
        if cols.mod:
            _add_mod(mods, _nested_obj(row, cols.mod, 0))
        if cols.act_mod:
            obj = _nested_obj(row, cols.act_mod, 0)
            if obj:
                act_mods.setdefault(canonical_json(obj).decode(), obj)
        if cols.modification_id and not _is_initial(row, cols):
            _add_mod(mods, _modification_row(row, cols))
    if mods:
        record["modifications"] = list(mods.values())
    if act_mods:
        record["modificationsActesSousTraitance"] = list(act_mods.values())


def _add_mod(mods: dict[str, dict[str, object]], obj: dict[str, object]) -> None:
    """One entry per modification id; the titulaires of its rows are gathered in one list."""
    holder = obj.pop("titulaire", None)
    if not obj and not holder:
        return
    entry = mods.setdefault(str(obj.get("id", len(mods))), obj)
    if isinstance(holder, dict) and holder.get("id"):
        holders = entry.setdefault("titulaires", [])
        if isinstance(holders, list) and holder not in holders:
            holders.append(holder)


def _modification_row(row: Row, cols: Columns) -> dict[str, object]:
    """A decp-processing row with modification_id > 0: the row's values are the modification's."""
    fields = {f: c for c, f in cols.fields.items()}
    obj: dict[str, object] = {"id": _cell(row, cols.modification_id)}
    for attr, name in (("dateNotificationModification", "dateNotification"),
                       ("datePublicationDonneesModification", "datePublicationDonnees"),
                       ("montant", "montant"), ("dureeMois", "dureeMois")):
        value = _cell(row, fields.get(name))
        if value is not None:
            obj[attr] = value
    holder = {attr: v for attr, c in cols.parties.get(("titulaire", 0), {}).items() if (v := _cell(row, c))}
    if holder:
        obj["titulaire"] = holder
    return obj
