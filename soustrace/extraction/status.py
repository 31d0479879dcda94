"""Status of a relation: current / past / planned / negated.

Why two layers: lexical cues ("anciennement", "migré depuis", "à confirmer", "n'est pas hébergé",
"formerly", "will be hosted") work in every language and decide most cases; for French sentences with a
verbal frame, `fr_core_news_sm` adds tense and mood (imparfait "était hébergé" -> past, futur "sera
hébergé" / conditionnel -> planned) and one syntactic check: an imparfait inside a clause reported by a
verb of saying ("nous a informés qu'OVH hébergeait X") is the sequence of tenses, not the past.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Span, Token

from soustrace.catalog import strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.layout import Line
from soustrace.extraction.mentions import Candidate, Context, Mention

_FORMER = frozenset(
    [
        "existant",
        "existante",
        "ancien",
        "ancienne",
        "précédent",
        "précédente",
        "vieux",
        "old",
        "former",
        "legacy",
        "previous",
    ]
)


_CONTRAST = re.compile(
    r"\b(?:mais|but|aber|however|cependant|toutefois|tandis que|alors que|whereas|while|sondern|desormais|"
    r"now|aujourd'hui|today|depuis|vers|to|pour|puis|ensuite|then|afterwards|dann|danach|luego|poi|daarna)\b"
)
# "before / after moving to X", "had been … before migrating": a gerund of a move that happened
_DONE_MOVE = re.compile(r"\b(?:before|after|avant de|apres|since|depuis|had|did|was|were|a ete|avait)\b")
_LONG_HOSTED = re.compile(r"\blongtemps (?:heberg|stock)\w*\s+(?:chez|par|sur)\s*$")  # "longtemps hébergé chez X"
_FUTURE_AUX = re.compile(r"\b(?:will|shall|sera|seront|serait|wird|werden|sara|saranno|zal|zullen|va fi)\b")
_UNTIL_AFTER = re.compile(r"^\W*(?:jusqu'en|jusqu'au|until|bis)\b")


def lexical_status(ctx: Context, cand: Candidate, sent: Span) -> str | None:
    """Status from cue words around the frame; None when the words say nothing."""
    doc = ctx.doc
    m = cand.mention
    start = max(sent.start, min(m.start, cand.cue if cand.cue is not None else m.start) - 8)
    for i in range(m.start - 1, start - 1, -1):  # a clause ends at ';': "the old site was on X; the new one on Y"
        if doc[i].text == ";":
            start = i + 1
            break
    left = strip_accents(doc[start : m.start].text).casefold()
    near_left = strip_accents(doc[max(sent.start, m.start - 6) : m.start].text).casefold()
    # "n'est pas hébergé chez X mais chez Y": cues before a contrast marker do not reach Y
    full_left, uncut_near = left, near_left
    cut = max(_CONTRAST.finditer(left), key=lambda mt: mt.end(), default=None)
    if cut is not None:
        left = left[cut.end() :]
        near_left = near_left[max(0, len(near_left) - len(left)) :] if len(left) < len(near_left) else near_left
    right = strip_accents(doc[m.end : min(sent.end, m.end + 4)].text).casefold()
    clause = left + " " + right
    if cues.FROM_CUE.search(near_left) or cues.QUIT_CUE.search(near_left):
        return "past"
    if cues.NO_LONGER.search(clause) or _LONG_HOSTED.search(near_left):
        return "past"
    if cues.NOT_BY.search(near_left):
        return "negated"
    if cues.NEGATION.search(left) and not cues.CURRENT_LEX.search(near_left):
        return "negated"
    if cand.line is not None and cand.line.checkbox_open:
        return "planned"
    whole = strip_accents(sent.text).casefold()
    if cues.CURRENT_LEX.search(near_left):
        return "current"
    if cues.PAST_LEX.search(left) or (_UNTIL_AFTER.search(right) and not _FUTURE_AUX.search(left)):
        return "past"  # "chez X jusqu'en 2019"; "will be hosted by X until 2025" ends in the future
    if cues.PLANNED_LEX.search(full_left) or cues.PROPOSED_AFTER.search(right) or cues.UNCONFIRMED.search(whole):
        return "planned"
    extra = _language_cues(left, near_left)
    if extra:
        return extra
    arrow = _arrow_status(ctx, cand)
    if arrow:
        return arrow
    row = _row_status(ctx, cand)
    if row:
        return row
    if (
        cand.rule == "migration"
        and cues.MIGRATE_PLANNED.search(uncut_near)
        and not cues.FROM_CUE.search(uncut_near)
        and not _DONE_MOVE.search(full_left)
    ):
        return "planned"  # "nous allons migrer vers X", "we are moving our site to X"
    aux = english_tense(ctx, cand, sent)  # auxiliaries; also reaches unknown names (no statistical parse)
    if aux:
        return aux
    ctx_status = context_status(ctx, cand)
    if ctx_status is None and _present_passive(ctx, cand):
        return "current"  # "est / sont hébergé(e)s": the statistical parse would only confirm it (and costs)
    return ctx_status


_ROW_PAST = re.compile(
    r"\b(?:former|previous|old|legacy|ancien(?:ne)?s?|precedent(?:e)?s?|ex-\w+|ehemalig\w*|frueher\w*|vorherig\w*|"
    r"anterior(?:es)?|precedente|vorige|fost)\b"
)
_ROW_PLANNED = re.compile(
    r"\b(?:future|futur(?:e)?s?|target|planned|cible|prevu\w*|a venir|upcoming|geplant\w*|kuenftig\w*|"
    r"zukuenftig\w*|previsto|prevista|toekomstig\w*|candidate?s?|proposed|propose(?:e)?s?)\b"
)


def _row_status(ctx: Context, cand: Candidate) -> str | None:
    """A table row whose other cells say the relation is over or to come: "| OVH | Former host |".

    Only the row's other cells are read (the provider's own cell is its name), and only their
    status words: a column header ("| Current | Target |") is not read here.
    """
    line = cand.line
    if line is None or not line.cells or cand.rule not in {"table-row", "table-kv"}:
        return None
    at = cand.mention.span(ctx.doc).start_char
    others = " ".join(ctx.text[a:b] for a, b in line.cells if not a <= at < b + 1)
    folded = strip_accents(others).casefold()
    if _ROW_PAST.search(folded):
        return "past"
    if _ROW_PLANNED.search(folded):
        return "planned"
    return None


_PRESENT_AUX = frozenset(["est", "sont"])
_PARTICIPLE_END = ("é", "ée", "és", "ées", "e", "es")


def _present_passive(ctx: Context, cand: Candidate) -> bool:
    """French present passive right at the frame's verb: "le site est hébergé par", "sont stockées chez"."""
    cue = cand.cue
    if ctx.lang != "fr" or cue is None or cue < 1 or cand.rule not in {"verb-prep", "noun-prep", "servers-by"}:
        return False
    verb, prev = ctx.doc[cue].lower_, ctx.doc[cue - 1].lower_
    if prev in {"également", "egalement", "aussi", "actuellement", "bien"} and cue >= 2:
        prev = ctx.doc[cue - 2].lower_
    hosting_verb = ctx.cue_at.get(cue) in {"HOST_VERB", "STORE_VERB"}
    return prev in _PRESENT_AUX and hosting_verb and verb.endswith(_PARTICIPLE_END)


