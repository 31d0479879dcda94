"""Benchmark: `ingest` of BOAMP, eForms and DECP on SQLite and PostgreSQL, next to its floor measured in the same run.

    python benchmarks/bench_ingest.py                           # boamp, eforms, decp x sqlite, postgresql x 1k, 10k
    python benchmarks/bench_ingest.py --sources boamp --backends sqlite --sizes 1000
    python benchmarks/bench_ingest.py --big                     # adds 100k
    python benchmarks/bench_ingest.py --jobs 1                  # parse in the writer's process

Printed per (source, backend, size): notices/s of the store's ingest (`iter_records` -> `Store.add_all`, what
`soustrace ingest DIR --jobs N` runs), the FLOOR (each payload parsed by lxml — json for DECP — and its raw
bytes inserted into one table, batches of 200 per transaction, same database kind), their ratio, the rate in
each 10 % segment of the run (it must not fall as the database grows) and the peak RSS of the writer process
and of the largest parse process.

THE VOLUME IS SYNTHETIC, MADE OF REAL RECORDS: the real notices of data/samples/ (12 BOAMP v230 XML notices,
6 eForms notices, the 5,000 real DECP v1 records) copied with new notice ids. So that the number of distinct
organisations grows with the volume, as it does in real data, each BOAMP/eForms copy's organisation names (and
eForms company ids) get a suffix " S<k>" from a pool of `--org-pool` values (DECP organisations keep their real
SIRETs). Field values are real; the volume, the ids and the suffixes are not.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
BANNER = "SYNTHETIC VOLUME FROM REAL RECORDS (real sample notices copied with new ids and org suffixes)"
PG_URL = os.environ.get("SOUSTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# ---- synthetic volume ------------------------------------------------------------------------------------

def build(source: str, n: int, out: Path, org_pool: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    if source == "decp":
        return _build_decp(n, out)
    if source == "boamp":
        samples = sorted((SAMPLES / "boamp").glob("*.xml"))
    else:
        samples = sorted((SAMPLES / "ted" / "eforms_real").glob("*.xml"))
    texts = [p.read_text(encoding="utf-8") for p in samples]
    for i in range(n):
        text, suffix = texts[i % len(texts)], f" S{(i // len(texts)) % org_pool}"
        if source == "boamp":
            text = re.sub(r"<IDWEB>[^<]*</IDWEB>", f"<IDWEB>99-{i}</IDWEB>", text, count=1)
            text = re.sub(r"(<DENOMINATION>)([^<]*)(</DENOMINATION>)", rf"\g<1>\g<2>{suffix}\g<3>", text)
        else:
            text = re.sub(r"(<efbc:NoticePublicationID[^>]*>)[^<]*<", rf"\g<1>{i:08d}-2099<", text)
            text = re.sub(r"(<cbc:ID schemeName=\"notice-id\">)[^<]*<", rf"\g<1>{uuid.UUID(int=i)}<", text)
            text = re.sub(r"(<cac:PartyName>\s*<cbc:Name[^>]*>)([^<]*)<", rf"\g<1>\g<2>{suffix}<", text)
            text = re.sub(r"(<cbc:CompanyID[^>]*>)([^<]*)<", rf"\g<1>\g<2>{suffix.strip()}<", text)
        (out / f"{source}_{i:07d}.xml").write_text(text, encoding="utf-8")
    return out


def _build_decp(n: int, out: Path) -> Path:
    real = SAMPLES / "decp" / "real"
    records = [r for name in ("decp-json_v1_e-marchespublics.json", "decp-json_v1_data.gouv.fr_aife.json")
               for r in json.loads((real / name).read_text(encoding="utf-8"))["marches"]
               if isinstance(r, dict) and r.get("id")]
    with (out / "decp_synthetic.json").open("w", encoding="utf-8") as fh:
        fh.write('{"marches": [\n')
        fh.write(",\n".join(json.dumps(dict(records[i % len(records)], id=f"{records[i % len(records)]['id']}-B{i}"),
                                       ensure_ascii=False) for i in range(n)))
        fh.write("\n]}\n")
    return out


# ---- databases -------------------------------------------------------------------------------------------

def fresh_db(backend: str, workdir: Path) -> tuple[str, object]:
    """A new empty database URL and what `drop_db` needs to remove it."""
    if backend == "sqlite":
        path = workdir / f"bench_{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", path
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def drop_db(backend: str, handle: object) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{handle}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{handle}" CASCADE'))
    admin.dispose()


# ---- the two measurements (each in a child process) ------------------------------------------------------

def floor(source: str, directory: Path, url: str) -> dict:
    """lxml parse (json for DECP) + raw insert: the least any ingest of these payloads can cost."""
    from lxml import etree
    from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, create_engine

    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        from soustrace.db import _sqlite_pragmas

        event.listen(engine, "connect", _sqlite_pragmas)
    meta = MetaData()
    table = Table("floor_raw", meta, Column("id", Integer, primary_key=True),
                  Column("source_id", String(200), unique=True), Column("raw", LargeBinary))
    meta.create_all(engine)
    start = time.perf_counter()
    rows: list[dict] = []
    count = 0

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
        rows.clear()

    for path in sorted(directory.iterdir()):
        raw = path.read_bytes()
        if source == "decp":
            for record in json.loads(raw)["marches"]:
                rows.append({"source_id": record["id"], "raw": json.dumps(record, ensure_ascii=False).encode()})
                count += 1
                if len(rows) >= 200:
                    flush()
        else:
            etree.fromstring(raw)
            rows.append({"source_id": path.stem, "raw": raw})
            count += 1
            if len(rows) >= 200:
                flush()
    if rows:
        flush()
    seconds = time.perf_counter() - start
    return {"notices": count, "seconds": seconds, "rate": count / seconds, "cpu": time.process_time()}


def ingest(directory: Path, url: str, jobs: int, expected: int) -> dict:
    """What `soustrace ingest DIR --jobs N` does, with a clock at each 10 % of the records."""
    from soustrace.db import make_engine
    from soustrace.pipelines.ingest import expand, iter_records
    from soustrace.pipelines.store import Store

    engine = make_engine(url)
    store = Store(engine)
    marks: list[float] = []
    cpu_marks: list[float] = []
    step = max(1, expected // 10)
    errors: list[str] = []

    def clocked(records):  # type: ignore[no-untyped-def]
        for n, record in enumerate(records, 1):
            if n % step == 0:
                marks.append(time.perf_counter())
                cpu_marks.append(time.process_time())
            yield record

    start, cpu_start = time.perf_counter(), time.process_time()
    stats = store.add_all(clocked(iter_records(expand([directory]), lambda p, e: errors.append(f"{p}: {e}"),
                                               jobs=jobs, read_texts=True)))
    seconds = time.perf_counter() - start
    marks = [start, *marks[:9], start + seconds]
    segments = [round(step / (b - a)) if b > a else None for a, b in itertools.pairwise(marks)]
    # the writer's CPU per notice in each segment: its growth is the store's, whatever the machine's load
    cpu_marks = [cpu_start, *cpu_marks[:9], time.process_time()]
    cpu_ms = [round(1000 * (b - a) / step, 2) for a, b in itertools.pairwise(cpu_marks)]
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "rate": expected / seconds, "segments": segments, "cpu_ms": cpu_ms,
            "stats": stats.as_dict(),
            "errors": errors[:3], "rss_mb": me.ru_maxrss / 1024, "parse_rss_mb": kids.ru_maxrss / 1024,
            "cpu_writer": me.ru_utime + me.ru_stime, "cpu_parse": kids.ru_utime + kids.ru_stime}


def cold(source: str) -> dict:
    """CPU per DISTINCT real sample with every text memo emptied before each one: what the synthetic copies,
    whose repeated texts the memos (ftfy repair, hosting extraction) make cheap, do not show."""
    from soustrace.extraction.pipeline import get_rule_nlp
    from soustrace.parsers.boamp.text import _fix_mojibake
    from soustrace.pipelines.ingest import iter_file
    from soustrace.pipelines.store import pipeline
    from soustrace.pipelines.store.batch import awarded

    for lang in ("fr", "en", "de", "xx"):  # one-time loads are not a notice's cost
        get_rule_nlp(lang)
    find = pipeline.load_text_finder()
    assert find is not None
    if source == "decp":
        paths = [SAMPLES / "decp" / "real" / "decp-json_v1_e-marchespublics.json"]
    else:
        paths = sorted((SAMPLES / ("boamp" if source == "boamp" else "ted/eforms_real")).glob("*.xml"))
    for path in paths:  # imports, compiled XPaths: once per process, not a notice's cost either
        list(iter_file(path))
    parse_s = texts_s = 0.0
    count = 0
    for path in paths:
        _fix_mojibake.cache_clear()
        pipeline._TEXT_MEMO.clear()
        began = time.process_time()
        records = list(iter_file(path))
        parse_s += time.process_time() - began
        began = time.process_time()
        for rec in records:
            if getattr(rec, "texts", None) and awarded(rec):
                pipeline._TEXT_MEMO.clear()
                find(list(rec.texts.values()))
        texts_s += time.process_time() - began
        count += len(records)
    return {"notices": count, "parse_ms": 1000 * parse_s / count, "texts_ms": 1000 * texts_s / count}


def child(kind: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, *args], check=True, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", default="boamp,eforms,decp")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--big", action="store_true", help="add 100,000 notices")
    parser.add_argument("--jobs", type=int, default=None, help="parse processes (default: the cores)")
    parser.add_argument("--org-pool", type=int, default=2000, help="distinct organisation suffixes (default 2000)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "floor":
            print(json.dumps(floor(rest[0], Path(rest[1]), rest[2])))
        elif kind == "cold":
            print(json.dumps(cold(rest[0])))
        else:
            print(json.dumps(ingest(Path(rest[0]), rest[1], int(rest[2]), int(rest[3]))))
        return
    from soustrace.pipelines.ingest import default_jobs

    jobs = args.jobs or default_jobs()
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.big else [])
    print("=" * len(BANNER), BANNER, "=" * len(BANNER), sep="\n")
    print(f"jobs={jobs}  cores={os.cpu_count()}  load={os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        workdir = Path(tmp)
        for source in args.sources.split(","):
            distinct = child("cold", source)
            print(f"{source:6} distinct real samples, text memos empty: {distinct['notices']} notices, CPU "
                  f"{distinct['parse_ms']:.2f} ms/notice parsing + {distinct['texts_ms']:.2f} ms/notice reading "
                  f"awards' texts (the copies below repeat their texts: memos make those cheaper)", flush=True)
            for size in sizes:
                directory = build(source, size, workdir / f"{source}_{size}", args.org_pool)
                for backend in args.backends.split(","):
                    url, handle = fresh_db(backend, workdir)
                    try:
                        low = child("floor", source, str(directory), url)
                    finally:
                        drop_db(backend, handle)
                    url, handle = fresh_db(backend, workdir)
                    try:
                        got = child("ingest", str(directory), url, str(jobs), str(size))
                    finally:
                        drop_db(backend, handle)
                    print(f"{source:6} {backend:10} {size:>7,}: {got['rate']:7.0f} notices/s "
                          f"({got['seconds']:.1f} s; floor {low['rate']:,.0f}/s in {low['seconds']:.1f} s, "
                          f"{low['rate'] / got['rate']:.1f}x "
                          f"slower than the floor) stored={got['stats']['stored']} "
                          f"rejects={got['stats']['rejects']} | notices/s per 10 %: {got['segments']} "
                          f"| writer CPU ms/notice per 10 %: {got['cpu_ms']} | peak RSS writer "
                          f"{got['rss_mb']:.0f} MB, parse process {got['parse_rss_mb']:.0f} MB | CPU s: writer "
                          f"{got['cpu_writer']:.1f}, parse processes {got['cpu_parse']:.1f}"
                          + (f" | errors {got['errors']}" if got["errors"] else ""), flush=True)
                for path in directory.iterdir():
                    path.unlink()
                directory.rmdir()
    print(BANNER)


if __name__ == "__main__":
    main()
