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
@click.option("--sirene", is_flag=True, help="The files are INSEE SIRENE StockUniteLegale (CSV/Parquet): name orgs.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], url: str | None, about: str | None, sirene: bool) -> None:
    """Store local files: BOAMP/TED XML, BOAMP API JSON(L), DECP JSON/XML/CSV, SIRENE, press articles.

    \b
    Examples:
      soustrace ingest data/samples/boamp/ data/samples/ted/
      soustrace ingest decp-2024.json
      soustrace ingest --sirene StockUniteLegale_utf8.csv
      soustrace ingest article.html --url https://example.org/article --org "Bluenove"
    """
    from soustrace.pipelines.faults import InfrastructureError
    from soustrace.pipelines.ingest import expand, iter_file_keeping_going
    from soustrace.pipelines.store import Store, StoreStats

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
    store = Store(engine)
    total, failed = StoreStats(), 0
    files = list(expand(list(paths)))
    with Progress(disable=is_quiet(ctx), console=err_console, transient=True) as progress:
        task = progress.add_task("ingest", total=len(files))
        for path in files:
            failures: list[tuple[Path, Exception]] = []
            try:
                total.add(store.add_all(iter_file_keeping_going(path, failures)))
            except InfrastructureError as exc:  # the database or the disk, not the data: stop here
                click.echo(json.dumps({"files": len(files), "failed_files": failed, **total.as_dict()}))
                err_console.print(f"[red]stopped[/red] at {path}: {exc}")
                ctx.exit(2)
            for _path, exc in failures:
                failed += 1
                err_console.print(f"[red]error[/red] {path}: {exc}")
            progress.advance(task)
    click.echo(json.dumps({"files": len(files), "failed_files": failed, **total.as_dict()}))
    if failed:
        ctx.exit(1)
