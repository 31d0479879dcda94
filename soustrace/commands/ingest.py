"""`soustrace ingest PATH...`: load local files (the format is detected) through the storage pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.progress import Progress

from soustrace.commands.common import engine_from_ctx, err_console, is_quiet


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
      soustrace ingest decp-2024.json
      soustrace ingest --sirene StockUniteLegale_utf8.csv
      soustrace ingest article.html --url https://example.org/article --org "Bluenove"
      soustrace ingest ruling.txt --url https://www.conseil-etat.fr/... --kind court
    """
    from soustrace.pipelines.faults import InfrastructureError
    from soustrace.pipelines.ingest import default_jobs, expand, iter_records
    from soustrace.pipelines.store import Store

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
    store = Store(engine)
    files = list(expand(list(paths)))
    failed: list[Path] = []

    def file_error(path: Path, exc: Exception) -> None:
        failed.append(path)
        err_console.print(f"[red]error[/red] {path}: {exc}")

    jobs = jobs or default_jobs()
    with Progress(disable=is_quiet(ctx), console=err_console, transient=True) as progress:
        task = progress.add_task("ingest", total=None)

        def counted(records):  # type: ignore[no-untyped-def]
            for n, record in enumerate(records, 1):
                if n % 200 == 0:
                    progress.update(task, completed=n)
                yield record

        # One stream over all files: batches span files; parsing runs in `jobs` processes.
        try:
            total = store.add_all(counted(iter_records(files, file_error, jobs=min(jobs, max(1, len(files))),
                                                            read_texts=store.find_texts is not None)))
        except InfrastructureError as exc:  # the database or the disk, not the data: stop, exit 2
            err_console.print(f"[red]stopped[/red]: {exc}")
            ctx.exit(2)
    click.echo(json.dumps({"files": len(files), "failed_files": len(failed), **total.as_dict()}))
    if failed:
        ctx.exit(1)