_ARROW = re.compile(r"(?:→|->|=>|⟶|➜)")
_IN_PROGRESS = re.compile(r"\b(?:en cours|in progress|ongoing|a venir|prevue?|planned|upcoming|bientot|soon)\b")


def _arrow_status(ctx: Context, cand: Candidate) -> str | None:
    """'Hébergement : OVH → Scaleway (migration en cours)': left of the arrow was, right of it is (or will be)."""
    span = cand.mention.span(ctx.doc)
    line = ctx.lines[ctx.line_of(span.start_char)]
    before, after = ctx.text[line.start : span.start_char], ctx.text[span.end_char : line.end]
    if not (_ARROW.search(before) or _ARROW.search(after)):
        return None
    moving = bool(_IN_PROGRESS.search(strip_accents(ctx.text[line.start : line.end]).casefold()))
    if _ARROW.search(after[:40]) and not _ARROW.search(before):
        return "current" if moving else "past"
    if _ARROW.search(before[-40:]):
        return "planned" if moving else "current"
    return None


def _language_cues(left: str, near_left: str) -> str | None:
    """Past / planned / negation cue words of the per-language vocabularies (`languages/*.py`)."""
    neg, past, planned = (languages.status_regex(k) for k in ("negation", "past", "planned"))
    if neg is not None and neg.search(near_left):
        return "negated"
    if past is not None and past.search(left):
        return "past"
    if planned is not None and planned.search(left):
        return "planned"
    return None


