"""Time the answers on a SYNTHETIC database (benchmarks/synth_db.py): `query uses` and `export graph`.

Targets (issue "Answers"): `query uses aws` under 100 ms; `export graph` of ~100k edges under 30 s with
bounded memory (the export runs as a child process, the real CLI, so its peak RSS is measured alone).
Other answers (contracts, providers, chain) are timed for information. `--explain` prints the query plans of
the main statements, to check that they use indexes on this backend.

    python benchmarks/synth_db.py                      # once: 1M contracts on SQLite (a few minutes)
    python benchmarks/bench_answers.py                 # SQLite, benchmarks/synth.db
    python benchmarks/bench_answers.py --db postgresql+psycopg://postgres@127.0.0.1:5432/synth --explain
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from soustrace.db import make_engine
from soustrace.models import CrawlWindow
from soustrace.queries.stats import db_stats

ROOT = Path(__file__).resolve().parents[1]
USES_TARGET_MS = 100.0
GRAPH_TARGET_S = 30.0


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """Result of the last call and every call's wall time in ms (the first call is the cold one)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def report(name: str, times: list[float], rows: int, target: float | None = None) -> dict[str, Any]:
    warm = times[1:] or times
    med = statistics.median(warm)
    verdict = "" if target is None else ("  PASS" if med < target else "  FAIL") + f" (target < {target:.0f} ms)"
    print(f"{name:<34} rows={rows:<7} cold={times[0]:8.1f} ms  warm median={med:8.1f} ms  "
          f"min={min(warm):8.1f} ms{verdict}")
    return {"rows": rows, "cold_ms": round(times[0], 1), "warm_median_ms": round(med, 1),
            "warm_min_ms": round(min(warm), 1)}


