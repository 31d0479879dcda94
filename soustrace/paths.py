"""Where the shipped data lives (provider catalog, IP-range snapshot, samples)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SOUSTRACE_DATA_DIR", REPO_ROOT / "data"))
