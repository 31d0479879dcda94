"""What the record limits cost: the guarded JSON readers against the unguarded ones, same file, same run.

    python benchmarks/bench_readers.py            # 3 rounds, best of each

* DECP: the real 4 MB DILA file (data/samples/decp/real), records built by `parsers.json_records`
  (depth and size counted) against `ijson.items` (the floor: the C builder, unguarded — 5.8 GB on one
  record nested 50,000 deep).
* BOAMP: SYNTHETIC VOLUME FROM REAL RECORDS — the 20 real rows of the API page of 2024-03-01 repeated
  to 2,000 rows; `iter_results` (streamed, guarded) against `json.loads` of the whole file (the floor).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import ijson

from soustrace.parsers.json_records import iter_prefix, iter_results

ROOT = Path(__file__).resolve().parents[1]
DECP = ROOT / "data" / "samples" / "decp" / "real" / "decp-json_v1_data.gouv.fr_aife.json"
BOAMP = ROOT / "tests" / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"


def best(fn: Callable[[], int], rounds: int = 3) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    decp = DECP.read_bytes()
    floor, n = best(lambda: sum(1 for _ in ijson.items(io.BytesIO(decp), "marches.item", use_float=True)))
    guarded, m = best(lambda: sum(1 for _ in iter_prefix(io.BytesIO(decp), "marches.item")))
    assert n == m
    print(f"DECP {len(decp) / 1e6:.1f} MB, {n} records: ijson.items {floor * 1000:.0f} ms (floor), "
          f"guarded {guarded * 1000:.0f} ms ({guarded / floor:.2f}x)")
    rows = json.loads(BOAMP.read_bytes())["results"] * 100
    boamp = json.dumps({"total_count": len(rows), "results": rows}, ensure_ascii=False).encode()
    floor, n = best(lambda: len(json.loads(boamp)["results"]))
    guarded, m = best(lambda: sum(1 for _ in iter_results(io.BytesIO(boamp))))
    assert n == m
    print(f"BOAMP {len(boamp) / 1e6:.1f} MB, {n} rows (synthetic volume from real rows): json.loads "
          f"{floor * 1000:.0f} ms (floor), guarded stream {guarded * 1000:.0f} ms ({guarded / floor:.2f}x)")


if __name__ == "__main__":
    main()
