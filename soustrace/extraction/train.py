"""Training of the decision model on the `train` split only (reproducible: no randomness anywhere).

Labels: each candidate (a mention or an extra relation) takes the role of the gold relation whose
`span_in_text` overlaps it; failing that, of a gold relation for the same provider in the document
(the gold lists each surface form once, not each occurrence); else `none`. The status is not learnt
here (`status.py` decides it), so a past or planned gold relation still teaches its role.

Hyper-parameters (L2 strength, acceptance threshold) are chosen by grouped 5-fold cross-validation
inside `train` (folds by the hash of the group), scored at the (document, provider, role) level with
F0.5: precision weighs more than recall, as a false "X uses AWS" is worse than a missing one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from soustrace.catalog import normalise
from soustrace.extraction.apply_model import candidate_rows
from soustrace.extraction.dataset import load_records, split_of, text_of
from soustrace.extraction.extract import prepare
from soustrace.extraction.model import CLASSES, MODEL_PATH, MODES, LinearModel, fit, save

L2_GRID = (0.3, 1.0, 3.0)
THRESHOLD_GRID = (0.35, 0.45, 0.55, 0.65)
FOLDS = 5
Row = tuple[str, str, str, list[str], str]  # doc id, group, provider key, features, label


def _key(pid: str | None, name: str) -> str:
    return pid if pid else "name:" + normalise(name)


def _label(rec: dict[str, Any], start: int, end: int, key: str) -> str:
    gold = rec.get("hosting") or []
    for h in gold:
        span = h.get("span_in_text")
        if span and span[0] < end and start < span[1]:
            return h["role"] if h["role"] in CLASSES else "none"
    for h in gold:
        if _key(h.get("provider_id"), h.get("surface", "")) == key:
            return h["role"] if h["role"] in CLASSES else "none"
    return "none"


def collect(records: Iterable[dict[str, Any]], mode: str) -> list[Row]:
    """(doc, group, provider key, features, label) for every candidate of every record."""
    recs = list(records)
    by_id = {r["id"]: r for r in recs}
    rows: list[Row] = []
    items = [(r["id"], text_of(r), r.get("language")) for r in recs]
    for w in prepare(items):
        if w.ctx is None:
            continue
        rec = by_id[w.doc_id]
        for cand, feats in candidate_rows(w.ctx, w.mentions, w.decided, w.extra, mode):
            if isinstance(cand, dict):
                start, end, key = cand["start"], cand["end"], _key(cand.get("provider_id"), cand["provider"])
            else:
                span = cand.span(w.ctx.doc)
                start, end, key = span.start_char, span.end_char, _key(cand.pid, span.text)
            rows.append((rec["id"], rec.get("group") or rec["id"], key, feats, _label(rec, start, end, key)))
    return rows


def _fold(group: str) -> int:
    return int(hashlib.sha256(f"fold:{group}".encode()).hexdigest()[:8], 16) % FOLDS


def _doc_scores(rows: list[Row], preds: list[str]) -> tuple[int, int, int]:
    gold = {(r[0], r[2], r[4]) for r in rows if r[4] != "none"}
    pred = {(r[0], r[2], p) for r, p in zip(rows, preds, strict=True) if p != "none"}
    return len(gold & pred), len(pred - gold), len(gold - pred)


def _fbeta(tp: int, fp: int, fn: int, beta: float = 0.5) -> float:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


def cross_validate(rows: list[Row]) -> tuple[float, float, dict[tuple[float, float], float]]:
    """Best (l2, threshold) by grouped k-fold F0.5 on train, and the whole grid's scores."""
    grid: dict[tuple[float, float], list[int]] = {(a, t): [0, 0, 0] for a in L2_GRID for t in THRESHOLD_GRID}
    for k in range(FOLDS):
        fit_rows = [r for r in rows if _fold(r[1]) != k]
        held = [r for r in rows if _fold(r[1]) == k]
        if not held:
            continue
        for l2 in L2_GRID:
            weights = fit([r[3] for r in fit_rows], [r[4] for r in fit_rows], l2=l2)
            for t in THRESHOLD_GRID:
                model = LinearModel(CLASSES, {f: tuple(v) for f, v in weights.items()}, t)
                preds = [model.decide(r[3])[0] for r in held]
                for i, v in enumerate(_doc_scores(held, preds)):
                    grid[(l2, t)][i] += v
    scores = {k: _fbeta(*v) for k, v in grid.items()}
    best = max(sorted(scores), key=scores.__getitem__)
    return best[0], best[1], scores


def train(write: bool = True) -> dict[str, Any]:
    """Fit both modes on the train split, choose hyper-parameters by CV, write the shipped weights."""
    train_recs = [r for r in load_records() if split_of(r) == "train"]
    modes: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {"documents": len(train_recs)}
    for mode in MODES:
        rows = collect(train_recs, mode)
        l2, threshold, scores = cross_validate(rows)
        weights = fit([r[3] for r in rows], [r[4] for r in rows], l2=l2)
        modes[mode] = {"l2": l2, "threshold": threshold, "weights": weights}
        report[mode] = {
            "candidates": len(rows),
            "positives": sum(1 for r in rows if r[4] != "none"),
            "l2": l2,
            "threshold": threshold,
            "cv_f05": round(scores[(l2, threshold)], 3),
            "features": len(weights),
        }
    if write:
        stamp = hashlib.sha256(repr(sorted((m, sorted(b["weights"].items())) for m, b in modes.items())).encode())
        meta = {
            "version": "2-" + stamp.hexdigest()[:8],
            # no date: the same data and code give the same file, byte for byte
            "trained_on": "data/samples/hosting/dev.jsonl, split=train (data/samples/hosting/split.json)",
        }
        save(MODEL_PATH, modes, meta)
        report["path"] = str(MODEL_PATH)
        report["version"] = meta["version"]
    return report
