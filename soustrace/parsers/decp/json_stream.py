"""Streaming reader for DECP JSON files (2019 `{"marches": [...]}`, 2024 `{"marches": {"marche": [...]}}`).

Consolidated DECP files reach ~1 GB, so nothing here loads a whole file: the layout is found from the first
few parse events, then the C tokenizer feeds `parsers.json_records`, which builds one record at a time
under depth and size limits (a refused record becomes a reject, the file goes on). A 2024 file may hold both
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
from soustrace.parsers.json_records import BrokenJSON, Refusal, iter_prefix, skip_value, tokens
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
    """The streams to read, found from the first tokens (cheap: stops at the `marches` value).

    Tokens without prefixes (`basic_parse`): prefixed events cost O(depth²) on a deeply nested value.
    """
    try:
        with open_binary(path) as handle:
            events = tokens(handle)
            event, _value = next(events, ("", None))
            if event == "start_array":
                return [_Stream("item", "", None)]
            if event == "start_map":
                for event, value in events:
                    if event != "map_key":
                        break
                    if value in RECORD_KEYS:  # the file is one record
                        return [_Stream("", "", None, single=True)]
                    event, _value = next(events)
                    if value == "marches" and event == "start_array":
                        return [_Stream("marches.item", "marches", None)]
                    if value == "marches" and event == "start_map":
                        return _layout_2024(events)
                    skip_value(events, event)
    except (ijson.JSONError, BrokenJSON) as exc:
        raise ParseError(f"{path}: not readable as JSON: {exc}") from exc
    raise ParseError(f"{path}: neither a 'marches' array or object nor a single DECP record: not a DECP JSON file")


def _layout_2024(events: Iterator[tuple[str, object]]) -> list[_Stream]:
    """Both 2024 containers; the first one's shape (array or single object) is read from the tokens."""
    first_single: dict[str, bool] = {}
    for event, value in events:
        if event != "map_key":
            break
        event, _value = next(events)
        if value in _CONTAINERS_2024:
            first_single[str(value)] = event == "start_map"
            break
        skip_value(events, event)
    return [
        _Stream(f"marches.{name}" if first_single.get(name) else f"marches.{name}.item", f"marches.{name}", name,
                single=first_single.get(name, False))
        for name in _CONTAINERS_2024
    ]


def _stream_items(path: Path, stream: _Stream) -> Iterator[SourceItem]:
    index = -1
    try:
        with open_binary(path) as handle:
            for index, obj in enumerate(iter_prefix(handle, stream.prefix)):
                record_path = stream.label if stream.single else f"{stream.label}[{index}]"
                if isinstance(obj, Refusal):
                    yield SourceItem(record=None, path=record_path, container=stream.container, refusal=obj)
                    continue
                version = f"decp-{record_format(obj)}-json"
                yield SourceItem(record=obj, path=record_path, container=stream.container, schema_version=version)
    except (ijson.JSONError, BrokenJSON) as exc:
        where = f"after {stream.label}[{index}]" if index >= 0 else f"before the first {stream.label or 'item'}"
        raise ParseError(f"{path}: invalid JSON {where}: {exc}") from exc
