"""The decision model: a multinomial logistic regression over candidate features (`features.py`).

Why this model: a few hundred labelled mentions from 110 training documents; a linear model over
binary features is what that much data supports, trains in a second, is reproducible (zero start,
full-batch gradient steps, no randomness), and ships as a small JSON file of weights read once per
process. Inference is a sparse dot product in pure Python (no numpy on the hot path).

Classes: `none` (not a hosting relation of this document) and the five roles. The status of an
accepted candidate is still decided by `status.py`.

`fit` needs numpy (a spaCy dependency); training is `python benchmarks/train_hosting.py`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("model_data") / "hosting_decision.json"
CLASSES = ("none", "host", "cdn", "data-storage", "sub-processor", "other")
MODES = ("model",)  # one weight set: context features only (the rules are a separate layer)


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights per feature (one per class) and the acceptance threshold on the best role's probability."""

    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    threshold: float

    def probabilities(self, feats: Sequence[str]) -> list[float]:
        n = len(self.classes)
        scores = [0.0] * n
        for feat in set(feats):
            w = self.weights.get(feat)
            if w is not None:
                for c in range(n):
                    scores[c] += w[c]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def decide(self, feats: Sequence[str]) -> tuple[str, float]:
        """(role or 'none', probability of that role); a role below the threshold becomes 'none'."""
        probs = self.probabilities(feats)
        best = max(range(1, len(probs)), key=probs.__getitem__)
        if probs[best] >= self.threshold and probs[best] > probs[0]:
            return self.classes[best], probs[best]
        return "none", probs[0]


class ModelMissing(RuntimeError):
    """The shipped weights file is absent or lacks the requested mode: an error, never a silent skip."""


@cache
def load_model(mode: str = "model", path: Path = MODEL_PATH) -> LinearModel:
    """The shipped weights (read once per process)."""
    if not path.exists():
        raise ModelMissing(f"hosting decision model not found at {path}; run benchmarks/train_hosting.py")
    data = json.loads(path.read_text(encoding="utf-8"))
    if mode not in data["modes"]:
        raise ModelMissing(f"hosting decision model {path} has no mode {mode!r} (has {sorted(data['modes'])})")
    body = data["modes"][mode]
    return LinearModel(
        tuple(data["classes"]), {k: tuple(v) for k, v in body["weights"].items()}, float(body["threshold"])
    )


def model_version(path: Path = MODEL_PATH) -> str:
    if not path.exists():
        return "none"
    return str(json.loads(path.read_text(encoding="utf-8")).get("version", "?"))


def fit(
    rows: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    l2: float = 1.0,
    steps: int = 400,
    lr: float = 0.1,
    min_count: int = 2,
) -> dict[str, list[float]]:
    """Softmax regression by full-batch Adam from zero weights (deterministic); returns feature -> weights."""
    import numpy as np

    counts: dict[str, int] = {}
    for feats in rows:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, c in counts.items() if c >= min_count or f == "bias")
    index = {f: i for i, f in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)))
    for r, feats in enumerate(rows):
        for f in set(feats):
            if f in index:
                x[r, index[f]] = 1.0
    y = np.zeros((len(rows), len(CLASSES)))
    for r, lab in enumerate(labels):
        y[r, CLASSES.index(lab)] = 1.0
    w = np.zeros((len(vocab), len(CLASSES)))
    m, v = np.zeros_like(w), np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    n = max(len(rows), 1)
    for t in range(1, steps + 1):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ (p - y) / n + l2 * w / n
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return {f: [round(float(val), 4) for val in w[i]] for f, i in index.items() if np.abs(w[i]).max() >= 1e-3}


def save(path: Path, modes: dict[str, dict[str, Any]], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**meta, "classes": list(CLASSES), "modes": modes}
    path.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    load_model.cache_clear()