# ---------------------------------------------------------------- status from the layout around the text
# A heading or a table column announcing a plan or a history governs the names under it: "### Production
# (V1, cible)", "## Roadmap", "Architecture proposée", "| Actuel | Cible |", "## Historique".
_PLANNED_HEAD = re.compile(
    r"(?<![\w.-])(?:cible|target|to-be|propos(?:e|ee|es|ees|ition|itions|ed|al|als)|envisag\w*|pressenti\w*|futur\w*|"
    r"roadmap|feuille de route|prevu\w*|previsionnel\w*|planned|planning|plan de migration|migration plan|"
    r"a venir|upcoming|next steps?|prochaines? etapes?|todo|to do|a faire|budget\w*|estimation|estimated|"
    r"cost estimate|devis|chiffrage|draft|brouillon|wishlist|apres migration|after migration)\b"
)
_PAST_HEAD = re.compile(
    r"(?<![\w.-])(?:historique|history|ancien(?:ne|nes|s)?|previous|legacy|archives?|autrefois|former|"
    r"avant migration|before migration)\b"
)
_CURRENT_HEAD = re.compile(r"\b(?:actuel\w*|current\w*|existant\w*|en production|today|aujourd'hui|as-is)\b")
# a document-wide status line or marker: "Status: Proposed", "Statut : brouillon", "**PROPOSED**"
_DOC_STATUS = re.compile(
    r"^\W*(?:status|statut|etat|state)\W*[:=]\s*\W*(?P<st>proposed|propose|draft|brouillon|en discussion|"
    r"under review|a valider|planned|prevu|rfc|accepted|accepte|adopted|adopte|implemented|done|deprecated|"
    r"superseded|obsolete|remplace)\b",
    re.M,
)
_DOC_MARKER = re.compile(r"\b(?:PROPOSED|DRAFT|TBD|BROUILLON)\b")


def _status_of_words(folded: str) -> str | None:
    if _CURRENT_HEAD.search(folded):
        return None
    if _PLANNED_HEAD.search(folded):
        return "planned"
    if _PAST_HEAD.search(folded):
        return "past"
    return None


@lru_cache(maxsize=256)
def document_status(text: str) -> str | None:
    """A status the whole document declares (an ADR or spec marked proposed/draft, superseded), else None."""
    m = _DOC_STATUS.search(strip_accents(text[:4000]).casefold())
    if m:
        st = m.group("st")
        if st in {"deprecated", "superseded", "obsolete", "remplace"}:
            return "past"
        if st in {"accepted", "accepte", "adopted", "adopte", "implemented", "done"}:
            return None
        return "planned"
    if _DOC_MARKER.search(text):
        return "planned"
    return None


def context_status(ctx: Context, cand: Candidate) -> str | None:
    """Status from the headings above the mention, its table column header, or the document's status line."""
    span = cand.mention.span(ctx.doc)
    li = ctx.line_of(span.start_char)
    line = ctx.lines[li]
    if line.kind == "table" and line.cells:
        col = next((k for k, (a, b) in enumerate(line.cells) if a <= span.start_char < b), None)
        header = _table_header(ctx, li)
        if col is not None and header is not None and col < len(header.cells):
            a, b = header.cells[col]
            st = _status_of_words(strip_accents(ctx.text[a:b]).casefold())
            if st:
                return st
    head = ctx.line_sections[li][1]
    level = 7
    while head is not None:  # the section heading, then its parents ("## Roadmap" > "### Hébergement")
        depth = _depth(ctx.lines[head].text)
        if depth < level:
            st = _status_of_words(strip_accents(ctx.lines[head].core).casefold())
            if st:
                return st
            level = depth
        if level <= 1:
            break
        head = ctx.line_sections[head - 1][1] if head > 0 else None
    return document_status(ctx.text)


def _depth(raw: str) -> int:
    """Markdown heading level ('### X' -> 3); any other heading is its own section only (level 1)."""
    m = re.match(r"^\s*(#{1,6})\s", raw)
    return len(m.group(1)) if m else 1


def _table_header(ctx: Context, li: int) -> Line | None:
    """The first row of the table holding line `li` (the row above a |---| separator)."""
    j = li
    while j - 1 >= 0 and ctx.lines[j - 1].kind == "table":
        j -= 1
    if j == li:
        return None
    nxt = ctx.lines[j + 1].text if j + 1 < len(ctx.lines) else ""
    return ctx.lines[j] if re.match(r"^\s*\|?\s*:?-{3,}", nxt) else None


