"""`ingest` reads every file into one stream (batches span files) and can parse in several processes.

Real records: the BOAMP and eForms samples and the e-marchespublics DECP file; one file of the test's own
making is not a notice at all, so the run must name it, store everything else and exit non-zero.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from samples import BOAMP, DECP_REAL, EFORMS_REAL

from soustrace.pipelines.ingest import expand, iter_records


def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in [*BOAMP.glob("*.xml"), *EFORMS_REAL.glob("*.xml"), DECP_REAL / "decp-json_v1_e-marchespublics.json"]:
        shutil.copy(path, folder / path.name)
    (folder / "b_not_a_notice.xml").write_text("<html><body>not a notice</body></html>", encoding="utf-8")
    return folder


def test_parallel_parse_yields_the_same_records_in_the_same_order(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    errors: dict[int, list[str]] = {1: [], 2: []}
    runs = {jobs: [(r.source, getattr(r, "source_id", None), getattr(r, "raw", b""))
                   for r in iter_records(expand([folder]), lambda p, e, j=jobs: errors[j].append(p.name), jobs=jobs)]
            for jobs in (1, 2)}
    assert runs[1] == runs[2] and len(runs[1]) > 400
    assert errors[1] == errors[2] == ["b_not_a_notice.xml"]


def test_ingest_jobs_stores_everything_but_the_bad_file_and_reruns_clean(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    db = f"sqlite:///{tmp_path / 'ingest.db'}"

    def ingest(*extra: str) -> tuple[int, dict, str]:
        proc = subprocess.run([sys.executable, "-m", "soustrace", "--db", db, "-q", "ingest", str(folder), *extra],
                              capture_output=True, text=True, timeout=600)
        return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr

    code, first, stderr = ingest("--jobs", "2")
    # a file that is no notice at all is named and skipped (not a failure of the run)
    assert code == 0 and "b_not_a_notice.xml" in stderr.replace("\n", "")  # the console wraps long lines
    assert first["skipped_files"] == 1 and first["failed_files"] == 0 and first["stored"] > 400
    code, again, _ = ingest("--jobs", "1")
    assert code == 0 and again["stored"] == 0 and again["revised"] == 0
    assert again["duplicates"] == first["stored"] + first["revised"] + first["duplicates"]
