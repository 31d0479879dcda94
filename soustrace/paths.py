"""Where the shipped data lives (provider catalog, IP-range snapshot, samples for the demo).

The files are kept at the repository's `data/` and shipped in the wheel as `soustrace/data/` (setup.py maps
one onto the other). An installed package reads its own copy through importlib.resources; a source checkout
run with PYTHONPATH (no `soustrace/data/` there) reads the repository's `data/`. `SOUSTRACE_DATA_DIR`
overrides both (tests, a refreshed IP-range snapshot).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shipped_data() -> Path:
    """The installed package's data folder, else the source checkout's `data/`."""
    shipped = resources.files("soustrace") / "data"
    if shipped.is_dir() and (shipped / "providers.json").is_file():
        return Path(str(shipped))  # a wheel installs real files: the Traversable is a filesystem path
    return REPO_ROOT / "data"


DATA_DIR = Path(os.environ["SOUSTRACE_DATA_DIR"]) if os.environ.get("SOUSTRACE_DATA_DIR") else _shipped_data()
