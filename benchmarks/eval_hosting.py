"""Precision / recall / F1 of the hosting extractor, train and check side by side, next to keyword baselines.

Scoring unit: (document, provider, role) for relations with status=current, where provider is the catalog
id or, for providers outside the catalog, the normalised name (`catalog.normalise`). Several surfaces of
one provider in one document count once, as the sample README prescribes. Gold relations with a null
provider_id are keyed by their normalised surface, so unnamed providers ("une boîte de Clermont-Ferrand")
count as misses unless the extractor outputs that exact name.

Splits (`soustrace.extraction.dataset`): `train` (read it, write rules from it, fit the model on it) and
`check` (scored only: its error list is never printed, on purpose). A third column scores dev-001…042, the
set the first rules were written on (it spans both splits).

Baselines: `anywhere` = every catalog name in the text is a current host; `near-cue` = a catalog name on a
line holding (or right under a line holding) a hosting cue word.

    python benchmarks/eval_hosting.py [FILE] [--decision rules|model|both] [--errors] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from soustrace.catalog import get_catalog, normalise
from soustrace.extraction import extract_many
from soustrace.extraction.dataset import DEV_PATH, load_records, split_of, text_of

Key = tuple[str, str, str]
LAYOUT_TAGS = (
    "label-colon-inline",
    "label-then-value",
    "table",
    "markdown-table",
    "bullet-list",
    "free-sentence",
    "sub-processor-list",
    "address-block",
    "journalistic-or-blog",
    "negative-example",
    "registrar-confusion",
    "multi-provider",
    "data-storage",
    "past-tense",
    "planned-or-proposed",
)
OLD_IDS = {f"dev-{n:03d}" for n in range(1, 43)}


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


# ---------------------------------------------------------------- systems
Predict = Callable[[list[dict[str, Any]]], dict[str, set[Key]]]


def extractor_system(decision: str | None) -> Predict:
    def predict(records: list[dict[str, Any]]) -> dict[str, set[Key]]:
        items = [(r["id"], text_of(r), r.get("language")) for r in records]
        return {ex.id: pred_keys(ex.id, ex.relations) for ex in extract_many(items, decision=decision)}

    return predict


_CUE = re.compile(
    r"h[ée]berg|\bhost|\bcdn\b|stock[ée]|\bstored\b|serveur|\bserver|gehostet|alojad|ospitat|g[ăa]zdu|gehost|"
    r"sous-trait|sub-?processor",
    re.I,
)


def keyword_system(near_cue: bool) -> Predict:
    """Catalog names found by the rule pipeline's EntityRuler, every one a current host (a naive reader)."""
    from soustrace.extraction.pipeline import get_rule_nlp

    def predict(records: list[dict[str, Any]]) -> dict[str, set[Key]]:
        out: dict[str, set[Key]] = {}
        for rec in records:
            text = text_of(rec)
            doc = get_rule_nlp(rec.get("language") or "fr")(text)
            keys: set[Key] = set()
            for ent in doc.ents:
                if ent.label_ != "PROVIDER":
                    continue
                if near_cue:
                    ls = text.rfind("\n", 0, ent.start_char)
                    prev = text.rfind("\n", 0, max(ls, 0))
                    le = text.find("\n", ent.end_char)
                    window = text[prev + 1 if prev >= 0 else 0 : le if le >= 0 else len(text)]
                    if not _CUE.search(window):
                        continue
                keys.add((rec["id"], ent.ent_id_, "host"))
            out[rec["id"]] = keys
        return out

    return predict


