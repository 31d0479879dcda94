"""Public API: `extract(text)` / `extract_many(items)` -> `Extraction` (editor + hosting relations);
`extract_relations(texts)` -> the relations alone, for many short texts.

Flow per document, cheapest first:

1. language (given, or a deterministic function-word guess);
2. regex pre-pass over the raw text: no cue word and no provider name -> return at once;
3. rule pipeline (blank tokenizer + segmenter + catalog EntityRuler + cue Matcher) and line layout;
4. rule decisions (`decide.py`, `blocks.py`) turn mentions into candidate relations or veto them;
5. the decision model (`apply_model.py`) vetoes or adds candidates, per the `decision` mode;
6. status (`status.py`): lexical cues; for French verbal frames only, `fr_core_news_sm` on those
   sentences (batched with `nlp.pipe` across documents in `extract_many`);
7. editor ids (`editor.py`) and who built the site (`builder.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.tokens import Doc

from soustrace.catalog import Catalog, get_catalog, normalise
from soustrace.extraction.apply_model import DECISIONS, model_decide
from soustrace.extraction.blocks import block_rules, unknown_names
from soustrace.extraction.builder import builder_gate, extract_builders
from soustrace.extraction.cues import frame_cues
from soustrace.extraction.decide import CONFIDENCE, decide
from soustrace.extraction.editor import extract_editor
from soustrace.extraction.finding import Finding
from soustrace.extraction.languages import detect_language
from soustrace.extraction.layout import analyse, sections
from soustrace.extraction.markup import mask_markup
from soustrace.extraction.mentions import Candidate, Context, Mention, find_mentions
from soustrace.extraction.model import load_model, model_version
from soustrace.extraction.objects import coordinated
from soustrace.extraction.pipeline import get_rule_nlp, get_stat_nlp, relevant_view
from soustrace.extraction.status import english_tense, french_tense, lexical_status

EXTRACTOR_VERSION = f"2.{model_version()}"  # rules 2 + the shipped model's weights hash
TENSE_RULES = {
    "migration",
    "servers-by",
    "verb-prep",
    "active",
    "noun-prep",
    "for-hosting",
    "servers-of",
    "coordination",
    "enumeration",
    "cdn-verb",
    "model",
}
DEFAULT_DECISION = "both"
BACKWARD_RULES = {"for-hosting", "for-cdn", "for-storage", "active", "paren-role", "cdn-after"}
ROLES = ("host", "cdn", "data-storage", "sub-processor", "other")


@dataclass(slots=True)
class Extraction:
    """Result for one document: `relations` are dicts (see module doc of `soustrace.extraction`)."""

    id: str | None
    lang: str
    editor: dict[str, Any] | None
    relations: list[dict[str, Any]] = field(default_factory=list)
    built_by: list[dict[str, Any]] = field(default_factory=list)  # who built the site (role "built-by")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Typed view: hosting relations, then built-by findings (see `finding.py`)."""
        return tuple(Finding.from_relation(r) for r in [*self.relations, *self.built_by])


# ---------------------------------------------------------------- public API
def extract(text: str, *, lang: str | None = None, doc_id: str | None = None) -> Extraction:
    """Hosting relations and editor ids disclosed in `text` (offsets are into `text` as given)."""
    return next(extract_many([(doc_id, text, lang)], batch_size=1))


