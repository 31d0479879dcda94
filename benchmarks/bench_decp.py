"""Benchmark: stream a large DECP JSON file through `iter_decp`; print records/s and peak memory.

    python benchmarks/bench_decp.py                 # builds a 500 MB file, then parses it
    python benchmarks/bench_decp.py --size-mb 50    # smaller
    python benchmarks/bench_decp.py --layout 2024   # {"marches": {"marche": [...], "contrat-concession": [...]}}

The file is SYNTHETIC VOLUME MADE OF REAL RECORDS: the real v1 records of data/samples/decp/real/ (two
decp-json republications, 5,000 records) repeated with new contract ids until the size is reached. Field
values are real; the volume and the ids are not. The parse runs in a child process so that its peak RSS
(VmHWM) is not inflated by the file generation; RSS is also sampled during the run to show it stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REAL = Path(__file__).resolve().parents[1] / "data" / "samples" / "decp" / "real"
SOURCES = ("decp-json_v1_e-marchespublics.json", "decp-json_v1_data.gouv.fr_aife.json")
BANNER = "SYNTHETIC VOLUME FROM REAL RECORDS (real DECP v1 records repeated with new ids; not a real file)"


def _proc_status(field: str) -> int | None:
    """A /proc/self/status memory field in KiB (Linux), None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _peak_rss_mb() -> float:
    """Peak resident memory: psutil if installed, else VmHWM, else getrusage (KiB on Linux)."""
    try:
        import psutil  # type: ignore[import-not-found]

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / 2**20
    except ImportError:
        pass
    hwm = _proc_status("VmHWM")
    if hwm is not None:
        return hwm / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _wrap_2024(record: dict) -> dict:
    """Structural conversion to the 2024 layout: titulaires become [{"titulaire": {...}}]."""
    out = dict(record)
    for key, wrapper in (("titulaires", "titulaire"), ("concessionnaires", "concessionnaire")):
        if isinstance(out.get(key), list):
            out[key] = [{wrapper: holder} for holder in out[key]]
    return out


def build_file(path: Path, size_mb: int, layout: str) -> tuple[int, int]:
    """Write real records with new ids until `size_mb`; returns (records, bytes). Streams: low memory."""
    records = [r for name in SOURCES for r in json.loads((REAL / name).read_text(encoding="utf-8"))["marches"]
               if isinstance(r, dict) and r.get("id")]
    marches = [r for r in records if r.get("_type") != "Contrat de concession"]
    concessions = [r for r in records if r.get("_type") == "Contrat de concession"]
    target = size_mb * 2**20
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"marches": {"marche": [\n' if layout == "2024" else '{"marches": [\n')
        copy = 0
        while out.tell() < target:
            for record in marches:
                if count:
                    out.write(",\n")
                renamed = dict(record, id=f"{record['id']}-B{copy:05d}")
                out.write(json.dumps(_wrap_2024(renamed) if layout == "2024" else renamed, ensure_ascii=False,
                                     indent=2))
                count += 1
            copy += 1
        if layout == "2024":
            out.write('\n], "contrat-concession": [\n')
            out.write(",\n".join(json.dumps(_wrap_2024(r), ensure_ascii=False, indent=2) for r in concessions))
            count += len(concessions)
            out.write("\n]}}\n")
        else:
            out.write("\n]}\n")
    return count, path.stat().st_size


def parse_only(path: Path) -> dict[str, float]:
    """Child process: stream the file, count what comes out, sample RSS every 100,000 records."""
    from soustrace.parsers.decp.stream import iter_decp
    from soustrace.records import NoticeRecord

    rss_start = (_proc_status("VmRSS") or 0) / 1024
    samples: list[float] = []
    notices = rejects = parties = 0
    start = time.perf_counter()
    for record in iter_decp(path):
        if isinstance(record, NoticeRecord):
            notices += 1
            parties += len(record.contracts[0].parties)
        else:
            rejects += 1
        if (notices + rejects) % 100_000 == 0:
            samples.append(round((_proc_status("VmRSS") or 0) / 1024, 1))
    elapsed = time.perf_counter() - start
    total = notices + rejects
    return {"notices": notices, "rejects": rejects, "parties": parties, "seconds": round(elapsed, 2),
            "records_per_s": round(total / elapsed), "mb_per_s": round(path.stat().st_size / 2**20 / elapsed, 1),
            "rss_after_import_mb": round(rss_start, 1), "peak_rss_mb": round(_peak_rss_mb(), 1),
            "rss_samples_mb": samples}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=500, help="size of the synthetic file (default 500)")
    parser.add_argument("--layout", choices=("2019", "2024"), default="2019")
    parser.add_argument("--out", type=Path, help="where to write the file (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--parse-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse_only:
        print(json.dumps(parse_only(args.parse_only)))
        return

    print("=" * len(BANNER), BANNER, "=" * len(BANNER), sep="\n")
    workdir = Path(tempfile.mkdtemp(prefix="bench_decp_")) if args.out is None else args.out.parent
    path = args.out or workdir / f"decp_synthetic_{args.layout}_{args.size_mb}mb.json"
    started = time.perf_counter()
    count, size = build_file(path, args.size_mb, args.layout)
    print(f"built {path} ({size / 2**20:.0f} MB, {count:,} records, layout {args.layout}) "
          f"in {time.perf_counter() - started:.0f} s")
    child = subprocess.run([sys.executable, __file__, "--parse-only", str(path)], check=True,
                           capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"parsed {result['notices']:,} notices, {result['rejects']:,} rejects, {result['parties']:,} parties "
          f"in {result['seconds']} s: {result['records_per_s']:,} records/s, {result['mb_per_s']} MB/s")
    print(f"RSS after imports {result['rss_after_import_mb']} MB, peak RSS {result['peak_rss_mb']} MB; "
          f"RSS every 100k records: {result['rss_samples_mb']}")
    print(BANNER)
    if not args.keep:
        path.unlink()
        if args.out is None:
            workdir.rmdir()


if __name__ == "__main__":
    main()
