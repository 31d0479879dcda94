"""Train the hosting decision model on the train split and write the shipped weights file.

Reproducible: the same data gives the same weights (zero start, full-batch steps, hash folds).

    python benchmarks/train_hosting.py [--dry-run]
"""

from __future__ import annotations

import argparse
import json

from soustrace.extraction.train import train


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="fit and report, do not write the weights")
    args = ap.parse_args(argv)
    print(json.dumps(train(write=not args.dry_run), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
