"""A local fake of TED's release calendar and daily packages, built at test time from the real samples.

Semantics replayed (sources.md "Daily and monthly packages"): `/en/release-calendar/-/download/file/CSV/{year}`
answers a CSV whose first column is the issue number and second the date as DD/MM/YYYY;
`/packages/daily/{yyyynnnnn}` answers a gzipped tar with one folder `{yyyymmdd}_{nnn}/` and one XML per
notice named by publication number (`00000042_2024.xml`), honours `Range: bytes=N-` with a 206, and
answers 404 for an issue it does not hold. Faults beyond the generic `replay.Fault` (WAF 202-empty, 429,
503, 404): `cut` sends part of the body under the full Content-Length and closes (the client sees a
data loss), `corrupt` sends a complete answer whose gzip ends early.

Volume is synthetic, and said so: the members are the real TED notices of data/samples/ted (eForms and
TED_EXPORT R2.0.9) and the official SDK examples of tests/fixtures/ted, mixed in each package as on TED
since 2023, served under new
publication numbers; their XML is unchanged, only the file name (the publication number) is new.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from replay import ReplayRequest, Reply
from samples import EFORMS_REAL, FIXTURES, TED_R209

SAMPLES = sorted(p for folder in (EFORMS_REAL, FIXTURES / "ted" / "eforms_sdk_examples", TED_R209)
                 for p in folder.glob("*.xml"))
# Which samples a default crawl (--country FRA, awards and modifications) keeps: French buyers, result notices.
# Read from the files themselves (their SOURCES.md), not from the code under test.
FRENCH_RESULTS = {
    "eforms_can_156-2025_FRA_transcribed.xml", "can_24_FRA_comments.xml", "can_24_minimal.xml", "can_81_FRA.xml",
    "008298-2021.xml", "18-412273-001-EXP.xml", "19-318420-001-EXP.xml", "21-149886-001-EXP.xml",
}
_DAILY = re.compile(r"^/packages/daily/(\d{9})$")
_CALENDAR = re.compile(r"^/en/release-calendar/-/download/file/CSV/(\d{4})$")


@dataclass
class FakeIssue:
    date: dt.date
    number: int
    members: list[tuple[str, Path]]  # (member file name, real sample served under that name)
    _body: bytes | None = field(default=None, repr=False)

    @property
    def unit(self) -> str:
        return f"{self.date.year}{self.number:05d}"

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = build_package(self.date, self.number, [(n, p.read_bytes()) for n, p in self.members])
        return self._body

    def publication_numbers(self, only: set[str] | None = None) -> list[str]:
        return [f"{int(name.split('_')[0])}-{self.date.year}" for name, path in self.members
                if only is None or path.name in only]


def build_package(date: dt.date, number: int, members: list[tuple[str, bytes]]) -> bytes:
    """A daily package as TED lays it out: `{yyyymmdd}_{nnn}/` then one XML file per notice."""
    folder = f"{date:%Y%m%d}_{number:03d}"
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as zipped, \
            tarfile.open(fileobj=zipped, mode="w") as archive:
        info = tarfile.TarInfo(folder)
        info.type = tarfile.DIRTYPE
        archive.addfile(info)
        for name, raw in members:
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return out.getvalue()


def month_of_issues(year: int, month: int, per_issue: int, *, first_number: int = 1,
                    first_pubno: int = 1) -> list[FakeIssue]:
    """One issue per weekday of the month, `per_issue` notices each, cycling over the real samples."""
    issues: list[FakeIssue] = []
    day, pubno, number = dt.date(year, month, 1), first_pubno, first_number
    while day.month == month:
        if day.weekday() < 5:
            members = []
            for _ in range(per_issue):
                members.append((f"{pubno:08d}_{year}.xml", SAMPLES[pubno % len(SAMPLES)]))
                pubno += 1
            issues.append(FakeIssue(day, number, members))
            number += 1
        day += dt.timedelta(days=1)
    return issues


class TedPackages:
    """The handler: mount it at the root of a `ReplayServer` and point `TED_WEB_URL` at `server.url`."""

    def __init__(self, issues: list[FakeIssue], announced: list[tuple[int, dt.date]] = ()) -> None:
        self.issues = {issue.unit: issue for issue in issues}
        self.announced = list(announced)  # calendar rows for issues the server does not hold (404)
        self.cut: dict[str, int] = {}  # unit -> how many answers to cut short
        self.corrupt: dict[str, int] = {}  # unit -> how many complete answers of a truncated gzip
        self.honour_range = True

    def calendar(self, year: int) -> bytes:
        rows = [(i.number, i.date) for i in self.issues.values() if i.date.year == year] + [
            (n, d) for n, d in self.announced if d.year == year]
        lines = ["OJ S issue number;Publication date;Remarks"]
        lines += [f"{number};{date:%d/%m/%Y};" for number, date in sorted(rows)]
        return ("\r\n".join(lines) + "\r\n").encode()

    def __call__(self, req: ReplayRequest) -> Reply:
        if match := _CALENDAR.match(req.path):
            return Reply(200, self.calendar(int(match.group(1))), {"Content-Type": "text/csv"})
        match = _DAILY.match(req.path)
        issue = self.issues.get(match.group(1)) if match else None
        if issue is None:
            return Reply(404, b"<html>Not found</html>", {"Content-Type": "text/html"})
        body = issue.body
        headers = {"Content-Type": "application/gzip",
                   "Content-Disposition": f'attachment; filename="{issue.unit}.tar.gz"'}
        start = _range_start(req.headers) if self.honour_range else 0
        status = 200
        if start:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        sent = body[start:]
        if self.cut.get(issue.unit, 0) > 0:
            self.cut[issue.unit] -= 1
            return Reply(status, sent[: len(sent) // 2], headers, length=len(sent))
        if self.corrupt.get(issue.unit, 0) > 0 and not start:
            self.corrupt[issue.unit] -= 1
            return Reply(200, body[: len(body) * 2 // 3], headers)
        return Reply(status, sent, headers)


def _range_start(headers: dict[str, str]) -> int:
    value = next((v for k, v in headers.items() if k.lower() == "range"), "")
    match = re.match(r"bytes=(\d+)-$", value.strip())
    return int(match.group(1)) if match else 0


def waf_challenge() -> Reply:
    """CloudFront's answer as a re-user reported it: 202, no body, `x-amzn-waf-action: challenge`."""
    return Reply(202, b"", {"x-amzn-waf-action": "challenge", "Content-Type": "text/html"})
