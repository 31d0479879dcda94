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

from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.store.batch import Prepared
from soustrace.records import NoticeRecord, ParseError, RejectRecord

Record = NoticeRecord | RejectRecord
FileError = Callable[[Path, Exception], None]
FILE_ERRORS = (ParseError, OSError, ValueError)
FILES_PER_TASK = 25  # small files go to a parse process in groups: one round trip per group


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
        return "sirene" if "denominationUniteLegale" in first or first.startswith("siren,") else "decp"
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
        data = json.loads(path.read_bytes())
        rows = data.get("results", [data]) if isinstance(data, dict) else data
        for row in rows:
            yield _boamp_row(row, path)
    elif kind == "boamp-jsonl":
        with path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    yield RejectRecord(
                        "boamp",
                        None,
                        "parse",
                        f"{path.name} line {number}: invalid JSON ({exc})",
                        line[:300].decode("utf-8", "replace"),
                        str(path),
                    )
                    continue
                yield _boamp_row(row, path)
    elif kind == "decp":
        from soustrace.parsers.decp.stream import iter_decp

        yield from iter_decp(path)
    else:
        raise ParseError(f"{path}: a SIRENE file; use it with `soustrace ingest --sirene`")


def _xml_notice(source: str, path: Path) -> NoticeRecord:
    raw = path.read_bytes()
    record = parse_payload(source, "", raw, content_type="application/xml")
    if not record.source_id:  # unparseable: keep the raw payload under the file's name
        record.source_id = path.stem
    return record


def _boamp_row(row: dict, path: Path) -> Record:
    idweb = row.get("idweb") if isinstance(row, dict) else None
    raw = json.dumps(row, ensure_ascii=False, sort_keys=True).encode()
    if not idweb:
        return RejectRecord("boamp", None, "parse", f"{path.name}: record without idweb", raw[:300].decode(), str(path))
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
    files are parsed in `jobs` processes while the caller writes: at most a few groups of files are in
    flight, so memory stays flat whatever the number of files (a large DECP file is one group). With
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
        pending: deque = deque()
        for group in _groups(paths):
            pending.append(pool.apply_async(_parse_group, (group, read_texts)))
            if len(pending) >= 2 * jobs:
                yield from _results(pending.popleft().get(), on_error)
        while pending:
            yield from _results(pending.popleft().get(), on_error)


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
