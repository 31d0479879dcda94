"""The database `soustrace demo` builds from the shipped real samples, made once per test process.

The demo takes some 30 s (it ingests every sample): the Datasette and FollowTheMoney tests share one copy,
built by the real CLI in a directory of the session's temporary tree; tests that add rows use a copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_BUILT: dict[str, Path] = {}


def demo_database(factory: pytest.TempPathFactory) -> Path:
    """The path of a demo database named soustrace.db (Datasette serves it as /soustrace)."""
    if "path" not in _BUILT:
        path = factory.mktemp("demo") / "soustrace.db"
        prebuilt = os.environ.get("SOUSTRACE_TEST_DEMO_DB")  # a database `soustrace demo` made, to rerun faster
        if prebuilt:
            shutil.copyfile(prebuilt, path)
            _BUILT["path"] = path
            return path
        done = subprocess.run([sys.executable, "-m", "soustrace", "--db", f"sqlite:///{path}", "demo"],
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        _BUILT["path"] = path
    return _BUILT["path"]
