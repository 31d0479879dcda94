"""`soustrace extract [FILE|-]`: hosting relations from JSONL texts, no database needed.

Input lines: {"id", "text", "url"?, "lang"?}. Output lines: {"id", "url"?, "lang", "editor", "relations"}.
A bad line is reported on stderr with its line number and the reason; the run goes on and the exit code
is 1 at the end if any line failed (a batch of crawled pages must not die on one broken record).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click


def _parse(stream: IO[str], errors: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(rec, dict):
            errors.append(f"line {lineno}: expected a JSON object, got {type(rec).__name__}")
            continue
        if "id" not in rec:
            errors.append(f"line {lineno}: missing field 'id'")
            continue
        if not isinstance(rec.get("text"), str):
            errors.append(f"line {lineno}: field 'text' must be a string")
            continue
        lang = rec.get("lang")
        if lang is not None and not isinstance(lang, str):
            errors.append(f"line {lineno}: field 'lang' must be a string or null")
            continue
        yield lineno, rec


@click.command("extract")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--out", "out", type=click.File("w", encoding="utf-8"), default="-", help="Write JSONL here instead of stdout."
)
@click.option("--batch-size", default=64, show_default=True, help="Documents per spaCy batch.")
@click.option("--min-confidence", default=0.0, show_default=True, help="Drop relations below this confidence.")
def extract(source: IO[str], out: IO[str], batch_size: int, min_confidence: float) -> None:
    """Extract hosting relations (provider, role, status, offsets) from JSONL texts.

    \b
    Input  (FILE or - for stdin): {"id": ..., "text": ..., "url"?: ..., "lang"?: "fr"}
    Output (stdout or --out):     {"id": ..., "editor": {...}|null, "built_by": [...], "relations": [...]}
    """
    from soustrace.extraction import extract_many

    errors: list[str] = []
    records: dict[Any, dict[str, Any]] = {}

    def items() -> Iterator[tuple[Any, str, str | None]]:
        for lineno, rec in _parse(source, errors):
            key = (lineno, rec["id"])
            records[key] = rec
            yield key, rec["text"], rec.get("lang")

    for ex in extract_many(items(), batch_size=batch_size):
        _lineno, doc_id = ex.id
        rec = records.pop(ex.id)
        row: dict[str, Any] = {"id": doc_id}
        if rec.get("url") is not None:
            row["url"] = rec["url"]
        row["lang"] = ex.lang
        row["editor"] = ex.editor
        row["built_by"] = [b for b in ex.built_by if b["confidence"] >= min_confidence]
        row["relations"] = [r for r in ex.relations if r["confidence"] >= min_confidence]
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    for err in errors:
        click.echo(f"error: {err}", err=True)
    if errors:
        sys.exit(1)
