"""Records streamed out of untrusted JSON with limits: one hostile record costs only itself.

Why not `json.loads` or `ijson.items`: `json.loads` on a whole file loses the file to one record nested
100,000 deep (RecursionError) and holds the whole file in memory; `ijson.items` builds a prefix string per
nesting level, so one record nested 50,000 deep costs O(depth²) memory (5.8 GB, then MemoryError). Here
the C tokenizer (`ijson.basic_parse`, no prefixes) feeds a builder that counts depth and size and, past a
limit, stops building and only counts brackets until the record ends. The refused record comes out as a
`Refusal` (its position, its id when one was read before the limit, a short excerpt), and the stream goes
on with the next record.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson

from soustrace.records import ParseError

# Real records: BOAMP API rows ~8 levels, DECP records ~6, eForms-as-JSON ~12. 64 leaves room, and keeps
# every later recursive walk (canonical JSON, record builders) far from Python's recursion limit.
MAX_DEPTH = 64
# A record larger than this (strings and keys counted in characters) is refused at the reader: it would
# be held several times in memory (object, canonical bytes, texts) before anything is stored.
MAX_RECORD_CHARS = 64 * 1024 * 1024
# Keys whose string value names a record, read before a limit is hit so the refusal can name it.
ID_KEYS = ("idweb", "id", "uid", "publication-number")
EXCERPT_CHARS = 300

_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


class BrokenJSON(ParseError):
    """The document itself is not valid JSON (a `ValueError`, like `json.loads` raises)."""


def tokens(handle: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """ijson's C tokenizer, its errors turned into `BrokenJSON` (ijson's own do not derive from ValueError)."""
    try:
        yield from ijson.basic_parse(handle, use_float=True)
    except ijson.JSONError as exc:
        raise BrokenJSON(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Limits:
    """What one record may cost; tests lower them to keep hostile inputs small."""

    max_depth: int = MAX_DEPTH
    max_chars: int = MAX_RECORD_CHARS


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A record the reader would not build: why, and what is known of it."""

    reason: str
    record_id: str | None
    excerpt: str


