"""Public API: `extract(text)` / `extract_many(items)` -> `Extraction` (editor + hosting relations).

Flow per document, cheapest first:

1. language (given, or a deterministic function-word guess);
2. regex pre-pass over the raw text: no cue word and no provider name -> return at once;
3. rule pipeline (blank tokenizer + segmenter + catalog EntityRuler + cue Matcher) and line layout;
4. linking rules (`rules.py`) turn mentions into candidate relations or veto them;
5. status (`status.py`): lexical cues; for French verbal frames only, `fr_core_news_sm` on those
   sentences (batched with `nlp.pipe` across documents in `extract_many`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.tokens import Doc

from soustrace.catalog import Catalog, get_catalog, normalise, strip_accents
from soustrace.extraction import cues
from soustrace.extraction.cues import frame_cues
from soustrace.extraction.editor import extract_editor
from soustrace.extraction.lang import detect_language
from soustrace.extraction.layout import Line, analyse, sections
from soustrace.extraction.markup import mask_markup
from soustrace.extraction.pipeline import get_rule_nlp, get_stat_nlp, relevant_view
from soustrace.extraction.rules import (
    QUANTIFIED,
    Candidate,
    Context,
    Mention,
    coordinated,
    dash_decision,
    find_mentions,
    hosted_object_role,
    label_decision,
    nearest_object_role,
    role_from_description,
    sentence_decision,
    sentence_veto,
    table_decision,
    verbal_frame,
)
from soustrace.extraction.status import english_tense, french_tense, lexical_status

EXTRACTOR_VERSION = "1"
CONFIDENCE = {
    "label": 0.9,
    "table-kv": 0.9,
    "verb-prep": 0.85,
    "active": 0.85,
    "noun-prep": 0.8,
    "apposition": 0.8,
    "table-row": 0.8,
    "dash-list": 0.8,
    "paren-role": 0.8,
    "for-hosting": 0.75,
    "cdn-before": 0.8,
    "cdn-after": 0.8,
    "cdn-verb": 0.8,
    "coordination": 0.8,
    "enumeration": 0.75,
    "block": 0.7,
    "servers-of": 0.65,
    "servers-by": 0.7,
    "migration": 0.7,
    "for-cdn": 0.7,
    "for-storage": 0.7,
    "still-at": 0.6,
    "transfer": 0.6,
    "entity-address": 0.5,
    "address-only": 0.4,
    "processor-list": 0.55,
}
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
}
BACKWARD_RULES = {"for-hosting", "for-cdn", "for-storage", "active", "paren-role", "cdn-after"}
ROLES = ("host", "cdn", "data-storage", "sub-processor", "other")


@dataclass(slots=True)
class Extraction:
    """Result for one document: `relations` are dicts (see module doc of `soustrace.extraction`)."""

    id: str | None
    lang: str
    editor: dict[str, Any] | None
    relations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- public API
def extract(text: str, *, lang: str | None = None, doc_id: str | None = None) -> Extraction:
    """Hosting relations and editor ids disclosed in `text` (offsets are into `text` as given)."""
    return next(extract_many([(doc_id, text, lang)], batch_size=1))


def extract_many(items: Iterable[tuple[Any, str, str | None]], batch_size: int = 64) -> Iterator[Extraction]:
    """Like `extract` over (id, text, lang|None) items, in input order; spaCy runs with `nlp.pipe`."""
    batch: list[tuple[Any, str, str | None]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from _run_batch(batch)
            batch = []
    if batch:
        yield from _run_batch(batch)


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


def _run_batch(batch: list[tuple[Any, str, str | None]]) -> list[Extraction]:
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
    _apply_status(works)
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
        decided[k] = _decide(ctx, m, mentions, k, decided)
    # frames that follow the names ("X et Y pour l'hébergement", "X, Y hosts"): share them backwards
    for k in range(len(mentions) - 2, -1, -1):
        nxt = decided.get(k + 1)
        if (
            decided.get(k) == "undecided"
            and isinstance(nxt, Candidate)
            and nxt.rule in BACKWARD_RULES
            and ctx.sent_of(mentions[k].start) == ctx.sent_of(nxt.mention.start)
            and _coord(ctx, mentions[k], nxt.mention)
        ):
            decided[k] = Candidate(mentions[k], nxt.role, "coordination", CONFIDENCE["coordination"], nxt.cue, nxt.line)
    _block_rules(ctx, mentions, decided, w)
    _unknown_names(ctx, mentions, w)
    w.candidates = [c for c in decided.values() if isinstance(c, Candidate)]


def _decide(
    ctx: Context, m: Mention, mentions: list[Mention], k: int, decided: dict[int, Candidate | str]
) -> Candidate | str:
    doc = ctx.doc
    span = m.span(doc)
    sent = ctx.sent_of(m.start)
    li = ctx.line_of(span.start_char)
    line = ctx.lines[li]
    section = ctx.line_sections[li][0]

    def cand(rule: str, role: str, cue: int | None = None) -> Candidate | str:
        if role.startswith("reject"):
            return role
        return Candidate(m, role, rule, CONFIDENCE.get(rule, 0.6), cue, line)

    hit = label_decision(ctx, m, line)
    if hit:
        return cand(*hit)
    hit = table_decision(ctx, m, line, section == "processors" or _table_is_processors(ctx, li))
    if hit:
        return cand(*hit)
    frame = sentence_decision(ctx, m, sent)
    if frame:
        rule, cue, verdict = frame
        veto = sentence_veto(ctx, m, sent, cue)
        if veto:
            return f"reject:{veto}"
        if verdict.startswith("reject"):
            return verdict
        role = verdict
        if rule == "servers-of":
            before, after = doc[sent.start : cue].text, doc[cue : sent.end].text
            served = _SERVED_OBJECT.search(before) or _SERVED_PURPOSE.search(after)
            if not served or QUANTIFIED.search(strip_accents(sent.text).casefold()):
                return "reject:servers-without-object"  # "un datacenter d'OVH ... des milliers de sites"
            obj = nearest_object_role(ctx, cue, sent)
            if obj and obj.startswith("reject"):
                return obj
            role = obj if obj in {"data-storage", "other"} else "host"
        if rule in {"verb-prep", "active", "noun-prep"}:
            obj = hosted_object_role(ctx, cue, m, sent)
            if obj and obj.startswith("reject"):
                return obj
            if obj and verdict != "data-storage":
                role = obj
        return cand(rule, role, cue)
    hit = dash_decision(ctx, m, li)
    if hit:
        return cand(*hit)
    # coordination with an accepted neighbour: "GitHub et Netlify", "Heroku - AWS Frankfurt", "X (Y)"
    if k > 0:
        prev = decided.get(k - 1)
        if (
            isinstance(prev, Candidate)
            and ctx.sent_of(prev.mention.start) == sent
            and _coord(ctx, prev.mention, m)
            and prev.rule not in {"block", "entity-address"}
        ):
            if sentence_veto(ctx, m, sent, prev.cue):
                return "reject:coordination-veto"
            c = cand("coordination", prev.role, prev.cue)
            if isinstance(c, Candidate):
                c.status_hint = prev.status_hint
            return c
    enum = _enumeration(ctx, m, sent)
    if enum:
        return cand(*enum)
    return "undecided"


def _coord(ctx: Context, left: Mention, right: Mention) -> bool:
    return coordinated(ctx, left, right)


def _table_is_processors(ctx: Context, li: int) -> bool:
    """A table whose header row names providers/sub-processors, even without a heading above it."""
    for j in range(li - 1, max(-1, li - 40), -1):
        line = ctx.lines[j]
        if line.kind != "table":
            return False
        head = strip_accents(line.text).casefold()
        if re.search(
            r"sub-?processor|sub-?contractor|sous-?traitant|prestataire|provider|fournisseur|entity|"
            r"processor|vendor|supplier",
            head,
        ):
            return True
    return False


def _enumeration(ctx: Context, m: Mention, sent: Any) -> tuple[str, str, int] | None:
    """'hébergés chez plusieurs fournisseurs, dont GitHub et Netlify' -> the named members of the NP."""
    doc = ctx.doc
    i = m.start - 1
    if i < sent.start or doc[i].lower_ not in {"dont", "including", "notamment", "namely", "among"}:
        return None
    j = i - 1
    while j >= sent.start and doc[j].text in {",", "»", '"', "”", ")", "'"}:
        j -= 1
    pseudo = Mention(j + 1, j + 1, None, "pseudo")
    hit = verbal_frame(ctx, pseudo, sent)
    if hit and not hit[2].startswith("reject"):
        return ("enumeration", hit[2], hit[1])
    return None


# ---------------------------------------------------------------- block-level rules
def _block_rules(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str], w: _Work) -> None:
    """Headed hosting blocks, then a provider's legal name followed by its own catalog address."""
    doc = ctx.doc
    by_line: dict[int, list[int]] = {}
    for k, m in enumerate(mentions):
        by_line.setdefault(ctx.line_of(m.span(doc).start_char), []).append(k)
    heads = [i for i, ln in enumerate(ctx.lines) if ln.kind == "heading" and ln.section == "hosting"]
    for h in heads:
        end = next(
            (
                j
                for j in range(h + 1, len(ctx.lines))
                if ctx.lines[j].kind == "heading" and ctx.lines[j].section != "hosting"
            ),
            len(ctx.lines),
        )
        end = min(end, h + 16)
        ks = [k for j in range(h, end) for k in by_line.get(j, [])]
        undecided = [k for k in ks if decided.get(k) == "undecided"]
        accepted = [k for k in ks if isinstance(decided.get(k), Candidate)]
        if undecided and (not accepted or undecided[0] < accepted[0]):
            k = undecided[0]
            m = mentions[k]
            sent = ctx.sent_of(m.start)
            if not sentence_veto(ctx, m, sent, None):
                decided[k] = Candidate(
                    m, "host", "block", CONFIDENCE["block"], None, ctx.lines[ctx.line_of(m.span(doc).start_char)]
                )
        elif not ks:
            _nameless_block(ctx, h, end, w)
    _processor_section_rule(ctx, mentions, decided)
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        li = ctx.line_of(m.span(doc).start_char)
        line = ctx.lines[li]
        if ctx.line_sections[li][0] in {"editor", "creator", "registrar", "other", "processors"}:
            continue
        if normalise(line.core) != normalise(m.span(doc).text):
            continue
        for nxt in ctx.lines[li + 1 : li + 4]:
            if nxt.kind == "blank":
                continue
            if ctx.catalog.resolve_address(nxt.core) == m.pid:
                decided[k] = Candidate(m, "host", "entity-address", CONFIDENCE["entity-address"], None, line)
                break