def extract_many(
    items: Iterable[tuple[Any, str, str | None]], batch_size: int = 64, decision: str | None = None
) -> Iterator[Extraction]:
    """Like `extract` over (id, text, lang|None) items, in input order; spaCy runs with `nlp.pipe`.

    `decision`: rules | model | both (default `DEFAULT_DECISION`), see `apply_model.py`.
    """
    mode = decision or DEFAULT_DECISION
    if mode not in DECISIONS:
        raise ValueError(f"unknown decision mode {mode!r} (one of {', '.join(DECISIONS)})")
    if mode != "rules":
        load_model()  # once per process; a missing model file is an error here, not a silent skip
    batch: list[tuple[Any, str, str | None]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from _run_batch(batch, mode)
            batch = []
    if batch:
        yield from _run_batch(batch, mode)


def extract_relations(texts: Sequence[str], decision: str | None = None) -> list[list[dict[str, Any]]]:
    """Only the hosting relations of many short texts (notices' free texts), one list per text, in order.

    Same relations as `extract_many(...)[i].relations`, cheaper for a stream of mostly irrelevant texts:
    a text is read once however often it repeats (notices repeat boilerplate), a text the pre-pass rules
    out costs no language guess, tokenization, editor or builder pass (it can hold no relation), and the
    others go through spaCy together (one `nlp.pipe` per language for the whole call).
    """
    if decision is not None and decision not in DECISIONS:
        raise ValueError(f"unknown decision mode {decision!r} (one of {', '.join(DECISIONS)})")
    unique = list(dict.fromkeys(texts))
    wanted = [t for t in unique if relevant_view(mask_markup(t or "")) is not None]
    found: dict[str, list[dict[str, Any]]] = {t: [] for t in unique}
    if wanted:
        extractions = extract_many(((None, t, None) for t in wanted), batch_size=len(wanted), decision=decision)
        found.update(zip(wanted, (e.relations for e in extractions), strict=True))
    return [[dict(rel) for rel in found[t]] for t in texts]  # copies: one text's relations, many owners


# ---------------------------------------------------------------- batch machinery
@dataclass(slots=True)
class _Work:
    doc_id: Any
    text: str
    lang: str
    doc: Doc | None = None
    ctx: Context | None = None
    candidates: list[Candidate] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)  # address-only / unknown-name relations
    mentions: list[Mention] = field(default_factory=list)
    decided: dict[int, Candidate | str] = field(default_factory=dict)


def prepare(batch: list[tuple[Any, str, str | None]]) -> list[_Work]:
    """Language, pre-pass, rule pipeline and rule decisions for a batch (before the model and status)."""
    catalog = get_catalog()
    works = []
    for doc_id, text, lang in batch:
        text = mask_markup(text or "")
        works.append(_Work(doc_id, text, (lang or detect_language(text)).lower()[:2]))
    # rule pipeline, grouped by language, only for documents passing the pre-pass
    by_lang: dict[str, list[tuple[_Work, str]]] = {}
    for w in works:
        view = relevant_view(w.text)
        if view is not None:
            by_lang.setdefault(w.lang, []).append((w, view))
    for lang, group in by_lang.items():
        nlp = get_rule_nlp(lang)
        for (w, _view), doc in zip(group, nlp.pipe([v for _, v in group]), strict=True):
            w.doc = doc
            _link(w, catalog, nlp)
    return works


def _run_batch(batch: list[tuple[Any, str, str | None]], mode: str) -> list[Extraction]:
    works = prepare(batch)
    for w in works:  # in `rules` mode too: the block-rule vetoes and extra statuses are rule steps
        if w.ctx is not None:
            w.candidates, w.extra = model_decide(w.ctx, w.mentions, w.decided, w.extra, mode)
    _apply_status(works)
    catalog = get_catalog()
    return [_finish(w, catalog) for w in works]


def _link(w: _Work, catalog: Catalog, nlp: Any) -> None:
    doc = w.doc
    assert doc is not None
    lines = analyse(w.text)
    ctx = Context(doc, w.text, lines, sections(lines), catalog, frame_cues(doc, nlp), w.lang)
    w.ctx = ctx
    mentions = find_mentions(doc, w.text, catalog)
    decided: dict[int, Candidate | str] = {}
    for k, m in enumerate(mentions):
        decided[k] = decide(ctx, m, mentions, k, decided)
    # frames that follow the names ("X et Y pour l'hébergement", "X, Y hosts"): share them backwards
    for k in range(len(mentions) - 2, -1, -1):
        nxt = decided.get(k + 1)
        if (
            decided.get(k) == "undecided"
            and isinstance(nxt, Candidate)
            and nxt.rule in BACKWARD_RULES
            and ctx.sent_of(mentions[k].start) == ctx.sent_of(nxt.mention.start)
            and coordinated(ctx, mentions[k], nxt.mention)
        ):
            decided[k] = Candidate(mentions[k], nxt.role, "coordination", CONFIDENCE["coordination"], nxt.cue, nxt.line)
    block_rules(ctx, mentions, decided, w.extra)
    unknown_names(ctx, mentions, w.extra)
    w.candidates = [c for c in decided.values() if isinstance(c, Candidate)]
    w.mentions, w.decided = mentions, decided


