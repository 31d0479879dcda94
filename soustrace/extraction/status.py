"""Status of a relation: current / past / planned / negated.

Why two layers: lexical cues ("anciennement", "migré depuis", "à confirmer", "n'est pas hébergé",
"formerly", "will be hosted") work in every language and decide most cases; for French sentences with a
verbal frame, `fr_core_news_sm` adds tense and mood (imparfait "était hébergé" -> past, futur "sera
hébergé" / conditionnel -> planned) and one syntactic check: an imparfait inside a clause reported by a
verb of saying ("nous a informés qu'OVH hébergeait X") is the sequence of tenses, not the past.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from soustrace.catalog import strip_accents
from soustrace.extraction import cues
from soustrace.extraction.mentions import Candidate, Context

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
    r"now|aujourd'hui|today|depuis|vers|to|pour)\b"
)
_UNTIL_AFTER = re.compile(r"^\W*(?:jusqu'en|jusqu'au|until|bis)\b")


def lexical_status(ctx: Context, cand: Candidate, sent: Span) -> str | None:
    """Status from cue words around the frame; None when the words say nothing."""
    doc = ctx.doc
    m = cand.mention
    start = max(sent.start, min(m.start, cand.cue if cand.cue is not None else m.start) - 8)
    left = strip_accents(doc[start : m.start].text).casefold()
    near_left = strip_accents(doc[max(sent.start, m.start - 6) : m.start].text).casefold()
    # "n'est pas hébergé chez X mais chez Y": cues before a contrast marker do not reach Y
    full_left = left
    cut = max(_CONTRAST.finditer(left), key=lambda mt: mt.end(), default=None)
    if cut is not None:
        left = left[cut.end() :]
        near_left = near_left[max(0, len(near_left) - len(left)) :] if len(left) < len(near_left) else near_left
    right = strip_accents(doc[m.end : min(sent.end, m.end + 4)].text).casefold()
    clause = left + " " + right
    if cues.FROM_CUE.search(near_left) or cues.QUIT_CUE.search(near_left):
        return "past"
    if cues.NO_LONGER.search(clause):
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
    if cues.PAST_LEX.search(left) or _UNTIL_AFTER.search(right):
        return "past"
    if cues.PLANNED_LEX.search(full_left) or cues.PROPOSED_AFTER.search(right) or cues.UNCONFIRMED.search(whole):
        return "planned"
    return None


def english_tense(ctx: Context, cand: Candidate, sent: Span) -> str | None:
    """Auxiliaries right before an English/German hosting verb: was/were -> past, will/would -> planned."""
    if cand.cue is None:
        return None
    left = ctx.doc[max(sent.start, cand.cue - 4) : cand.cue].text.casefold()
    words = set(left.split())
    if words & {"was", "were", "war", "wurde", "wurden"} or "had been" in left or "used to" in left:
        return "past"
    if words & {"will", "would", "shall", "wird", "werden", "würde"}:
        return "planned"
    return None


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
