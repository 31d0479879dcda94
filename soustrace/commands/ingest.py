"""`soustrace ingest PATH...`: load local files (the format is detected) through the storage pipeline.

What a person sees: the current file, records done, rate and time left while it runs; then every file
skipped (not a format soustrace reads) or failed (its reader stopped), every rejected record with its stage
and reason, and the totals. A file that fails to parse makes the exit status 1 (a rejected record does not:
the file's other records are stored); Ctrl-C prints what was stored so far and exits 130.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from soustrace.commands.common import engine_from_ctx, err_console, is_quiet

MAX_REJECTS_SHOWN = 50


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="With an HTML file: the article's URL (the file is stored as a press document).")
@click.option("--org", "about", help="With --url: the organisation the article is about (SIREN, id or name).")
@click.option("--sirene", is_flag=True, help="The files are INSEE SIRENE StockUniteLegale (CSV/Parquet): name orgs.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], url: str | None, about: str | None, sirene: bool) -> None:
    """Store local files: BOAMP/TED XML, BOAMP API JSON(L), DECP JSON/XML/CSV, SIRENE, press articles.

    \b
    Examples:
      soustrace ingest data/samples/boamp/ data/samples/ted/
      soustrace ingest data/samples/decp
      soustrace ingest --sirene StockUniteLegale_utf8.csv
      soustrace ingest data/samples/press/cnr-huffpost.html --url https://example.org/article --org "Bluenove"
    """
    from soustrace.pipelines.ingest import expand

    engine = engine_from_ctx(ctx)
    if sirene:
        from soustrace.pipelines.sirene import apply_sirene_names

        for path in paths:
            named = apply_sirene_names(engine, path)
            click.echo(json.dumps({"file": str(path), "organizations_named": named}))
        return
    if url:
        from soustrace.hosting.press import ingest_press_document

        for path in paths:
            result = ingest_press_document(engine, path, url, org=about)
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    outcome = ingest_files(engine, list(expand(list(paths))), quiet=is_quiet(ctx))
    click.echo(json.dumps(outcome))
    if outcome["failed_files"]:  # a rejected record is reported, not fatal: the file's other records are stored
        ctx.exit(1)


def ingest_files(engine: Any, files: list[Path], *, quiet: bool = False) -> dict[str, int]:
    """Store `files`, showing progress; report skipped and failed files and rejected records on stderr."""
    from soustrace.pipelines.ingest import iter_file, sniff
    from soustrace.pipelines.store import Store, StoreStats
    from soustrace.records import ParseError, RejectRecord

    store, total = Store(engine), StoreStats()
    skipped: list[str] = []
    failed: list[str] = []
    rejected: list[RejectRecord] = []

    def watched(records: Iterator[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, RejectRecord):
                rejected.append(record)
            progress.advance(records_task)
            yield record

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[rate]}"))
    progress = Progress(*columns, disable=quiet, console=err_console, transient=True)
    try:
        with progress:
            files_task = progress.add_task("files", total=len(files), rate="")
            records_task = progress.add_task("records", total=None, rate="")
            for path in files:
                progress.update(files_task, description=f"files · {escape(path.name)}")
                try:
                    sniff(path)
                except ParseError as exc:
                    skipped.append(str(exc))
                    progress.advance(files_task)
                    continue
                try:
                    total.add(store.add_all(watched(iter_file(path))))
                except (ParseError, OSError, ValueError) as exc:
                    failed.append(f"{path}: {exc}")
                progress.advance(files_task)
                task = progress.tasks[records_task]
                if task.speed:
                    progress.update(records_task, rate=f"{task.speed:,.0f} records/s")
    except KeyboardInterrupt:
        err_console.print(f"interrupted: stored so far {json.dumps(total.as_dict())}", markup=False)
        raise
    _report(skipped, failed, rejected)
    return {"files": len(files), "skipped_files": len(skipped), "failed_files": len(failed), **total.as_dict()}


def _report(skipped: list[str], failed: list[str], rejected: list[Any]) -> None:
    """Each skipped/failed file and rejected record on one line of stderr (markup off: names are data)."""
    for line in skipped:
        err_console.print(f"skipped (not a format soustrace reads): {line}", markup=False, soft_wrap=True)
    for line in failed:
        err_console.print(f"failed: {line}", markup=False, soft_wrap=True)
    for rec in rejected[:MAX_REJECTS_SHOWN]:
        where = rec.url or ""
        err_console.print(f"rejected [{rec.source} {rec.record_id or '?'}] at {rec.stage}: {rec.reason} {where}",
                          markup=False, soft_wrap=True)
    if len(rejected) > MAX_REJECTS_SHOWN:
        err_console.print(f"... {len(rejected) - MAX_REJECTS_SHOWN} more: `soustrace db rejects`", markup=False)
