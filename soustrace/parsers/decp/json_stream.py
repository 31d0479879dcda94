"""Streaming reader for DECP JSON files (2019 `{"marches": [...]}`, 2024 `{"marches": {"marche": [...]}}`).

Consolidated DECP files reach ~1 GB, so nothing here loads a whole file: the layout is found from the first
few parse events, then `ijson.items` (C backend) builds one record at a time. A 2024 file may hold both
`marche` and `contrat-concession`: each key is streamed in its own pass over the file, marchés first
(ijson cannot follow two prefixes in one pass without a Python-level event loop several times slower).
Numbers are read as floats (`use_float=True`) so the canonical raw bytes come from the C JSON encoder;
amounts are turned back into exact Decimals from the float's shortest repr, which is the written text for
any amount with fewer than 16 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson

from soustrace.parsers.decp.item import SourceItem, record_format
from soustrace.parsers.decp.values import open_binary
from soustrace.records import ParseError

_CONTAINERS_2024 = ("marche", "contrat-concession")
# Keys only a DECP record has at its top level: a file that starts with one is a single bare record (the
# per-record files the DECP team and buyers' platforms publish, and what `soustrace` itself exports).
RECORD_KEYS = frozenset({"id", "uid", "_type", "acheteur", "autoriteConcedante", "titulaires", "concessionnaires",
                         "objet", "codeCPV", "dateNotification", "montant", "nature", "procedure"})


@dataclass(frozen=True, slots=True)
class _Stream:
    """One ijson prefix to stream and how to name its records' paths."""

    prefix: str
    label: str  # path of the array: "marches", "marches.marche", "" for a top-level array
    container: str | None
    single: bool = False  # the key holds one object instead of an array (XML-to-JSON converters)


def iter_json_items(path: Path) -> Iterator[SourceItem]:
    """Every record of a DECP JSON file, in file order (marchés before concessions in 2024 files)."""
    for stream in _layout(path):
        yield from _stream_items(path, stream)


def _layout(path: Path) -> list[_Stream]:
    """The streams to read, found from the first parse events (cheap: stops at the `marches` value)."""
    try:
        with open_binary(path) as handle:
            events = ijson.parse(handle)
            for prefix, event, value in events:
                if prefix == "" and event == "start_array":
                    return [_Stream("item", "", None)]
                if prefix == "marches" and event == "start_array":
                    return [_Stream("marches.item", "marches", None)]
                if prefix == "marches" and event == "start_map":
                    return _layout_2024(events)
                if prefix == "" and event == "map_key" and value in RECORD_KEYS:
                    return [_Stream("", "", None, single=True)]
    except ijson.JSONError as exc:
        raise ParseError(f"{path}: not readable as JSON: {exc}") from exc
    raise ParseError(f"{path}: neither a 'marches' array or object nor a single DECP record: not a DECP JSON file")


def _layout_2024(events: Iterator[tuple[str, str, object]]) -> list[_Stream]:
    """Both 2024 containers; the first one's shape (array or single object) is read from the events."""
    first_single: dict[str, bool] = {}
    for prefix, event, value in events:
        if prefix == "marches" and event == "map_key" and value in _CONTAINERS_2024:
            continue
        if prefix.startswith("marches.") and prefix[len("marches."):] in _CONTAINERS_2024:
            first_single[prefix[len("marches."):]] = event == "start_map"
        break
    return [
        _Stream(f"marches.{name}" if first_single.get(name) else f"marches.{name}.item", f"marches.{name}", name,
                single=first_single.get(name, False))
        for name in _CONTAINERS_2024
    ]


def _stream_items(path: Path, stream: _Stream) -> Iterator[SourceItem]:
    index = -1
    try:
        with open_binary(path) as handle:
            for index, obj in enumerate(ijson.items(handle, stream.prefix, use_float=True)):
                record_path = stream.label if stream.single else f"{stream.label}[{index}]"
                version = f"decp-{record_format(obj)}-json"
                yield SourceItem(record=obj, path=record_path, container=stream.container, schema_version=version)
    except ijson.JSONError as exc:
        where = f"after {stream.label}[{index}]" if index >= 0 else f"before the first {stream.label or 'item'}"
        raise ParseError(f"{path}: invalid JSON {where}: {exc}") from exc
