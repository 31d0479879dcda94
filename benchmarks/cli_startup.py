"""How long `soustrace --help` and `--version` take, next to the floor of starting Python at all.

Issue 17 asks for < 0.3 s: listing the commands must not import SQLAlchemy, pandas, networkx, pyarrow or
spaCy. Each figure is the best of N runs (the machine's noise only ever adds time).

    python benchmarks/cli_startup.py [N]
"""

from __future__ import annotations

import subprocess
import sys
import time


def best(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    floor = best([sys.executable, "-c", "pass"], runs)
    click_only = best([sys.executable, "-c", "import click"], runs)
    print(f"python -c pass (floor)     {floor * 1000:7.0f} ms")
    print(f"python -c 'import click'   {click_only * 1000:7.0f} ms")
    for flag in ("--help", "--version"):
        took = best([sys.executable, "-m", "soustrace", flag], runs)
        print(f"soustrace {flag:<16} {took * 1000:7.0f} ms  ({(took - floor) * 1000:.0f} ms above the floor)")


if __name__ == "__main__":
    main()
