"""Excerpt files of real public texts (data/samples/chains/): sections headed by `SOURCE ...: URL — what`.

One file may quote several texts (a ruling, then two summaries of it), each under its own SOURCE line with
its own URL; each section is a document of its own, with the kind its header says: `court` for a ruling
(unless the header says it is the press's summary), `official` for an official text, `press` otherwise.
`---` separators and `NOTE:` lines are the excerpt maker's, not the author's, and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_URL = re.compile(r"https?://\S+")
_COURT = re.compile(r"conseil d.[ée]tat|tribunal|cour |juge|ordonnance|arianeweb|considerant\.fr", re.I)
_OFFICIAL = re.compile(r"\(official\)|r[ée]ponse|question [ée]crite|\.gouv\.fr|legal notice|mentions l[ée]gales|"
                       r"press release|communiqu[ée]", re.I)
_PRESS = re.compile(r"\bpress\b|presse|blog|news|article", re.I)


@dataclass(frozen=True, slots=True)
class Excerpt:
    url: str
    kind: str  # press | court | official
    header: str
    text: str


def source_kind(header: str) -> str:
    if _PRESS.search(header) and not re.search(r"\(official\)|press release", header, re.I):
        return "press"
    if _COURT.search(header):
        return "court"
    if _OFFICIAL.search(header):
        return "official"
    return "press"


def read_excerpts(path: str | Path) -> list[Excerpt]:
    """The sections of an excerpt file with a URL, in file order (a section without a URL is skipped)."""
    out: list[Excerpt] = []
    header: str | None = None
    lines: list[str] = []

    def close() -> None:
        if header is None:
            return
        url = _URL.search(header)
        text = "\n".join(lines).strip()
        if url and text:
            out.append(Excerpt(url.group(0).rstrip(").,"), source_kind(header), header, text))

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("SOURCE"):
            close()
            header, lines = line, []
        elif line.strip() != "---" and not line.startswith("NOTE:"):
            lines.append(line)
    close()
    return out
