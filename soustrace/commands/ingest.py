"""`soustrace ingest PATH...`: load local files (the format is detected) through the storage pipeline.

What a person sees: records done, their rate and the files left while it runs; then every file skipped
(not a format soustrace reads) or failed (its reader stopped), every rejected record with its stage and
reason, and the totals. A file that fails to parse makes the exit status 1 (a rejected record does not: the
file's other records are stored); Ctrl-C prints what the database holds and exits 130.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from soustrace.commands.common import engine_from_ctx, err_console, is_quiet

MAX_REJECTS_SHOWN = 50


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="With an HTML file: the article's URL (the file is stored as a press document).")
@click.option("--org", "about", help="With --url: the organisation the article is about (SIREN, id or name).")
@click.option("--kind", "source_kind", type=click.Choice(["press", "court", "official"]), default="press",
              show_default=True, help="With --url: who states it (a court ruling, an official text, the press).")
@click.option("--buyer", help="With --url: the buyer of the awards the text states without naming one.")
@click.option("--sirene", is_flag=True, help="The files are INSEE SIRENE StockUniteLegale (CSV/Parquet): name orgs.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parse processes feeding the one writer (default: the number of cores).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], url: str | None, about: str | None, source_kind: str,
           buyer: str | None, sirene: bool, jobs: int | None) -> None:
    """Store local files: BOAMP/TED XML, BOAMP API JSON(L), DECP JSON/XML/CSV, SIRENE, press articles.

    With --url, the file is a text (HTML or plain) stating hosting and awards in prose: a press article, a
    court ruling (--kind court) or an official text (--kind official). Its awards become contracts of kind
    `reported` (shown apart from notice-backed contracts), its hosting statements edges with evidence.

    \b
    Examples:
      soustrace ingest data/samples/boamp/ data/samples/ted/
      soustrace ingest data/samples/decp --jobs 2
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
            result = ingest_press_document(engine, path, url, org=about, kind=source_kind, buyer=buyer)
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    outcome = ingest_files(engine, list(expand(list(paths))), quiet=is_quiet(ctx), jobs=jobs)
    click.echo(json.dumps(outcome))
    if outcome["failed_files"]:
        ctx.exit(1)


def ingest_files(engine: Any, files: list[Path], *, quiet: bool = False, jobs: int | None = None) -> dict[str, int]:
    """Store `files` (parsed in `jobs` processes), showing progress; report skipped and failed files and
    rejected records on stderr. Files soustrace does not read are named and left out before parsing."""
    from soustrace.pipelines.faults import InfrastructureError
    from soustrace.pipelines.ingest import default_jobs, iter_records, sniff
    from soustrace.pipelines.store import Store
    from soustrace.records import ParseError, RejectRecord

    skipped: list[str] = []
    readable: list[Path] = []
    for path in files:
        try:
            sniff(path)
            readable.append(path)
        except ParseError as exc:
            skipped.append(str(exc))
        except OSError as exc:
            skipped.append(f"{path}: cannot read: {exc}")
    failed: list[str] = []
    rejected: list[RejectRecord] = []

    def file_error(path: Path, exc: Exception) -> None:
        failed.append(f"{path}: {exc}")

    store = Store(engine)
    jobs = min(jobs or default_jobs(), max(1, len(readable)))
    columns = (TextColumn("ingest {task.fields[files]} file(s) ·"), TextColumn("{task.completed:,.0f} records"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    progress = Progress(*columns, disable=quiet, console=err_console, transient=True)

    def watched(records: Iterator[Any]) -> Iterator[Any]:
        for n, record in enumerate(records, 1):
            inner = getattr(record, "record", record)
            if isinstance(inner, RejectRecord):
                rejected.append(inner)
            if n % 200 == 0:
                speed = progress.tasks[task].speed
                progress.update(task, completed=n, rate=f"{speed:,.0f}/s" if speed else "")
            yield record

    try:
        with progress:
            task = progress.add_task("ingest", total=None, files=len(readable), rate="")
            total = store.add_all(watched(iter_records(readable, file_error, jobs=jobs,
                                                       read_texts=store.find_texts is not None)))
    except InfrastructureError as exc:  # the database or the disk, not the data: stop, exit 2
        err_console.print(f"stopped: {exc}", markup=False)
        raise click.exceptions.Exit(2) from exc
    except KeyboardInterrupt:
        from soustrace.queries.stats import db_stats

        held = db_stats(engine)["notices"]
        err_console.print(f"interrupted: the database holds {json.dumps(held)} notices (re-run to go on)",
                          markup=False)
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
