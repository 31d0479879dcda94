"""Write every NoticeRecord the parsers make of the shipped samples and fixtures, one line each, to compare
two versions of the parsers (a speed-up must not change a single field).

    PYTHONPATH=/path/to/old python scripts/dump_records.py before.txt
    PYTHONPATH=/path/to/new python scripts/dump_records.py after.txt && cmp before.txt after.txt

Records are printed with `repr` (every dataclass field, raw bytes included as a digest) in file order.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ["data/samples", "tests/fixtures"]


def plain(value: object) -> object:
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def main() -> None:
    from soustrace.pipelines.ingest import expand, iter_file

    out = []
    for path in expand([ROOT / p for p in INPUTS]):
        try:
            for record in iter_file(path):
                out.append(f"{path.relative_to(ROOT)}\t{plain(record)!r}")
        except Exception as exc:
            out.append(f"{path.relative_to(ROOT)}\tERROR {type(exc).__name__}: {exc}")
    Path(sys.argv[1]).write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} records -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
