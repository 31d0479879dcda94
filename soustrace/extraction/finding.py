"""The seam between extraction and the store: one frozen `Finding`, an `Extractor` protocol, a registry.

Why one dataclass: the store, the press reader and the disclosure crawler each turned relation dicts
into rows with their own defaults; a `Finding` carries every field they need (provider id and name,
surface, span, role, status, confidence, sentence, rule), validated once. `Extraction.relations` keeps
the dict form for existing callers; `Extraction.findings` is the typed view (hosting relations first,
then `built-by`).

Why a registry with an error: a missing extractor used to turn hosting extraction off silently (an
ImportError caught); `get_extractor` raises `ExtractorMissing` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from soustrace.extraction.extract import Extraction

HOSTING_ROLES = ("host", "cdn", "data-storage", "sub-processor", "other")
ROLES = (*HOSTING_ROLES, "built-by")
STATUSES = ("current", "past", "planned", "negated")


@dataclass(frozen=True, slots=True)
class Finding:
    """One provider (or builder) named in a text, in one role, with the evidence to quote."""

    provider_id: str | None
    provider: str
    surface: str
    start: int
    end: int
    role: str
    status: str
    confidence: float
    sentence: str
    rule: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"finding role {self.role!r} not in {ROLES}")
        if self.status not in STATUSES:
            raise ValueError(f"finding status {self.status!r} not in {STATUSES}")
        if not 0.0 <= self.confidence <= 1.0 or self.start > self.end:
            raise ValueError(f"finding {self.surface!r}: bad confidence or span")

    @classmethod
    def from_relation(cls, rel: dict[str, Any]) -> Finding:
        return cls(
            rel.get("provider_id"),
            rel.get("provider") or rel["surface"],
            rel["surface"],
            int(rel["start"]),
            int(rel["end"]),
            rel["role"],
            rel.get("status") or "current",
            float(rel.get("confidence") or 0.0),
            rel.get("sentence") or "",
            rel.get("rule") or "",
        )


@runtime_checkable
class Extractor(Protocol):
    """What the store and the CLI call: a name and a version for provenance, and the two entry points."""

    name: str
    version: str

    def extract(self, text: str, *, lang: str | None = None, doc_id: str | None = None) -> Extraction: ...

    def extract_many(
        self, items: Iterable[tuple[Any, str, str | None]], batch_size: int = 64
    ) -> Iterator[Extraction]: ...


class ExtractorMissing(LookupError):
    """An extractor name with no implementation (or whose model file is absent)."""


@dataclass(frozen=True, slots=True)
class HostingExtractor:
    """The shipped extractor; `decision` picks rules | model | both (see `apply_model.py`)."""

    decision: str | None = None
    name: str = "soustrace.extraction"

    @property
    def version(self) -> str:
        from soustrace.extraction.extract import EXTRACTOR_VERSION

        return EXTRACTOR_VERSION

    def extract(self, text: str, *, lang: str | None = None, doc_id: str | None = None) -> Extraction:
        return next(self.extract_many([(doc_id, text, lang)], batch_size=1))

    def extract_many(self, items: Iterable[tuple[Any, str, str | None]], batch_size: int = 64) -> Iterator[Extraction]:
        from soustrace.extraction.extract import extract_many

        return extract_many(items, batch_size=batch_size, decision=self.decision)


EXTRACTORS = {
    "soustrace.extraction": HostingExtractor(),
    "soustrace.extraction/rules": HostingExtractor("rules"),
    "soustrace.extraction/model": HostingExtractor("model"),
}


def get_extractor(name: str | None = None) -> Extractor:
    """The extractor registered under `name` (default: the shipped one); unknown -> ExtractorMissing."""
    key = name or "soustrace.extraction"
    try:
        ext = EXTRACTORS[key]
    except KeyError:
        raise ExtractorMissing(f"no extractor named {key!r} (known: {', '.join(sorted(EXTRACTORS))})") from None
    if isinstance(ext, HostingExtractor) and ext.decision != "rules":
        from soustrace.extraction.model import load_model

        load_model()  # raises ModelMissing now rather than at the first document
    return ext
