"""The Datasette instance of `soustrace serve`: the SQLite file served read-only, with views, metadata and plugin.

Views are written into the file first (schema only; see `views`), then Datasette opens it with read-only
connections (`mode=ro`): nothing a browser sends can change the data. A file that cannot be written (read-only
mount, another process holding a write lock too long) is still served: the views are then created as TEMP
views on each connection, so the canned queries work, but they are not listed as browsable views.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from datasette.app import Datasette

from soustrace.exports.datasette_app import plugin
from soustrace.exports.datasette_app.metadata import build_metadata
from soustrace.exports.datasette_app.views import install_views

# The canned questions aggregate every contract of the organisations concerned: on a 200k-contract synthetic
# database they take 0.5-3 s (benchmarks/bench_datasette.py), more on a busy machine; a journalist would rather
# wait than read "query took too long". Column facet suggestions run a query per column of a page: off.
SETTINGS = {"sql_time_limit_ms": 20000, "facet_time_limit_ms": 2000, "default_page_size": 100,
            "suggest_facets": False}


@dataclass(slots=True)
class Prepared:
    datasette: Datasette
    database: str  # the name in Datasette's URLs: /<database>/uses
    views_in_file: bool
    note: str | None = None


def prepare(path: Path, *, lock_timeout: float = 30.0) -> Prepared:
    """Install the views in `path` (or fall back to TEMP views) and build the Datasette instance."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no SQLite database at {path}")
    note = None
    try:
        install_views(path, timeout=lock_timeout)
        in_file = True
    except sqlite3.OperationalError as exc:  # read-only file or directory, lock held
        in_file = False
        note = (f"views not written into {path} ({exc}): served as temporary views; the canned queries work, "
                "the views are not browsable")
    plugin.register(temp_views=not in_file)
    name = path.stem
    ds = Datasette([str(path)], metadata=build_metadata(name), settings=SETTINGS, cors=False)
    return Prepared(ds, name, in_file, note)


def serve(prepared: Prepared, host: str, port: int) -> None:
    """Run the server until interrupted (uvicorn, one worker), as `datasette serve` does."""
    import uvicorn
    from asgiref.sync import async_to_sync

    async_to_sync(prepared.datasette.invoke_startup)()
    uvicorn.run(prepared.datasette.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
