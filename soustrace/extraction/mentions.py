"""Mentions and the shared state of the linking rules (`Context`, `Candidate`).

A mention is a provider name (catalog entity), a provider domain, or an unknown organisation name in a
frame slot; the frames (`frames.py`), layout decisions (`layout_rules.py`) and the model read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from soustrace.catalog import Catalog
from soustrace.extraction.layout import Line
from soustrace.names import is_legal_form

DESCRIPTOR_MAX = 6
VERB_TO_PREP_MAX = 16
_DESCRIPTOR_STOP = frozenset(',;.:!?()[]|—–"«»')
_COORD = frozenset(
    [
        ",",
        "et",
        "and",
        "und",
        "&",
        "-",
        "–",
        "/",
        "+",
        "puis",
        "dont",
        "(",
        ")",
        "ainsi",
        "que",
        "as",
        "well",
        "și",
        "si",
    ]
)
PROCUREMENT = re.compile(
    r"achat web solution|marches-publics\.info|aws-achat|aws achat|profil d.acheteur|"
    r"plate-?forme de d[ée]mat|d[ée]p[ôo]t des offres|\bDCE\b|dossier de consultation",
    re.I,
)


_DOMAIN_LIKE = re.compile(r"(?<![\w@.-])(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s)\]]*)?", re.I)


@dataclass(slots=True)
class Mention:
    """A provider name (catalog), a provider domain, or an unknown organisation name in a frame slot."""

    start: int  # token indices in the rule doc
    end: int
    pid: str | None
    kind: str  # catalog | domain | unknown

    def span(self, doc: Doc) -> Span:
        return doc[self.start : self.end]


@dataclass(slots=True)
class Candidate:
    mention: Mention
    role: str
    rule: str
    confidence: float
    cue: int | None = None  # token index of the governing hosting word, for tense analysis
    line: Line | None = None
    status_hint: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    doc: Doc
    text: str
    lines: list[Line]
    line_sections: list[tuple[str | None, int | None]]
    catalog: Catalog
    cue_at: dict[int, str]
    lang: str = "fr"
    _sents: list[Span] = field(default_factory=list)
    _sent_idx: list[int] = field(default_factory=list)

    def sent_of(self, i: int) -> Span:
        """Sentence holding token i (computed once per document; `Token.sent` rescans every call)."""
        if not self._sents:
            self._sents = list(self.doc.sents)
            idx = [0] * len(self.doc)
            for k, s in enumerate(self._sents):
                for j in range(s.start, s.end):
                    idx[j] = k
            self._sent_idx = idx
        return self._sents[self._sent_idx[i]]

    def line_of(self, char: int) -> int:
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid].start <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo


# ---------------------------------------------------------------- mentions
def _line_at(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : (text.find("\n", pos) + 1 or len(text) + 1) - 1]


def _inside_other_name(doc: Doc, ent: Span, catalog: Catalog) -> bool:
    """An ordinary-word alias ("Bleu", "Render") right after a capitalised word is part of another name.

    "l'agence Pixel Bleu" names a local agency, not the Bleu cloud; sentence- and line-initial words,
    determiners and punctuation before the alias do not count.
    """
    prov = catalog.get(ent.ent_id_)
    if prov is None or ent.text not in prov.aliases_case_sensitive or ent.start == 0:
        return False
    prev = doc[ent.start - 1]
    return prev.is_title and not prev.is_sent_start and len(prev.text) > 1 and prev.text not in _CAP_FUNCTION


_CAP_FUNCTION = frozenset(["Le", "La", "Les", "The", "Der", "Die", "Das", "El", "Il", "De", "Het", "Chez", "By"])


def find_mentions(doc: Doc, text: str, catalog: Catalog) -> list[Mention]:
    """Catalog entities (extended over a trailing legal form), plus tokens naming a provider domain."""
    out: list[Mention] = []
    procurement = PROCUREMENT.search(text) is not None
    taken: set[int] = set()
    for ent in doc.ents:
        taken.update(range(ent.start, ent.end))
        if ent.label_ != "PROVIDER":
            continue
        if procurement and ent.text == "AWS" and "amazon" not in _line_at(text, ent.start_char).casefold():
            continue  # "AWS" = Achat Web Solution, the procurement platform (its line; `Span.sent` rescans the doc)
        if _inside_other_name(doc, ent, catalog):
            continue
        end = ent.end
        j = end
        if j < len(doc) and doc[j].text == ",":
            j += 1
        if j < len(doc) and is_legal_form(doc[j].text):
            end = j + 1
            if end < len(doc) and doc[end].text == "." and doc[j].text[-1] != ".":
                end += 1
        out.append(Mention(ent.start, end, ent.ent_id_, "catalog"))
    dtext = doc.text  # built on each access: once
    for dm in _DOMAIN_LIKE.finditer(dtext):
        if "@" in dtext[max(0, dm.start() - 1) : dm.end()]:
            continue
        pid = catalog.resolve_domain(dm.group(0))
        span = doc.char_span(dm.start(), dm.end(), alignment_mode="expand") if pid else None
        if span is not None and len(span) == 1 and span.start not in taken:
            out.append(Mention(span.start, span.end, pid, "domain"))
    return sorted(out, key=lambda m: m.start)