def bench_queries(engine: Engine, provider: str, repeat: int) -> dict[str, Any]:
    from soustrace.queries import answer_cache
    from soustrace.queries.chain import chain
    from soustrace.queries.contracts import contracts_reaching
    from soustrace.queries.providers import provider_stats
    from soustrace.queries.uses import uses

    out: dict[str, Any] = {}
    answer_cache.ensure_fresh(engine)  # (synth_db.py left them fresh; a rebuild here would be timed below)
    frame, times = timed(lambda: uses(engine, provider), repeat)
    out["uses"] = report(f"query uses {provider}", times, len(frame), USES_TARGET_MS)
    live, times = timed(lambda: uses(engine, provider, stored=False), max(2, repeat // 2))
    out["uses_live"] = report(f"query uses {provider} (live, not stored)", times, len(live))
    lean, times = timed(lambda: uses(engine, provider, with_contracts=False), repeat)
    out["uses_no_contracts"] = report(f"query uses {provider} --no-contracts", times, len(lean), USES_TARGET_MS)
    small, times = timed(lambda: uses(engine, provider, buyer="SYNTH BUYER 000123"), repeat)
    out["uses_one_buyer"] = report(f"query uses {provider} --buyer <one>", times, len(small), USES_TARGET_MS)
    frame2, times = timed(lambda: uses(engine, provider, current_only=True, date_from="2024"), repeat)
    out["uses_filtered"] = report(f"query uses {provider} --current-only --from 2024", times, len(frame2))
    frame3, times = timed(lambda: contracts_reaching(engine, provider), max(2, repeat // 2))
    out["contracts"] = report(f"query contracts --provider {provider}", times, len(frame3))
    frame4, times = timed(lambda: provider_stats(engine, per="jurisdiction"), 2)
    out["providers"] = report("query providers --per jurisdiction", times, len(frame4))
    top = frame.sort_values("contracts_won", ascending=False).iloc[0]["org_id"] if len(frame) else None
    if top is not None:
        tree, times = timed(lambda: chain(engine, f"org:{int(top)}"), max(2, repeat // 2))
        out["chain"] = report("query chain <busiest contractor>", times, tree["contracts_shown"])
    # Last: what a writing command pays when it ends (or the first read after a write). Timed after the
    # queries because its millions of short-lived objects slow the next few calls of this process down.
    start = time.perf_counter()
    answer_cache.refresh(engine, force=True)
    out["rebuild_stored_rows_s"] = round(time.perf_counter() - start, 2)
    print(f"{'rebuild of the stored uses rows':<34} {out['rebuild_stored_rows_s']:.2f} s (once after each write)")
    return out


def bench_graph(db_url: str, provider: str, extra: list[str], fmt: str) -> dict[str, Any]:
    """Run the real `soustrace export graph` in a child process; wall time and the child's peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"graph.{fmt}"
        cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "export", "graph", str(out), "--provider", provider,
               *extra]
        # GNU time reports the child's own peak; getrusage(RUSAGE_CHILDREN) would also count the pages the
        # child inherited from this (large) process before exec.
        gnu_time = Path("/usr/bin/time")
        if gnu_time.exists():
            cmd = [str(gnu_time), "-f", "MAXRSS_KB=%M", *cmd]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        found = re.search(r"MAXRSS_KB=(\d+)", proc.stderr)
        peak_kb = int(found.group(1)) if found else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        size = out.stat().st_size if out.exists() else 0
    if proc.returncode != 0:
        raise SystemExit(f"export graph failed: {proc.stderr.strip()}")
    m = re.search(r"wrote (\d+) nodes, (\d+) edges", proc.stderr)
    nodes, edges = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    verdict = "PASS" if wall < GRAPH_TARGET_S else "FAIL"
    peak_mb = peak_kb / 1024
    print(f"{'export graph ' + fmt + ' --provider ' + provider + ' ' + ' '.join(extra):<34} nodes={nodes:,} "
          f"edges={edges:,} wall={wall:6.1f} s  peak RSS={peak_mb:7.1f} MiB  file={size / 1e6:.1f} MB  {verdict} "
          f"(target < {GRAPH_TARGET_S:.0f} s)")
    return {"nodes": nodes, "edges": edges, "wall_s": round(wall, 2), "peak_rss_mib": round(peak_mb, 1),
            "file_mb": round(size / 1e6, 1)}


def bench_cli(db_url: str, provider: str, repeat: int = 3) -> dict[str, Any]:
    """What a user waits for: the real `soustrace query uses` writing CSV, process start and imports included."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "uses.csv"
        cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "query", "uses", provider, "--format", "csv",
               "--out", str(out)]
        for _ in range(repeat):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit(f"query uses failed: {proc.stderr.strip()}")
        rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "soustrace", "--help"], capture_output=True, check=True)
    startup = time.perf_counter() - start
    med = statistics.median(times)
    print(f"{'CLI: query uses ' + provider + ' --format csv':<34} rows={rows:<7} wall median={med:6.2f} s  "
          f"(of which `soustrace --help` alone: {startup:.2f} s)")
    return {"rows": rows, "wall_median_s": round(med, 2), "cli_startup_s": round(startup, 2)}


def explain(engine: Engine, provider: str) -> None:
    """Print the plans of the statements `uses` runs, with literal values (SQLite or PostgreSQL syntax)."""
    from soustrace.queries.answer_cache import _select
    from soustrace.queries.answer_rows import _contract_aggregates, _edge_rows
    from soustrace.queries.catalog import resolve_provider, runs_on_sources
    from soustrace.queries.filters import ContractFilter
    from soustrace.queries.hosting import contractor_ids, hosting_edges

    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        upper = list(runs_on_sources(conn, match.id)) if match.id else []
        conds = {"role": None, "current_only": False, "min_confidence": 0.0}
        statements = {"hosting edges": hosting_edges(match, upper), "contractors": contractor_ids(match, upper),
                      "uses rows, live (one statement)": _edge_rows(engine.dialect.name, hosting_edges(match, upper),
                                                                    None, True),
                      "uses rows, stored": _select(match, upper, listed_only=True, **conds)}
        for name, stmt in statements.items():
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            print(f"\n-- plan: {name}")
            _print_plan(conn, prefix + sql)
        captured: list[str] = []
        original = conn.execute

        def capture(stmt, *a, **k):  # type: ignore[no-untyped-def]
            captured.append(str(stmt.compile(engine, compile_kwargs={"literal_binds": True})))
            return original(stmt, *a, **k)

        conn.execute = capture  # type: ignore[method-assign]
        org_ids = [r[0] for r in conn.execute(contractor_ids(match, upper))][:5000]
        _contract_aggregates(conn, org_ids, ContractFilter.of("2024"))  # filtered answers only (--from 2024)
        conn.execute = original  # type: ignore[method-assign]
        for i, sql in enumerate(captured):
            print(f"\n-- plan: contract aggregates #{i + 1}")
            _print_plan(conn, prefix + sql)


def _print_plan(conn: Any, sql: str) -> None:
    for row in conn.exec_driver_sql(sql):
        line = " | ".join(str(c) for c in row)
        print("   ", line if len(line) <= 160 else line[:157] + "...")  # id lists make lines huge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{ROOT / 'benchmarks' / 'synth.db'}")
    parser.add_argument("--provider", default="aws")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--graph-format", default="gexf", choices=["gexf", "graphml", "json", "csv"])
    parser.add_argument("--graph-args", default="--from 2025-01-01",
                        help="filters for export graph; the default keeps one year of the synthetic data, which "
                             "gives ~100k edges for aws at full scale")
    parser.add_argument("--explain", action="store_true", help="print the query plans of `uses`")
    args = parser.parse_args(argv)
    engine = make_engine(args.db)
    stats = db_stats(engine)
    with engine.connect() as conn:
        synthetic = bool(conn.scalar(select(func.count()).where(CrawlWindow.source == "synth")))
    print(f"database {engine.url!r} ({engine.dialect.name}){' — SYNTHETIC' if synthetic else ''}: "
          f"{stats['contracts']:,} contracts, {stats['organizations']:,} organisations, "
          f"{stats['relations']:,} relations, {stats['evidence']:,} evidence rows")
    results: dict[str, Any] = {"db": engine.dialect.name, "synthetic": synthetic, "counts": stats}
    results["graph"] = bench_graph(args.db, args.provider, args.graph_args.split(), args.graph_format)
    results["queries"] = bench_queries(engine, args.provider, args.repeat)
    results["cli"] = bench_cli(args.db, args.provider)
    if args.explain:
        explain(engine, args.provider)
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
