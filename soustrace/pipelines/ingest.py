"""Local files to records: detects what a file is and yields its notices (or rejects), streaming.

Recognised: DILA BOAMP XML notices; TED eForms and TED_EXPORT XML; BOAMP ODS API pages, record lists and
JSONL exports; DECP JSON (2019 and 2024), XML and flat CSV. A file that is none of these is an error
naming the file; one bad file never stops the others.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from soustrace.parsers.json_records import MAX_RECORD_CHARS, Refusal, iter_results, loads_record, safe_excerpt
from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.store.batch import Prepared
from soustrace.records import NoticeRecord, ParseError, RejectRecord

Record = NoticeRecord | RejectRecord
# Columns every flat DECP export has under one spelling or another (a random CSV has none of them)
_DECP_CSV_COLUMNS = ("datenotification", "codecpv", "acheteur", "titulaire", "montant")
FileError = Callable[[Path, Exception], None]
FILE_ERRORS = (ParseError, OSError, ValueError)
FILES_PER_TASK = 25  # small files go to a parse process in groups: one round trip per group
# Groups parsed ahead of the writer: enough for the parse processes to keep working while it writes a batch
# (200 records = 8 groups); with 2 per process they sat idle for most of each write.
GROUPS_AHEAD = 24
# One notice document (BOAMP/TED XML) is read whole: larger than this, it is refused without being read.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def sniff(path: Path) -> str:
    """One of: boamp-xml, ted-xml, decp, boamp-json, boamp-jsonl, sirene; ParseError when unknown."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \r\n\t")
    if suffix == ".parquet":
        return "sirene"
    if suffix == ".csv":
        first = text.splitlines()[0] if text else ""
        if "denominationUniteLegale" in first or first.startswith("siren,"):
            return "sirene"
        header = first.lower()
        if any(col in header for col in _DECP_CSV_COLUMNS):
            return "decp"
        raise ParseError(f"{path}: a CSV that is neither DECP nor SIRENE (header: {first[:80]!r})")
    if text.startswith("<"):
        if "<ANNONCE" in text:
            return "boamp-xml"
        if (
            "TED_EXPORT" in text
            or "ContractAwardNotice" in text
            or "ContractNotice" in text
            or "PriorInformationNotice" in text
            or "ContractModificationNotice" in text
        ):
            return "ted-xml"
        if "<marches" in text or "<marche" in text:
            return "decp"
        raise ParseError(f"{path}: XML that is neither a BOAMP, TED nor DECP document")
    if suffix == ".jsonl":
        return "boamp-jsonl"
    if text.startswith("{") or text.startswith("["):
        if '"marches"' in text:
            return "decp"
        if text.startswith("{") and _bare_decp_record(text):
            return "decp"
        if '"idweb"' in text or '"total_count"' in text:
            return "boamp-json"
    raise ParseError(f"{path}: unrecognised file (expected BOAMP/TED XML, BOAMP API JSON, DECP JSON/XML/CSV)")


def _bare_decp_record(head: str) -> bool:
    """A single DECP record (2024 per-record files): a buyer key and a holder key near the top."""
    buyer = '"acheteur"' in head or '"autoriteConcedante"' in head
    holders = '"titulaires"' in head or '"concessionnaires"' in head or '"montant"' in head
    return buyer and holders


def iter_file(path: Path) -> Iterator[Record]:
    kind = sniff(path)
    if kind == "boamp-xml":
        yield _xml_notice("boamp", path)
    elif kind == "ted-xml":
        yield _xml_notice("ted", path)
    elif kind == "boamp-json":
        yield from _boamp_json(path)
    elif kind == "boamp-jsonl":
        yield from _boamp_jsonl(path)
    elif kind == "decp":
        from soustrace.parsers.decp.stream import iter_decp

        yield from iter_decp(path)
    else:
        raise ParseError(f"{path}: a SIRENE file; use it with `soustrace ingest --sirene`")


def iter_file_keeping_going(path: Path, failures: list[tuple[Path, Exception]]) -> Iterator[Record]:
    """`iter_file`, but a file that breaks midway ends its stream instead of raising through the store.

    Why: the store batches records; an exception out of the reader would lose the records read before it
    and not yet written. The failure is appended to `failures` for the caller to report.
    """
    try:
        yield from iter_file(path)
    except (ParseError, OSError, ValueError) as exc:
        failures.append((path, exc))


def _xml_notice(source: str, path: Path) -> Record:
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        return RejectRecord(source, path.stem, "parse", f"{path.name}: document of {size:,} bytes exceeds the "
                            f"{MAX_DOCUMENT_BYTES:,}-byte limit of a single notice", "", str(path))
    raw = path.read_bytes()
    record = parse_payload(source, "", raw, content_type="application/xml")
    if not record.source_id:  # unparseable: keep the raw payload under the file's name
        record.source_id = path.stem
    return record


def _boamp_json(path: Path) -> Iterator[Record]:
    """The rows of a BOAMP API page or export, streamed; one refused row is a reject, the rest go on."""
    with path.open("rb") as fh:
        try:
            for index, row in enumerate(iter_results(fh)):
                yield _boamp_row(row, path, f"results[{index}]")
        except ValueError as exc:  # broken JSON: the rows before it are already out
            raise ParseError(f"{path}: invalid JSON: {exc}") from exc


