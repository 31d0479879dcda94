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
_MONTHLY = re.compile(r"^/packages/monthly/(\d{4})-(\d{1,2})$")
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

    def __init__(self, issues: list[FakeIssue], announced: list[tuple[int, dt.date]] = (), *,
                 monthly: bool = False) -> None:
        self.issues = {issue.unit: issue for issue in issues}
        self.monthly = monthly  # serve /packages/monthly/{yyyy}-{m} (else 404, as before the 5th working day)
        self._months: dict[str, bytes] = {}
        self.left_out_of_monthly: set[str] = set()  # daily units the monthly package lacks
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
        unit, body = self.package(req.path)
        if body is None:
            return Reply(404, b"<html>Not found</html>", {"Content-Type": "text/html"})
        headers = {"Content-Type": "application/gzip", "Content-Disposition": f'attachment; filename="{unit}.tar.gz"'}
        start, end = _range(req.headers) if self.honour_range else (None, None)
        status, sent = 200, body
        if start is not None:
            if start >= len(body):
                return Reply(416, b"", {"Content-Range": f"bytes */{len(body)}"})
            end = min(len(body) - 1, end if end is not None else len(body) - 1)
            status, sent = 206, body[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        if self.cut.get(unit, 0) > 0:
            self.cut[unit] -= 1
            return Reply(status, sent[: len(sent) // 2], headers, length=len(sent))
        if self.corrupt.get(unit, 0) > 0 and not start:
            self.corrupt[unit] -= 1
            return Reply(200, body[: len(body) * 2 // 3], headers)
        return Reply(status, sent, headers)

    def package(self, path: str) -> tuple[str, bytes | None]:
        """(unit, tar.gz) of a daily or monthly package path; None for what the server does not hold."""
        if match := _DAILY.match(path):
            issue = self.issues.get(match.group(1))
            return match.group(1), issue.body if issue else None
        match = _MONTHLY.match(path)
        if not match or not self.monthly:
            return path, None
        unit = f"{match.group(1)}-{int(match.group(2))}"
        dailies = [i for i in self.issues.values()
                   if f"{i.date.year}-{i.date.month}" == unit and i.unit not in self.left_out_of_monthly]
        if not dailies:
            return unit, None
        if unit not in self._months:
            dailies.sort(key=lambda i: i.unit)
            self._months[unit] = build_monthly([(f"{i.unit}.tar.gz", i.body) for i in dailies])
        return unit, self._months[unit]


def build_monthly(dailies: list[tuple[str, bytes]]) -> bytes:
    """A monthly package: a tar.gz holding the month's daily tar.gz files (their names are not documented)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, body in dailies:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return out.getvalue()


def _range(headers: dict[str, str]) -> tuple[int | None, int | None]:
    """(first, last) byte of `Range: bytes=first-[last]`; (None, None) without one."""
    value = next((v for k, v in headers.items() if k.lower() == "range"), "")
    match = re.match(r"bytes=(\d+)-(\d*)$", value.strip())
    if not match:
        return None, None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def waf_challenge() -> Reply:
    """CloudFront's answer as a re-user reported it: 202, no body, `x-amzn-waf-action: challenge`."""
    return Reply(202, b"", {"x-amzn-waf-action": "challenge", "Content-Type": "text/html"})
