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
    report["decision_cv"] = decision_cv()  # the ADD / VETO grid of `apply_model`, folds inside train
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


ADD_GRID = (0.7, 0.85, None)  # None: the model never adds a candidate the rules left undecided
VETO_GRID = (0.6, 0.8, None)  # None: the model never overrules an accepted rule


def decision_cv() -> dict[str, dict[str, float]]:
    """Grouped k-fold inside `train` of the `both` decision's ADD / VETO thresholds, at the scoring unit.

    Why: the in-sample train score cannot tell whether the model's additions and vetoes generalise (it
    fits its own training documents); each fold's model is fitted without the fold's documents, then the
    whole extractor runs on them. Returns "add=..,veto=.." -> precision, recall, F0.5.
    """
    from soustrace.extraction import apply_model
    from soustrace.extraction import model as model_mod
    from soustrace.extraction.extract import extract_many

    recs = [r for r in load_records() if split_of(r) == "train"]
    rows = collect(recs, "model")
    totals: dict[tuple[float | None, float | None], list[int]] = {
        (a, v): [0, 0, 0] for a in ADD_GRID for v in VETO_GRID
    }
    saved = (apply_model.ADD, apply_model.VETO, apply_model.load_model)
    try:
        for k in range(FOLDS):
            weights = fit([r[3] for r in rows if _fold(r[1]) != k], [r[4] for r in rows if _fold(r[1]) != k], l2=3.0)
            fold_model = model_mod.LinearModel(CLASSES, {f: tuple(v) for f, v in weights.items()}, 0.65)
            held = [r for r in recs if _fold(r.get("group") or r["id"]) == k]
            apply_model.load_model = lambda *a, _m=fold_model, **kw: _m  # type: ignore[assignment]
            for add, veto in totals:
                apply_model.ADD = 2.0 if add is None else add
                apply_model.VETO = 2.0 if veto is None else veto
                items = [(r["id"], text_of(r), r.get("language")) for r in held]
                for rec, ex in zip(held, extract_many(items, decision="both"), strict=True):
                    gold = {(_key(h.get("provider_id"), h.get("surface", "")), h["role"])
                            for h in rec.get("hosting") or [] if h.get("status", "current") == "current"}
                    pred = {(_key(r.get("provider_id"), r.get("provider") or r["surface"]), r["role"])
                            for r in ex.relations if r["status"] == "current"}
                    t = totals[(add, veto)]
                    t[0] += len(gold & pred)
                    t[1] += len(pred - gold)
                    t[2] += len(gold - pred)
    finally:
        apply_model.ADD, apply_model.VETO, apply_model.load_model = saved
    out = {}
    for (add, veto), (tp, fp, fn) in totals.items():
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        out[f"add={add},veto={veto}"] = {"p": round(p, 3), "r": round(r, 3), "f05": round(_fbeta(tp, fp, fn), 3)}
    return out