# ---------------------------------------------------------------- scoring
def score(
    records: list[dict[str, Any]], pred: dict[str, set[Key]]
) -> tuple[dict[str, list[int]], list[dict[str, str]]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for rec in records:
        g, p = gold_keys(rec), pred.get(rec["id"], set())
        tags = set(rec.get("tags") or [])
        lang = rec.get("language")
        family = f"lang:{lang}" if lang in {"fr", "en"} else "lang:other"
        groups = ["overall", f"lang:{lang}", *(f"tag:{t}" for t in LAYOUT_TAGS if t in tags)]
        if family == "lang:other":
            groups.append(family)  # de, es, it, nl, ro together: the "other languages" goal
        for key in g | p:
            slot = 0 if key in g and key in p else (1 if key in p else 2)
            for grp in [*groups, f"role:{key[2]}"]:
                counts[grp][slot] += 1
            if slot:
                errors.append(
                    {"id": rec["id"], "kind": "FP" if slot == 1 else "FN", "provider": key[1], "role": key[2]}
                )
    return counts, errors


def _table(counts: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    return {
        grp: dict(zip(("tp", "fp", "fn"), c, strict=True))
        | dict(zip(("precision", "recall", "f1"), _prf(*c), strict=True))
        for grp, c in counts.items()
    }


def evaluate(path: Path = DEV_PATH, decision: str | None = None, baselines: bool = True) -> dict[str, Any]:
    """Scores per split (train, check, dev-001…042) for the extractor and the baselines; train errors only."""
    records = load_records(path)
    subsets = {
        "train": [r for r in records if split_of(r) == "train"],
        "check": [r for r in records if split_of(r) == "check"],
        "dev-001..042": [r for r in records if r["id"] in OLD_IDS],
    }
    systems: dict[str, Predict] = {"extractor": extractor_system(decision)}
    if baselines:
        systems |= {"anywhere": keyword_system(False), "near-cue": keyword_system(True)}
    result: dict[str, Any] = {"file": str(path), "decision": decision or "default", "splits": {}}
    for name, predict in systems.items():
        pred = predict(records)
        for sub, recs in subsets.items():
            counts, errors = score(recs, pred)
            entry = result["splits"].setdefault(sub, {"documents": len(recs)})
            entry[name] = _table(counts)
            if name == "extractor" and sub == "train":
                entry["errors"] = errors
    return result


def print_result(result: dict[str, Any], show_errors: bool) -> None:
    splits = result["splits"]
    names = list(splits)
    print(f"{result['file']}: decision={result['decision']}; unit = (doc, provider, role), status=current")
    print("documents: " + ", ".join(f"{s} {splits[s]['documents']}" for s in names))
    head = f"{'group':28}" + "".join(f" | {s[:14]:>14} {'P':>5} {'R':>5} {'F1':>5}" for s in names)
    print(head)
    groups = sorted(
        {g for s in names for g in splits[s]["extractor"]},
        key=lambda g: (g != "overall", g.split(":")[0] != "role", g.split(":")[0] != "lang", g),
    )
    for grp in groups:
        row = f"{grp:28}"
        for s in names:
            sc = splits[s]["extractor"].get(grp)
            if sc is None:
                row += f" | {'':>14} {'':>5} {'':>5} {'':>5}"
            else:
                tpfpfn = f"{sc['tp']}/{sc['fp']}/{sc['fn']}"
                row += f" | {tpfpfn:>14} {sc['precision']:5.2f} {sc['recall']:5.2f} {sc['f1']:5.2f}"
        print(row)
    for base in ("anywhere", "near-cue"):
        if base not in splits[names[0]]:
            continue
        for grp in ("overall", "lang:fr", "lang:en", "lang:other"):
            row = f"{'baseline ' + base + ('' if grp == 'overall' else ' ' + grp):28}"
            for s in names:
                sc = splits[s][base].get(grp)
                if sc is None:
                    row += f" | {'':>14} {'':>5} {'':>5} {'':>5}"
                    continue
                tpfpfn = f"{sc['tp']}/{sc['fp']}/{sc['fn']}"
                row += f" | {tpfpfn:>14} {sc['precision']:5.2f} {sc['recall']:5.2f} {sc['f1']:5.2f}"
            print(row)
    if show_errors:
        print("\ntrain errors (check errors are never printed):")
        for e in splits["train"].get("errors", []):
            print(f"  {e['kind']} {e['id']} {e['provider']} ({e['role']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEV_PATH))
    ap.add_argument("--decision", choices=["rules", "model", "both"], default=None)
    ap.add_argument("--errors", action="store_true", help="list the train errors")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    get_catalog()
    result = evaluate(Path(args.file), args.decision, baselines=not args.no_baselines)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print_result(result, args.errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