# ---------------------------------------------------------------- status
def _apply_status(works: list[_Work]) -> None:
    pending: list[tuple[_Work, Candidate, Any]] = []
    texts: dict[tuple[int, int], str] = {}
    for w in works:
        if w.ctx is None:
            continue
        for c in w.candidates:
            sent = w.ctx.sent_of(c.mention.start)
            st = c.status_hint or lexical_status(w.ctx, c, sent)
            if st is None and w.lang == "fr" and c.rule in TENSE_RULES:
                # parse a window around the frame, not the whole (possibly page-long) sentence
                lo = max(sent.start, min(c.mention.start, c.cue if c.cue is not None else c.mention.start) - 25)
                hi = min(sent.end, c.mention.end + 6)
                window = w.ctx.doc[lo:hi]
                pending.append((w, c, window))
                texts[(id(w), window.start_char)] = window.text
                continue
            if st is None and w.lang != "fr":
                st = english_tense(w.ctx, c, sent)
            c.status_hint = st or "current"
    if pending:
        keys = list(texts)
        stat_docs = dict(zip(keys, get_stat_nlp().pipe([texts[k] for k in keys], batch_size=64), strict=True))
        for w, c, sent in pending:
            assert w.ctx is not None
            stat = stat_docs[(id(w), sent.start_char)]
            c.status_hint = french_tense(stat, sent.start_char, w.ctx, c) or "current"


def _finish(w: _Work, catalog: Catalog) -> Extraction:
    relations: list[dict[str, Any]] = []
    provider_lines: dict[int, int] = {}
    if w.ctx is not None:
        doc = w.ctx.doc
        for c in sorted(w.candidates, key=lambda c: c.mention.start):
            span = c.mention.span(doc)
            pid = c.mention.pid
            if pid is None and c.mention.kind != "unknown":
                continue
            relations.append(
                {
                    "provider_id": pid,
                    "provider": catalog.display_name(pid) if pid else span.text,
                    "surface": span.text,
                    "start": span.start_char,
                    "end": span.end_char,
                    "role": c.role,
                    "status": c.status_hint or "current",
                    "confidence": c.confidence,
                    "sentence": w.ctx.sent_of(span.start).text.strip(),
                    "rule": c.rule,
                }
            )
            _first_on_line(provider_lines, w.ctx.line_of(span.start_char), span.start_char)
        known = [normalise(r["surface"]) for r in relations]
        for rel in w.extra:
            key = normalise(rel["surface"])
            if any(key and (key in k or k in key) for k in known):
                continue
            cue = rel.pop("_cue", None)
            if cue is not None:
                probe = Candidate(Mention(cue, cue + 1, None, "unknown"), rel["role"], "verb-prep", 0.0, cue)
                rel["status"] = lexical_status(w.ctx, probe, w.ctx.sent_of(cue)) or "current"
            relations.append(rel)
            known.append(key)
            _first_on_line(provider_lines, w.ctx.line_of(rel["start"]), rel["start"])
        relations.sort(key=lambda r: r["start"])
        editor = extract_editor(w.text, w.ctx.lines, w.ctx.line_sections, catalog, provider_lines)
        builders = extract_builders(w.text, w.ctx.lines, catalog)
    else:
        editor = _cheap_editor(w.text, catalog)
        builders = extract_builders(w.text, analyse(w.text), catalog) if builder_gate(w.text) else []
    if editor and builders:  # a builder's printed ids are the builder's, not the editor's
        taken = {i["start"] for b in builders for i in b["ids"]}
        editor["ids"] = [i for i in editor["ids"] if i["start"] not in taken]
        if not editor["ids"] and not editor["name"]:
            editor = None
    return Extraction(id=w.doc_id, lang=w.lang, editor=editor, relations=relations, built_by=builders)


def _first_on_line(table: dict[int, int], line: int, offset: int) -> None:
    table[line] = min(table.get(line, offset), offset)


_ID_CUE = re.compile(r"\b(?:SIREN|SIRET|RCS|TVA|VAT|BCE|[ÉE]diteur|published by|[ée]dit[ée] par)\b", re.I)


def _cheap_editor(text: str, catalog: Catalog) -> dict[str, Any] | None:
    """Editor ids for documents that skipped the NLP path (only when an id cue word is present)."""
    if not _ID_CUE.search(text):
        return None
    lines = analyse(text)
    return extract_editor(text, lines, sections(lines), catalog, {})
