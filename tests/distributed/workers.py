"""Starting `soustrace worker` and `crawl ... --queue` as the CLI runs them, for tests and the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SITES = REPO / "tests" / "fixtures" / "sites"
# DOWNLOAD_TIMEOUT: the farm runs in the test process and a loaded CI machine can stall it for seconds.
FAST = ("-s", "DOWNLOAD_TIMEOUT=180", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "RETRY_ENABLED=False", "-s", "DISCLOSURES_EXTRACTOR=soustrace.extraction.extract:extract",
        "-s", "LOG_LEVEL=INFO")


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SITES), str(REPO), os.environ.get("PYTHONPATH", "")]),
            "SOUSTRACE_ALLOW_PRIVATE_NETWORKS": "1"}


def soustrace(db_url: str, *args: str, timeout: float = 120) -> Any:
    """Run `python -m soustrace --db URL ARGS`, fail with its output unless it exits 0; its JSON output."""
    proc = subprocess.run([sys.executable, "-m", "soustrace", "--db", db_url, *args], capture_output=True,
                          text=True, env=env(), timeout=timeout, cwd=REPO)
    if proc.returncode != 0:
        raise AssertionError(f"soustrace {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n"
                             f"{proc.stderr[-4000:]}")
    out = proc.stdout
    starts = [i for i in (out.find("{"), out.find("[")) if i >= 0]
    return json.loads(out[min(starts):]) if starts else {}


def cli(db_url: str, *args: str) -> Any:
    """The same in this process (click's runner): saves an interpreter start for quick commands."""
    from click.testing import CliRunner

    from soustrace.cli import cli as soustrace_cli

    result = CliRunner().invoke(soustrace_cli, ["--db", db_url, *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise AssertionError(f"soustrace {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    out = result.stdout
    starts = [i for i in (out.find("{"), out.find("[")) if i >= 0]
    return json.loads(out[min(starts):]) if starts else {}


def start_worker(db_url: str, queue: str, log: Path, *extra: str, idle_exit: int = 3) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", queue, "--source", "disclosures",
           "--idle-exit", str(idle_exit), *FAST, *extra]
    handle = log.open("wb")
    return subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env(), cwd=REPO)