def english_tense(ctx: Context, cand: Candidate, sent: Span) -> str | None:
    """Auxiliaries right before a hosting verb (the language's own, `languages/*.py`, plus English ones).

    was/were/wurde/fue/werd -> past; will/would/würde/será/sarà/zal -> planned. German "wird ... gehostet"
    is the present passive ("Die Website wird bei X gehostet"), not a future: only "gehostet werden" is.
    """
    if cand.cue is None:
        return None
    left = ctx.doc[max(sent.start, cand.cue - 4) : cand.cue].text.casefold()
    words = set(left.split())
    past, planned = languages.auxiliaries(ctx.lang)
    if words & past or "had been" in left or "used to" in left:
        return "past"
    after = ctx.doc[cand.cue + 1 : min(sent.end, cand.cue + 2)].text.casefold()
    if words & planned or (after == "werden" and ctx.lang == "de"):
        return "planned"
    wide = ctx.doc[max(sent.start, cand.cue - 9) : cand.cue].text.casefold()
    if _HYPOTHETICAL.search(wide):
        return "planned"  # "the data could be stored on US servers run by X": a hypothesis, not a fact
    return None


_HYPOTHETICAL = re.compile(r"\b(?:could|might|would) (?:be|have been|soon)\b")


def _aligned(stat: Doc, char: int) -> Token | None:
    for tok in stat:
        if tok.idx <= char < tok.idx + max(len(tok.text), 1):
            return tok
    return None


def _verb_of(tok: Token) -> Token:
    v = tok
    for _ in range(4):
        if v.pos_ in ("VERB", "AUX") or v.head is v:
            break
        v = v.head
    return v


def french_tense(stat: Doc, offset: int, ctx: Context, cand: Candidate) -> str | None:
    """Tense/mood of the verb governing the relation in the statistical parse of its sentence."""
    doc = ctx.doc
    anchor_char = (
        doc[cand.cue].idx
        if cand.cue is not None and cand.rule in {"verb-prep", "active"}
        else doc[cand.mention.start].idx
    )
    tok = _aligned(stat, anchor_char - offset)
    if tok is None:
        return None
    if cand.cue is not None and cand.rule in {"verb-prep", "active"}:
        v = tok  # the hosting verb itself; a mis-tagged cue says nothing rather than borrowing a tense
        if v.pos_ not in ("VERB", "AUX"):
            return None
    else:
        v = _verb_of(tok)
    hosting_verb = v.lower_.startswith(("héberg", "heberg", "stock", "sauvegard", "conserv"))
    auxes = [c for c in v.children if c.dep_.startswith("aux")]
    forms = [*auxes, v]
    moods = {m for f in forms for m in f.morph.get("Mood")}
    tenses = {t for f in forms if f.morph.get("VerbForm") != ["Part"] for t in f.morph.get("Tense")}
    if "Cnd" in moods:
        return "planned"
    if "Fut" in tenses:
        return "planned"
    if hosting_verb and (
        any(a.lower_ in {"été", "ete"} for a in auxes)
        or (v.morph.get("VerbForm") == ["Part"] and any(a.lower_ in {"a", "ont", "avait", "avaient"} for a in auxes))
    ):
        return "past"
    if "Imp" in tenses:
        if v.dep_ in ("ccomp", "advcl") and cues.SPEECH_VERB.match(v.head.lower_):
            return None  # sequence of tenses in reported speech
        left = strip_accents(stat[: v.i].text).casefold()
        if cues.REPORTED.search(left):
            return None
        return "past"
    if v.morph.get("VerbForm") == ["Part"] and not auxes and v.dep_ in ("acl", "amod"):
        noun = v.head
        if any(c.lower_ in _FORMER for c in noun.children) and any(t.morph.get("Tense") == ["Imp"] for t in stat):
            return "past"
    return None


def extra_status(ctx: Context, rel: dict[str, Any], cue: int | None = None) -> str:
    """Status of a block-rule relation (unknown name, catalog address) that carries no frame cue.

    Such relations used to stay "current" whatever their line said ("Previous host: X", "### Roadmap").
    """
    span = ctx.doc.char_span(rel["start"], rel["end"], alignment_mode="expand")
    if span is None or not len(span):
        return rel.get("status") or "current"
    line = ctx.lines[ctx.line_of(rel["start"])]
    probe = Candidate(
        Mention(span.start, span.end, rel.get("provider_id"), "unknown"), rel["role"], rel["rule"], 0.0, cue, line
    )
    return lexical_status(ctx, probe, ctx.sent_of(span.start)) or "current"