def _boamp_jsonl(path: Path) -> Iterator[Record]:
    """One row a line; a line that is invalid, too deep or too long is a reject naming its line number."""
    with path.open("rb") as fh:
        for number, line in _iter_lines(fh, MAX_RECORD_CHARS):
            if line is None:
                yield RejectRecord("boamp", None, "parse", f"{path.name} line {number}: line longer than the "
                                   f"{MAX_RECORD_CHARS:,}-byte record limit", "", str(path))
                continue
            if not line.strip():
                continue
            try:
                row = loads_record(line)
            except (ValueError, UnicodeDecodeError) as exc:
                yield RejectRecord("boamp", None, "parse", f"{path.name} line {number}: invalid JSON ({exc})",
                                   safe_excerpt(line), str(path))
                continue
            yield _boamp_row(row, path, f"line {number}")


def _iter_lines(fh: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) without ever holding more than `limit` bytes of one line; None for a longer line."""
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # drop the rest of the line
                line = fh.readline(1 << 20)
            yield number, None
            continue
        yield number, line


def _boamp_row(row: object, path: Path, where: str) -> Record:
    if isinstance(row, Refusal):
        return RejectRecord("boamp", row.record_id, "parse", f"{path.name} {where}: {row.reason}", row.excerpt,
                            str(path))
    idweb = row.get("idweb") if isinstance(row, dict) else None
    raw = json.dumps(row, ensure_ascii=False, sort_keys=True).encode()
    if not idweb:
        return RejectRecord("boamp", None, "parse", f"{path.name} {where}: record without idweb", safe_excerpt(raw),
                            str(path))
    assert isinstance(row, dict)
    return parse_payload("boamp", str(idweb), raw, record=row, url=row.get("url_avis"))


def expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() in {".xml", ".json", ".jsonl", ".csv", ".parquet"}
            )
        else:
            yield path


def default_jobs() -> int:
    """Parse processes by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def iter_records(paths: Iterable[Path], on_error: FileError, jobs: int = 1,
                 read_texts: bool = False) -> Iterator[Record | Prepared]:
    """Every record of every file as one stream (so the store batches across files), in file order.

    A file that cannot be read or recognised goes to `on_error` and the stream goes on. With `jobs` > 1,
    files are parsed in `jobs` processes while the caller writes: at most `GROUPS_AHEAD` groups of small
    files and two large files per process are in flight, so memory stays flat whatever the number of files
    (a large DECP file is one group). With
    `read_texts`, the parse processes also run the hosting extractor on awards' free texts (`Prepared`
    records), which takes it off the writer.
    """
    if jobs <= 1:
        for path in paths:
            yield from _file_records(path, on_error)
        return
    import multiprocessing

    # spawn: fresh interpreters (no copy of the writer's connections or caches), children of this process
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        pending: deque = deque()  # (result, whether it is one large file)
        for group in _groups(paths):
            pending.append((pool.apply_async(_parse_group, (group, read_texts)), _alone(group)))
            while len(pending) >= max(2 * jobs, GROUPS_AHEAD) or sum(big for _r, big in pending) >= 2 * jobs:
                yield from _results(pending.popleft()[0].get(), on_error)
        while pending:
            yield from _results(pending.popleft()[0].get(), on_error)


def _alone(group: list[Path]) -> bool:
    """A file that travels alone (DECP, JSONL, API pages): at most two per process are in flight."""
    return len(group) == 1 and group[0].suffix.lower() != ".xml"


def _file_records(path: Path, on_error: FileError) -> Iterator[Record]:
    try:
        yield from iter_file(path)
    except FILE_ERRORS as exc:
        on_error(path, exc)


def _groups(paths: Iterable[Path]) -> Iterator[list[Path]]:
    group: list[Path] = []
    for path in paths:
        if path.suffix.lower() != ".xml":  # large files (DECP, JSONL, API pages) travel alone
            if group:
                yield group
                group = []
            yield [path]
            continue
        group.append(path)
        if len(group) >= FILES_PER_TASK:
            yield group
            group = []
    if group:
        yield group


def _parse_group(group: list[Path], read_texts: bool = False) -> list[tuple[Path, list, str | None]]:
    """In a parse process: each file's records, or the reason it failed (exceptions cross as text)."""
    out: list[tuple[Path, list, str | None]] = []
    for path in group:
        records: list[Record] = []
        try:
            records.extend(iter_file(path))
        except FILE_ERRORS as exc:
            out.append((path, records, str(exc) or type(exc).__name__))
            continue
        out.append((path, records, None))
    if read_texts:
        _read_texts(out)
    return out


def _read_texts(parsed: list[tuple[Path, list, str | None]]) -> None:
    """The awards' free texts of a group through the extractor in one batch; their records become `Prepared`."""
    from soustrace.pipelines.store.batch import Prepared, awarded
    from soustrace.pipelines.store.pipeline import load_text_finder

    wanted = [(records, i) for _path, records, _error in parsed for i, r in enumerate(records)
              if isinstance(r, NoticeRecord) and r.texts and not r.parse_error and awarded(r)]
    if not wanted:
        return
    texts = [(name, text) for records, i in wanted for name, text in records[i].texts.items()]
    found = iter(load_text_finder()([text for _name, text in texts]))
    for records, i in wanted:
        record = records[i]
        records[i] = Prepared(record, {name: next(found) for name in record.texts})


def _results(done: list[tuple[Path, list, str | None]], on_error: FileError) -> Iterator[Record | Prepared]:
    for path, records, error in done:
        yield from records
        if error is not None:
            on_error(path, ParseError(error))
