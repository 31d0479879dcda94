"""Time `soustrace serve`'s canned queries and facets, and the FollowTheMoney export, on a SYNTHETIC database.

Build the database first with benchmarks/synth_db.py (synthetic rows, real provider catalog). The queries run
through Datasette's in-process client (the same code path as HTTP, without the network); the floor is a
trivial `select 1` page measured in the same run, so what is Datasette's own cost and what is the SQL's can be
told apart. Datasette's own time limit (`sql_time_limit_ms` of exports/datasette_app/app.py) caps a query.

    python benchmarks/synth_db.py --db sqlite:///benchmarks/synth.db --contracts 200000 --orgs 40000 --hosting 10000
    python benchmarks/bench_datasette.py benchmarks/synth.db
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from soustrace.db import make_engine
from soustrace.exports.datasette_app.app import SETTINGS, prepare
from soustrace.exports.ftm import iter_entities

PAGES = [
    ("floor: select 1", "/{db}.json?sql=select+1&_shape=array"),
    ("uses aws", "/{db}/uses.json?provider=aws&_shape=array&_size=max"),
    ("uses ovh (alias)", "/{db}/uses.json?provider=OVH&_shape=array&_size=max"),
    ("buyers_on aws", "/{db}/buyers_on.json?provider=aws&_shape=array"),
    ("chain of one buyer", "/{db}/chain.json?ref={buyer}&_shape=array"),
    ("providers", "/{db}/providers.json?_shape=array"),
    ("providers_by_jurisdiction", "/{db}/providers_by_jurisdiction.json?_shape=array"),
    ("hosting view + 3 facets", "/{db}/hosting.json?_facet=provider&_facet=method&_facet=jurisdiction"),
    ("supply_chain view, first page", "/{db}/supply_chain.json?_shape=array"),
    ("supply_chain filtered provider_id=aws", "/{db}/supply_chain.json?provider_id=aws&_shape=array"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a SQLite database (copied; the copy gets the views)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ftm-limit", type=int, default=50000, help="entities to time the FtM export on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        shutil.copyfile(args.db, path)
        start = time.perf_counter()
        prepared = prepare(path)
        print(f"views installed and Datasette built in {time.perf_counter() - start:.2f} s "
              f"(time limit {SETTINGS['sql_time_limit_ms']} ms a query)")
        import sqlite3

        conn = sqlite3.connect(path)
        counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("contract", "party_role", "organization", "relation", "evidence")}
        buyer = conn.execute("select b.name from contract c join organization b on b.id = c.buyer_id "
                             "group by b.id order by count(*) desc limit 1").fetchone()[0]
        conn.close()
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        asyncio.run(_pages(prepared, buyer, args.repeat))
        engine = make_engine(f"sqlite:///{path}")
        start, n = time.perf_counter(), 0
        for entity in iter_entities(engine):
            entity.to_dict()
            n += 1
            if n >= args.ftm_limit:
                break
        took = time.perf_counter() - start
        print(f"export ftm: {n:,} entities in {took:.2f} s ({n / took:,.0f} entities/s, built and serialised)")


async def _pages(prepared, buyer: str, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    ds = prepared.datasette
    await ds.invoke_startup()
    print(f"{'page':40} {'rows':>6} {'first ms':>9} {'median ms':>10}")
    for name, template in PAGES:
        url = template.format(db=prepared.database, buyer=quote(buyer))
        times, rows = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            body = response.json()
            if response.status_code != 200:
                rows = -1
                break
            rows = len(body) if isinstance(body, list) else len(body.get("rows", []))
        status = "" if rows >= 0 else f"  FAILED: {str(body)[:120]}"
        print(f"{name:40} {rows:>6} {times[0]:>9.1f} {statistics.median(times):>10.1f}{status}")


if __name__ == "__main__":
    main()
