"""`soustrace serve`: the database in Datasette, with the questions built in (see `exports.datasette_app`)."""

from __future__ import annotations

from pathlib import Path

import click

from soustrace.commands.common import err_console


def sqlite_path(db_url: str | None, file: Path | None) -> Path:
    """The SQLite file to serve: FILE, else the `--db` database, which must be SQLite."""
    if file is not None:
        return file
    from sqlalchemy.engine import make_url

    from soustrace.db import resolve_url

    url = make_url(resolve_url(db_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.UsageError(
            f"Datasette serves SQLite files, and --db is {url.get_backend_name()}: run "
            "`soustrace export sqlite OUT.db` first, then `soustrace serve OUT.db`")
    return Path(url.database)


def _is_soustrace_db(path: Path) -> bool:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return {"relation", "evidence", "alembic_version"} <= names


@click.command("serve")
@click.argument("file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.pass_context
def serve(ctx: click.Context, file: Path | None, host: str, port: int) -> None:
    """Browse the database in Datasette, read-only, with canned questions and their evidence.

    \b
    Canned queries (at /<database>/<name>):
      uses?provider=aws        contractors hosted by a provider, quote and URL, contracts won and reported
      chain?ref=156-2025       buyer -> contracts -> contractors -> providers around an organisation or contract
      providers                organisations and contracts per provider (jurisdiction, CLOUD Act, SecNumCloud)
      buyers_on?provider=aws   public bodies whose own sites run on a provider
    Views for facets: hosting, supply_chain, edges, awards, contracts, provider_facts.
    Every page has JSON and CSV: add .json or .csv (e.g. /soustrace/uses.json?provider=aws&_shape=array).

    \b
    Examples:
      soustrace demo && soustrace serve
      soustrace serve --port 8080 --host 0.0.0.0
      soustrace --db postgresql://me@host/db export sqlite snap.db && soustrace serve snap.db
    """
    from soustrace.db import make_engine
    from soustrace.exports.datasette_app.app import prepare
    from soustrace.exports.datasette_app.app import serve as run

    path = sqlite_path((ctx.find_root().obj or {}).get("db_url"), file)
    if not path.is_file():
        raise click.ClickException(f"no database at {path}: run `soustrace demo` or `soustrace ingest ...` first")
    if not _is_soustrace_db(path):
        raise click.ClickException(f"{path} is not a soustrace database (no relation/evidence tables)")
    try:
        make_engine(f"sqlite:///{path}").dispose()  # the schema at the latest migration before the views read it
    except Exception as exc:  # read-only file: served as it is
        err_console.print(f"[yellow]note:[/] schema not upgraded ({type(exc).__name__}: {exc})")
    prepared = prepare(path)
    if prepared.note:
        err_console.print(f"[yellow]note:[/] {prepared.note}")
    base = f"http://{host}:{port}/{prepared.database}"
    err_console.print(f"serving {path} read-only at http://{host}:{port}/  (try {base}/uses?provider=aws)")
    run(prepared, host, port)