_SERVED_OBJECT = re.compile(
    r"\b(?:site|sites|donn[ée]es|data|application|plateforme|platform|sauvegardes?|backups?|fichiers|"
    r"website|contenus?|ip|domaine|domain|pointe|points)\b",
    re.I,
)
_SERVED_PURPOSE = re.compile(
    r"\b(?:pour|for)\s+(?:son|sa|ses|leur|leurs|le|la|les|its|their|the|our|notre|nos)\s+"
    r"(?:site|sites|website|application|plateforme|platform|donn[ée]es|data)\b",
    re.I,
)
_HOSTING_KINDS = frozenset(["host", "paas", "cdn", "data-storage"])


def _processor_section_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """Under a sub-processor heading, a hosting-kind provider opening a line is a sub-processor.

    Only when the line states no other purpose (analytics, e-mail, payment... veto it) and the provider is
    a hosting company by catalog kind; confidence stays low because the role is generic.
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        li = ctx.line_of(m.span(doc).start_char)
        if ctx.line_sections[li][0] != "processors":
            continue
        line = ctx.lines[li]
        span = m.span(doc)
        if span.start_char > line.core_start + 3:
            continue
        prov = ctx.catalog.get(m.pid)
        if prov is None or not _HOSTING_KINDS & set(prov.kind):
            continue
        rest = ctx.text[span.end_char : line.end]
        nxt = ctx.lines[li + 1] if li + 1 < len(ctx.lines) else None
        if nxt is not None and nxt.kind in {"text", "label"}:
            rest += " " + nxt.core
        role = role_from_description(rest) if rest.strip() else None
        if role is not None and role.startswith("reject"):
            decided[k] = role
            continue
        decided[k] = Candidate(m, role or "sub-processor", "processor-list", CONFIDENCE["processor-list"], None, line)


_NAME_PREPS = frozenset(["par", "chez", "by", "with", "bei", "auprès", "aupres", "von"])
_NAME_DETERMINERS = frozenset(
    ["la", "le", "l'", "l’", "the", "der", "die", "société", "societe", "entreprise", "company", "firma", "de", ":"]
)
_UNKNOWN_RULES = frozenset(["verb-prep", "noun-prep", "servers-by", "cdn-verb"])
_NAME_STOP = re.compile(
    r"^(?:h[ée]berg|host|hoster|web ?host|adresse|address|t[ée]l|phone|contact|e-?mail|site|si[èe]ge|"
    r"tour |immeuble|b[âa]timent|r[ée]sidence|parc |zone |zi |za |bp |cs |cedex|"
    r"capital|rcs|siret|siren|tva|vat|nom\b|name\b|france|europe|allemagne|germany|usa|[ée]tats|union|internet|"
    r"cloud|serveurs?|servers?|linux|docker|kubernetes|ubuntu|debian|nginx|apache|le |la |les |l'|un |une |des |"
    r"the |a |an |nos |notre|our |mon |ma |mes |son |sa |ses |vous|votre|your|nous|ce |cette |[\[{(<]|http|www\.|"
    r"x{3,}|todo|tbd|lorem|[àa] compl[ée]ter|placeholder|example|exemple|nom de|"
    r"infrastructure|technologies?|donn[ée]es|data|base|voir|see|n/a|non |aucun|none|inconnu|[àa] pr[ée]ciser)",
    re.I,
)


def plausible_name(value: str) -> str | None:
    """A provider name as written after a hosting label or in a headed block, or None if it is not one."""
    v = re.split(
        r"\s*(?:,|;|\(| - | – | — |\||\bsitu[ée]e?\b|\bsis\b|\bdont\b|\bau capital\b|\blocated\b|"
        r"\bwhose\b|\bbased\b|\bimmatricul)",
        value.strip().strip('"*`«»“”'),
        maxsplit=1,
    )[0]
    v = v.strip().strip('"*`«»“”:').strip()
    words = v.split()
    for n, word in enumerate(words):  # "Strato gehostet": a cue word ends the name
        if n and cues.word_label(word.casefold().strip(".,;:!?")) in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB"}:
            v = " ".join(words[:n])
            break
    if not re.search(r"\b(?:inc|ltd|co|corp|s\.a|s\.a\.s)\.$", v, re.I):
        v = v.rstrip(".").strip()
    v = re.sub(r"^(?:la soci[ée]t[ée]|l'entreprise|the company|soci[ée]t[ée])\s+", "", v, flags=re.I)
    if not v or len(v) < 2 or len(v) > 60 or len(v.split()) > 6:
        return None
    if not (v[0].isupper() or v[0].isdigit()) or _NAME_STOP.match(v) or re.fullmatch(r"[\d\s.+-]+", v):
        return None
    if re.search(
        r"\b\d{5}\b|\b(?:rue|avenue|av|boulevard|bd|place|chemin|route|all[ée]e|quai|impasse|cours|street|"
        r"st|road|ave|bp|cedex)\b|@",
        v,
        re.I,
    ):
        return None
    if re.search(r"\b(?:est|is|sont|are|ist|a|ont|was)\b", v):
        return None
    return v


def _nameless_block(ctx: Context, h: int, end: int, w: _Work) -> None:
    """A hosting block naming no catalog provider: a name-like first line, else a catalog address."""
    for j in range(h + 1, end):
        line = ctx.lines[j]
        if line.kind == "blank":
            continue
        if line.kind == "text":
            name = plausible_name(line.core)
            if name:
                w.extra.append(_unknown(ctx, line.core_start + line.core.find(name), name, "host", "block", line))
                return
        if line.kind == "label" and line.label_role in {"host", None}:
            label = strip_accents(line.core.split(":")[0]).casefold()
            if re.search(r"\b(?:nom|name|raison sociale|denomination|societe|company|hebergeur)\b", label):
                value = ctx.text[line.value_start : line.end] if line.value_start is not None else ""
                name = plausible_name(value)
                if name and line.value_start is not None:
                    start = line.value_start + value.find(name)
                    w.extra.append(_unknown(ctx, start, name, "host", "label", line))
                    return
        break
    for j in range(h + 1, end):
        line = ctx.lines[j]
        if line.kind == "blank":
            continue
        nxt = ctx.lines[j + 1].core if j + 1 < end else ""
        pid = ctx.catalog.resolve_address(line.core) or ctx.catalog.resolve_address(line.core + " " + nxt)
        if pid:
            rel = _unknown(ctx, line.core_start, line.core, "host", "address-only", line)
            rel["provider_id"] = pid
            rel["provider"] = ctx.catalog.display_name(pid)
            rel["confidence"] = CONFIDENCE["address-only"]
            w.extra.append(rel)
            return


def _unknown(ctx: Context, start: int, surface: str, role: str, rule: str, line: Line | None) -> dict[str, Any]:
    sent = ctx.doc.char_span(start, start + len(surface), alignment_mode="expand")
    sentence = (
        ctx.sent_of(sent.start).text.strip()
        if sent is not None and len(sent)
        else (line.text.strip() if line else surface)
    )
    pid = ctx.catalog.resolve(surface)
    return {
        "provider_id": pid,
        "provider": ctx.catalog.display_name(pid) if pid else surface,
        "surface": surface,
        "start": start,
        "end": start + len(surface),
        "role": role,
        "status": "current",
        "confidence": round(CONFIDENCE.get(rule, 0.6) * (1.0 if pid else 0.8), 2),
        "sentence": sentence,
        "rule": rule,
    }


def _unknown_names(ctx: Context, mentions: list[Mention], w: _Work) -> None:
    """Providers outside the catalog, named in a hosting label value or right after 'hébergé par'."""
    doc = ctx.doc
    covered = {i for m in mentions for i in range(m.start, m.end)}
    for line in ctx.lines:
        if line.kind != "label" or line.label_role not in {"host", "data-storage", "cdn"} or line.value_start is None:
            continue
        tok = doc.char_span(line.value_start, line.end, alignment_mode="expand")
        if tok is None or any(i in covered for i in range(tok.start, min(tok.end, tok.start + 4))):
            continue
        value = ctx.text[line.value_start : line.end]
        if re.search(r"\bh[ée]berg|\bhosted\b", value, re.I):
            continue  # a sentence as value: the verbal frame below handles it
        name = plausible_name(value)
        if name:
            start = line.value_start + value.find(name)
            w.extra.append(_unknown(ctx, start, name, line.label_role, "label", line))
            continue
        pid = ctx.catalog.resolve_address(value)
        if pid:  # "Hébergeur : 2 rue Kellermann, 59100 Roubaix": the catalog address names the provider
            surface = value.strip()
            rel = _unknown(ctx, line.value_start + value.find(surface), surface, line.label_role, "address-only", line)
            rel["provider_id"], rel["provider"] = pid, ctx.catalog.display_name(pid)
            rel["confidence"] = CONFIDENCE["address-only"]
            w.extra.append(rel)
    name_preps = _NAME_PREPS | {"de", "la"} if ctx.lang == "ro" else _NAME_PREPS
    for j, tok in enumerate(doc):
        if tok.lower_ not in name_preps:
            continue
        k = j + 1
        while k < len(doc) and k - j <= 3 and doc[k].lower_ in _NAME_DETERMINERS:
            k += 1
        if k >= len(doc) or k in covered or not (doc[k].is_title or doc[k].is_upper) or doc[k].is_punct:
            continue
        sent = ctx.sent_of(k)
        probe = Mention(k, k + 1, None, "unknown")
        frame = verbal_frame(ctx, probe, sent)
        if frame is None and tok.lower_ in {"bei", "von"}:  # German: "bei X gehostet"
            after = [ctx.cue_at.get(x) for x in range(k + 1, min(k + 5, sent.end))]
            frame = ("verb-prep", k + after.index("HOST_VERB") + 1, "host") if "HOST_VERB" in after else None
        if frame is None or frame[2].startswith("reject") or frame[0] not in _UNKNOWN_RULES:
            continue
        rest = ctx.text[doc[k].idx : sent.end_char]
        name = plausible_name(rest.split("\n")[0])
        if not name or sentence_veto(ctx, probe, sent, frame[1]):
            continue
        role = frame[2]
        if frame[0] in {"verb-prep", "noun-prep"}:
            obj = hosted_object_role(ctx, frame[1], probe, sent)
            # a name outside the catalog needs a hosted site/data: "l'association est hébergée par la
            # Maison des associations" is about offices, not servers
            if not obj or obj.startswith("reject"):
                continue
            if role != "data-storage":
                role = obj
        rel = _unknown(ctx, doc[k].idx, name, role, frame[0], None)
        rel["_cue"] = frame[1]
        w.extra.append(rel)


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
    else:
        editor = _cheap_editor(w.text, catalog)
    return Extraction(id=w.doc_id, lang=w.lang, editor=editor, relations=relations)


def _first_on_line(table: dict[int, int], line: int, offset: int) -> None:
    table[line] = min(table.get(line, offset), offset)


_ID_CUE = re.compile(r"\b(?:SIREN|SIRET|RCS|TVA|VAT|BCE|[ÉE]diteur|published by|[ée]dit[ée] par)\b", re.I)


def _cheap_editor(text: str, catalog: Catalog) -> dict[str, Any] | None:
    """Editor ids for documents that skipped the NLP path (only when an id cue word is present)."""
    if not _ID_CUE.search(text):
        return None
    lines = analyse(text)
    return extract_editor(text, lines, sections(lines), catalog, {})
