"""`scrapy crawl` (the Scrapy entry point, not the CLI) exits as `soustrace crawl` does: non-zero on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from replay import FAST_CRAWL, BoampAPI, ReplayServer

PAGE = Path(__file__).parents[1] / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
REAL = json.loads(PAGE.read_text())["results"]  # 20 real records (see the fixture's SOURCES.md)
ROOT = Path(__file__).parents[2]


def scrapy_crawl(db_url: str, api: str, start: str, end: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOUSTRACE_DB": db_url, "SCRAPY_SETTINGS_MODULE": "soustrace.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "boamp", "-a", f"from_date={start}", "-a", f"until_date={end}",
         "-s", f"BOAMP_API_URL={api}", "-s", "RETRY_TIMES=0", *FAST_CRAWL, "-L", "WARNING"],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def test_scrapy_crawl_exits_0_when_complete_and_1_naming_the_window_when_not(sqlite_url, tmp_path) -> None:
    dates = sorted({r["dateparution"] for r in REAL})
    with ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(REAL))
        done = scrapy_crawl(sqlite_url, api, dates[0], dates[-1], tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    # the same spider against a port nobody listens on: the window fails, the exit status says so
    failed = scrapy_crawl(sqlite_url, "http://127.0.0.1:9/api", "2024-03-01", "2024-03-02", tmp_path)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "crawl boamp INCOMPLETE: 2024-03-01..2024-03-02: failed" in failed.stderr
