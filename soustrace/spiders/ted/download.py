"""One package download: what it is, where it is cached, and how its answers are checked and saved.

A package is downloaded in Range requests of `TED_PACKAGE_CHUNK` bytes appended to `<cache>.part` (TED
accepts range requests; sources.md), so Scrapy never holds more than one chunk of a package and a cut
transfer resumes where it stopped; a server that ignores Range answers 200 with the whole file, which is
taken as it is. The part becomes the cached file only when it is whole; TED sends no checksum, so the
archive's own gzip trailer is the final check (`parsers.ted.package.ArchiveError`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.http import Response

from soustrace.spiders.ted.calendar import Issue

FINAL_UTC = dt.time(8, 30)  # 09:30 CET: a daily package fetched before that on its day may still grow


@dataclass
class Package:
    """A daily package (one issue) or a monthly one (every issue of a month), and its cache file."""

    unit: str  # "202400001" (daily) or "2024-1" (monthly)
    url: str
    path: Path
    issues: list[Issue] = field(default_factory=list)
    monthly: bool = False

    @classmethod
    def daily(cls, issue: Issue, web_url: str, cache: Path) -> Package:
        return cls(issue.unit, issue.url(web_url), cache / str(issue.year) / f"{issue.unit}.tar.gz", [issue])

    @classmethod
    def month(cls, year: int, month: int, issues: list[Issue], web_url: str, cache: Path) -> Package:
        unit = f"{year}-{month}"
        return cls(unit, f"{web_url.rstrip('/')}/packages/monthly/{unit}", cache / str(year) / f"{unit}.tar.gz",
                   issues, monthly=True)

    @property
    def part(self) -> Path:
        return self.path.with_name(self.path.name + ".part")

    @property
    def label(self) -> str:
        return f"{'monthly' if self.monthly else 'daily'} package {self.unit}"

    def is_final(self) -> bool:
        """Cached and complete: a daily one unless fetched before 09:30 CET on its day; a monthly one always."""
        if not self.path.exists():
            return False
        if self.monthly:
            return True
        fetched = dt.datetime.fromtimestamp(self.path.stat().st_mtime, dt.UTC)
        return fetched >= dt.datetime.combine(self.issues[0].date, FINAL_UTC, dt.UTC)

    def range_header(self, chunk: int) -> tuple[int, dict[str, str]]:
        """(offset, headers) of the next request: the next chunk after what the part file holds."""
        offset = self.part.stat().st_size if self.part.exists() else 0
        if chunk <= 0:
            return offset, ({"Range": f"bytes={offset}-"} if offset else {})
        return offset, {"Range": f"bytes={offset}-{offset + chunk - 1}"}


def answer_problem(response: Response) -> str | None:
    """Why an answer is not (part of) the file asked for; the WAF challenge is a 202 with an empty body."""
    waf = response.headers.get(b"x-amzn-waf-action")
    if waf:
        return f"WAF {waf.decode('latin-1')} (HTTP {response.status}, {len(response.body)} bytes)"
    if response.status == 404:
        return "HTTP 404"
    if response.status not in (200, 206):
        return f"HTTP {response.status} instead of the file"
    if not response.body:
        return f"HTTP {response.status} with an empty body (a WAF challenge?)"
    return None


def save_answer(package: Package, response: Response, offset: int, chunk: int) -> tuple[str | None, bool]:
    """Append a 206 or write a 200 to the part file: (problem, whole), `whole` when the file is complete."""
    package.part.parent.mkdir(parents=True, exist_ok=True)
    cut = "dataloss" in response.flags
    if response.status == 206:
        start, total = content_range(response.headers.get(b"Content-Range"))
        if start != offset:
            package.part.unlink(missing_ok=True)
            return f"range answer starts at byte {start}, not {offset}; starting over", False
        with package.part.open("ab") as out:
            out.write(response.body)
        size = package.part.stat().st_size
        if cut:
            return f"transfer cut at byte {size}; resuming from there", False
        if total is None:  # `bytes 0-99/*`: the end is the first chunk that comes short
            return None, chunk <= 0 or len(response.body) < chunk
        return None, size >= total
    package.part.write_bytes(response.body)  # 200: the whole file (a server that ignores Range)
    if cut:
        return f"transfer cut after {len(response.body)} bytes; resuming from there", False
    return None, True


def content_range(header: bytes | None) -> tuple[int | None, int | None]:
    """(first byte, total size) of `Content-Range: bytes 100-199/200`; total None when `*`."""
    if not header:
        return None, None
    try:
        span, _, total = header.decode("latin-1").split()[1].partition("/")
        return int(span.split("-")[0]), (int(total) if total.isdigit() else None)
    except (IndexError, ValueError):
        return None, None