def safe_excerpt(raw: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    """The first characters of a payload as text; a multibyte character cut at the limit is replaced."""
    if isinstance(raw, str):
        return raw[:limit]
    return raw[: limit * 4].decode("utf-8", "replace")[:limit]


def depth_of(value: object) -> int:
    """Nesting depth of a built JSON value (0 for a scalar), without recursion."""
    best, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            level += 1
            best = max(best, level)
            stack.extend((child, level) for child in node if isinstance(child, dict | list))
    return best


def loads_record(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> object | Refusal:
    """One JSON document (a JSONL line) under the limits, as a value or a `Refusal`; ValueError if invalid."""
    size = len(data)
    if size > limits.max_chars:
        return Refusal(f"record of {size:,} bytes exceeds the {limits.max_chars:,}-byte record limit", None,
                       safe_excerpt(data))
    try:
        value = json.loads(data)
    except RecursionError:
        return Refusal(f"nested deeper than {limits.max_depth} levels", None, safe_excerpt(data))
    if depth_of(value) > limits.max_depth:
        return Refusal(f"nested deeper than {limits.max_depth} levels", _id_of(value), safe_excerpt(data))
    return value


def iter_prefix(handle: IO[bytes], prefix: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[object | Refusal]:
    """The values at an ijson-style `prefix` ("item", "marches.item", "marches.marche"), streamed.

    Raises `BrokenJSON` (a `ValueError`) when the document itself is broken; values yielded before that
    point stay yielded.
    """
    events = tokens(handle)
    first = next(events, None)
    if first is None:
        return
    parts = prefix.split(".") if prefix else []
    yield from _walk(events, first[0], first[1], parts, limits)


def iter_results(handle: IO[bytes], limits: Limits = DEFAULT_LIMITS,
                 top: dict[str, object] | None = None) -> Iterator[object | Refusal]:
    """BOAMP API JSON: the rows of `{"results": [...]}`, of a top-level list, or the one record of a dict.

    With `top`, the other top-level keys of a results page (`total_count`...) are put there and a page
    without `results` yields nothing (it is not taken for a record).
    """
    events = tokens(handle)
    first = next(events, None)
    if first is None:
        return
    event, value = first
    if event != "start_map":
        yield from _walk(events, event, value, ["item"], limits)
        return
    page = top if top is not None else {}
    saw_results = False
    for event, value in events:
        if event == "end_map":
            break
        key = value
        event, value = next(events)
        if key == "results" and event == "start_array":
            saw_results = True
            yield from _walk(events, event, value, ["item"], limits)
        else:
            page[str(key)] = build_value(events, event, value, limits)
    if saw_results or top is not None:
        return
    refused = next((v for v in page.values() if isinstance(v, Refusal)), None)
    yield Refusal(refused.reason, _id_of(page), safe_excerpt(json.dumps(_shallow(page)))) if refused else page


def read_results_page(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[dict[str, object], list[object]] | None:
    """An API page as (top-level keys, rows or Refusals); None when it is not JSON or has no `results`.

    The C parser first (a page is in memory anyway); only a page it cannot read for depth goes through the
    streaming builder. Either way each row over the limits comes back as a Refusal, alone.
    """
    try:
        loaded = json.loads(data)
    except RecursionError:
        top: dict[str, object] = {}
        try:
            rows = list(iter_results(io.BytesIO(data), limits, top=top))
        except ValueError:
            return None
        return (top, rows) if b'"results"' in data else None
    except ValueError:
        return None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("results"), list):
        return None
    results = loaded.pop("results")
    return loaded, [_checked(row, limits) for row in results]


def _checked(row: object, limits: Limits) -> object:
    if depth_of(row) > limits.max_depth:
        return Refusal(f"nested deeper than {limits.max_depth} levels", _id_of(row),
                       safe_excerpt(json.dumps(_shallow(row), ensure_ascii=False)))
    return row


def _walk(events: Iterator[tuple[str, Any]], event: str, value: Any, parts: list[str],
          limits: Limits) -> Iterator[object | Refusal]:
    if not parts:
        yield build_value(events, event, value, limits)
        return
    part, rest = parts[0], parts[1:]
    if part == "item":
        if event != "start_array":
            skip_value(events, event)
            return
        for event, value in events:
            if event == "end_array":
                return
            yield from _walk(events, event, value, rest, limits)
        return
    if event != "start_map":
        skip_value(events, event)
        return
    for event, value in events:
        if event == "end_map":
            return
        key = value
        event, value = next(events)
        if key == part:
            yield from _walk(events, event, value, rest, limits)
        else:
            skip_value(events, event)


def skip_value(events: Iterator[tuple[str, Any]], event: str) -> None:
    """Consume the rest of a value whose first event was `event` (counting brackets only)."""
    if event not in _STARTS:
        return
    depth = 1
    for event, _value in events:
        if event in _STARTS:
            depth += 1
        elif event in _ENDS:
            depth -= 1
            if depth == 0:
                return


def build_value(events: Iterator[tuple[str, Any]], event: str, value: Any,
                limits: Limits = DEFAULT_LIMITS) -> object | Refusal:
    """The value whose first event was (`event`, `value`), or a Refusal once a limit is passed.

    The hot loop of every JSON reader: one branch per token, no attribute lookups it can avoid.
    """
    if event not in _STARTS:
        return value
    max_depth, max_chars = limits.max_depth, limits.max_chars
    root: Any = {} if event == "start_map" else []
    container, key, is_list = root, "", event == "start_array"
    stack: list[tuple[Any, str, bool]] = []  # the enclosing containers
    size = 0
    for event, value in events:
        if event == "map_key":
            key = value
            size += len(value)
            continue
        if event == "end_map" or event == "end_array":
            if not stack:
                return root
            container, key, is_list = stack.pop()
            continue
        if event == "start_map" or event == "start_array":
            child: Any = {} if event == "start_map" else []
            if is_list:
                container.append(child)
            else:
                container[key] = child
            stack.append((container, key, is_list))
            if len(stack) >= max_depth:
                return _refuse(events, len(stack) + 1, root, f"nested deeper than {max_depth} levels")
            container, key, is_list = child, "", event == "start_array"
            continue
        size += len(value) if event == "string" else 1
        if is_list:
            container.append(value)
        else:
            container[key] = value
        if size > max_chars:
            return _refuse(events, len(stack) + 1, root, f"record larger than the {max_chars:,}-character record limit")
    raise BrokenJSON("document ended inside a record")


def _refuse(events: Iterator[tuple[str, Any]], depth: int, root: object, reason: str) -> Refusal:
    """Drop what was built, read on to the end of the record, and say why it was refused."""
    for event, _value in events:
        if event in _STARTS:
            depth += 1
        elif event in _ENDS:
            depth -= 1
            if depth == 0:
                break
    return Refusal(reason, _id_of(root), safe_excerpt(json.dumps(_shallow(root), ensure_ascii=False)))


def _id_of(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    for key in ID_KEYS:
        found = value.get(key)
        if isinstance(found, str | int) and not isinstance(found, bool) and str(found).strip():
            return str(found)[:300]
    return None


def _shallow(value: object) -> object:
    """The top level of a partly built record, nested values elided: safe to serialise for an excerpt."""
    if isinstance(value, dict):
        return {k: (v if not isinstance(v, dict | list) else "…") for k, v in value.items()}
    if isinstance(value, list):
        return ["…" if isinstance(v, dict | list) else v for v in value[:10]]
    return value
