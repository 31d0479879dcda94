"""Precision / recall / F1 of the hosting extractor on an annotated JSONL file (dev schema).

Scoring unit: (document, provider, role) for relations with status=current, where provider is the catalog
id or, for providers outside the catalog, the normalised name (`catalog.normalise`). Several surfaces of
one provider in one document count once, as the sample README prescribes. Gold relations with a null
provider_id are keyed by their normalised surface, so unnamed providers ("une boîte de Clermont-Ferrand")
count as misses unless the extractor outputs that exact name.

Input text: `text`, or the verbatim `raw` markup when `text` is empty (markup-only disclosures such as an
`alt="Hébergé par …"` badge: the extractor reads markup directly, offsets preserved).

    python benchmarks/eval_hosting.py [FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from soustrace.catalog import normalise
from soustrace.extraction import extract_many
from soustrace.paths import DATA_DIR

DEFAULT = DATA_DIR / "samples" / "hosting" / "dev.jsonl"
Key = tuple[str, str, str]


def _provider_key(pid: str | None, surface: str) -> str:
    return pid if pid else "name:" + normalise(surface)


def gold_keys(rec: dict[str, Any]) -> set[Key]:
    return {
        (rec["id"], _provider_key(h.get("provider_id"), h.get("surface", "")), h["role"])
        for h in rec.get("hosting") or []
        if h.get("status", "current") == "current"
    }


def pred_keys(doc_id: str, relations: Iterable[dict[str, Any]]) -> set[Key]:
    return {
        (doc_id, _provider_key(r.get("provider_id"), r.get("provider") or r["surface"]), r["role"])
        for r in relations
        if r["status"] == "current"
    }


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(path: Path) -> dict[str, Any]:
    """Scores overall, per role and per tag, plus the error list."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [(r["id"], r.get("text") or r.get("raw") or "", r.get("language")) for r in records]
    gold: dict[str, set[Key]] = {r["id"]: gold_keys(r) for r in records}
    pred: dict[str, set[Key]] = {}
    for ex in extract_many(items):
        pred[ex.id] = pred_keys(ex.id, ex.relations)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for rec in records:
        g, p = gold[rec["id"]], pred.get(rec["id"], set())
        groups = ["overall", *(f"tag:{t}" for t in rec.get("tags") or [])]
        for key in g | p:
            slot = 0 if key in g and key in p else (1 if key in p else 2)
            for grp in [*groups, f"role:{key[2]}"]:
                counts[grp][slot] += 1
            if slot:
                errors.append(
                    {"id": rec["id"], "kind": "FP" if slot == 1 else "FN", "provider": key[1], "role": key[2]}
                )
    table = {
        grp: dict(zip(("tp", "fp", "fn"), c, strict=True))
        | dict(zip(("precision", "recall", "f1"), _prf(*c), strict=True))
        for grp, c in counts.items()
    }
    return {"file": str(path), "documents": len(records), "scores": table, "errors": errors}


def print_table(result: dict[str, Any]) -> None:
    print(f"{result['file']}: {result['documents']} documents, unit = (doc, provider, role), status=current")
    print(f"{'group':34} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}")
    order = sorted(result["scores"], key=lambda g: (g != "overall", not g.startswith("role:"), g))
    for grp in order:
        s = result["scores"][grp]
        print(
            f"{grp:34} {s['tp']:4d} {s['fp']:4d} {s['fn']:4d} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}"
        )
    if result["errors"]:
        print("\nerrors:")
        for e in result["errors"]:
            print(f"  {e['kind']} {e['id']} {e['provider']} ({e['role']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    result = evaluate(Path(args.file))
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
