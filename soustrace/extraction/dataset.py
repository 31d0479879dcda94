"""Annotated hosting snippets and their fixed train/check split (the honest protocol of issue 13).

Why a split by `group`: near-duplicate texts share a group, so a group is never on both sides. Why a
hash rule rather than a random draw: anyone can recompute it, and adding records never moves an old
one. The rule: `check` when int(sha256("soustrace-hosting-split-v1:" + group)[:8], 16) % 10 < 3,
else `train`. `data/samples/hosting/split.json` stores the result (group -> split) so a changed rule
shows in review; `split_of` reads the file and falls back to the rule for groups it does not list.

`train` is read, mined for rules and used to fit the decision model; `check` is only ever scored in
aggregate (its error list is not printed by `benchmarks/eval_hosting.py`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from soustrace.paths import DATA_DIR

SAMPLES = DATA_DIR / "samples" / "hosting"
DEV_PATH = SAMPLES / "dev.jsonl"
SPLIT_PATH = SAMPLES / "split.json"
SALT = "soustrace-hosting-split-v1"
CHECK_SHARE = 3  # out of 10


def split_rule(group: str) -> str:
    """'check' for ~30 % of groups, 'train' for the rest, by a salted hash of the group name."""
    h = int(hashlib.sha256(f"{SALT}:{group}".encode()).hexdigest()[:8], 16)
    return "check" if h % 10 < CHECK_SHARE else "train"


@cache
def _split_table() -> dict[str, str]:
    if not SPLIT_PATH.exists():
        return {}
    return dict(json.loads(SPLIT_PATH.read_text(encoding="utf-8"))["groups"])


def split_of(rec: dict[str, Any]) -> str:
    group = rec.get("group") or rec["id"]
    return _split_table().get(group) or split_rule(group)


def load_records(path: Path = DEV_PATH) -> list[dict[str, Any]]:
    """Records of an annotated JSONL file (dev schema, see the samples README)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def text_of(rec: dict[str, Any]) -> str:
    """`text`, or the verbatim `raw` markup when the text is empty (markup-only disclosures)."""
    return rec.get("text") or rec.get("raw") or ""


def write_split_file(records: list[dict[str, Any]], path: Path = SPLIT_PATH) -> dict[str, str]:
    """(Re)write the split table from the rule; returns group -> split."""
    groups = {(r.get("group") or r["id"]): split_rule(r.get("group") or r["id"]) for r in records}
    body = {
        "rule": f'check when int(sha256("{SALT}:" + group)[:8], 16) % 10 < {CHECK_SHARE}, else train',
        "source": "data/samples/hosting/dev.jsonl",
        "counts": {s: sum(1 for r in records if groups[r.get("group") or r["id"]] == s) for s in ("train", "check")},
        "groups": dict(sorted(groups.items())),
    }
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _split_table.cache_clear()
    return groups
