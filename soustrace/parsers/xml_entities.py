"""A byte stream filter that takes entities out of a streamed XML document before libxml2 sees it.

Why: a DOCTYPE declaring a billion-laughs entity makes libxml2 stop the whole document ("Maximum entity
amplification factor exceeded"), even with entity resolution off, so one hostile record of a 1 GB DECP
file cost all its good records. And an entity left unresolved is a node whose following text
(`A&x;B`) the readers dropped. Here the DOCTYPE is removed from the prolog (the entity names it declared
are kept, so the records that use them can be refused by name), and every reference to a non-predefined
entity is escaped into literal text: `A&x;B` reads "A&x;B", nothing is expanded, nothing is lost.

Byte-level: valid for UTF-8 and the single-byte encodings DECP files use (ISO-8859-1, Windows-1252).
"""

from __future__ import annotations

import re
from typing import IO

from soustrace.records import ParseError

MAX_PROLOG = 1 << 20  # a DOCTYPE longer than this is not a DECP file's

_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[(?:[^\]\"']|\"[^\"]*\"|'[^']*')*\])?\s*>", re.IGNORECASE)
_DOCTYPE_START = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(?:%\s+)?([^\s\"'>]+)")
# Every '&' that does not start a predefined or character reference: it becomes literal text.
_LONE_AMPERSAND = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_:]")
_HOLD = 12  # longer than any predefined or character reference (`&#x10FFFF;`)


class EntityFreeStream:
    """Wraps a binary file: `read()` returns the document without DOCTYPE and with references escaped."""

    def __init__(self, handle: IO[bytes], chunk: int = 1 << 16) -> None:
        self.handle = handle
        self.chunk = chunk
        self.declared: set[str] = set()
        self.pending = self._prolog()
        self.done = False

    def _prolog(self) -> bytes:
        head = b""
        while len(head) < MAX_PROLOG:
            more = self.handle.read(self.chunk)
            head += more
            first = _FIRST_ELEMENT.search(head)
            start = _DOCTYPE_START.search(head)
            if start is None or (first is not None and first.start() < start.start()):
                if first is not None or not more:
                    return head
                continue
            match = _DOCTYPE.search(head, start.start())
            if match is not None:
                self.declared = {name.decode("utf-8", "replace") for name in _ENTITY_DECL.findall(match.group(0))}
                return head[: match.start()] + head[match.end():]
            if not more:
                break
        raise ParseError(f"XML prolog (DOCTYPE) longer than {MAX_PROLOG:,} bytes or unterminated")

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.pending) < max(size, 1) + _HOLD):
            more = self.handle.read(self.chunk if size < 0 else max(size, self.chunk))
            if not more:
                self.done = True
            self.pending += more
        if self.done:
            out, self.pending = self.pending, b""
        else:  # keep back a '&' too close to the end to tell `&amp;` from a cut `&am`
            cut = len(self.pending) - _HOLD
            amp = self.pending.find(b"&", cut)
            if amp >= 0:
                cut = amp
            out, self.pending = self.pending[:cut], self.pending[cut:]
        return _LONE_AMPERSAND.sub(b"&amp;", out) if b"&" in out else out


def entity_references(text: str, declared: set[str]) -> list[str]:
    """The declared entities `text` refers to (as the literal `&name;` this filter left)."""
    return [name for name in re.findall(r"&([A-Za-z_:][-\w.:]*);", text) if name in declared]
