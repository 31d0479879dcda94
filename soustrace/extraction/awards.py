"""Reported awards: "the buyer awarded / entrusted something to a company", read in press, court and official prose.

Notices say who won a contract in fields; articles, court rulings and answers to parliamentary questions
say it in sentences: "Bluenove, ... qui a remporté l'appel d'offres", "le ministère ... a confié la gestion
des rendez-vous ... à la société Doctolib", "Atos, titulaire sortant du marché", "contract awarded to X".
Those statements are citable but second-hand, so they become contracts of kind `reported` (never summed
with notice-backed ones), and this module only finds them: a pure function of a text.

How: a spaCy Matcher finds the verb frames (by lemma in French, by word form in English), each of which
says on which side the contractor stands:

* contractor-first frames ("X a remporté le marché", "X, titulaire du marché", "X a été retenu",
  "X won the contract"): the contractor is the nearest company name before the trigger, the buyer a
  public body named in the sentence, else the nearest named public body around the sentence;
* buyer-first frames ("B a confié ... à X", "B a attribué le marché à X", "B a signé un contrat avec X",
  "partenariat avec X", "B awarded the contract to X"): the contractor is the first company name after
  the preposition (with the names coordinated with it), the buyer the subject before the verb.

Names are runs of proper-noun tokens; public bodies are noun phrases headed by a public-body noun
(ministère, direction, caisse, conseil, syndicat, ville, agency, ministry...) with a proper complement.
Questions, negated frames and hypotheticals are not statements of fact and are skipped; "sortant" /
"former" makes the contract `past`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from soustrace.extraction.public_bodies import (
    BODY_HEADS,
    COURTS,
    Body,
    body_signature,
    clean_body,
    find_bodies,
    fold,
)

EXTRACTOR_VERSION = "1"
MODEL = "fr_core_news_sm"

# ---- the rule set -----------------------------------------------------------------------------------------

AWARD_NOUNS = {"appel", "marché", "marche", "contrat", "consultation", "concours", "lot", "accord-cadre",
               "délégation", "concession", "dsp", "convention", "offres"}
FR_WIN = {"remporter", "gagner", "obtenir", "décrocher", "emporter"}
FR_HOLDER = {"titulaire", "titulaires", "attributaire", "attributaires", "lauréat", "lauréate", "lauréats"}
FR_CHOSEN = {"retenu", "retenue", "retenus", "retenues", "sélectionné", "sélectionnée", "sélectionnés",
             "sélectionnées", "choisi", "choisie", "choisis", "choisies", "désigné", "désignée", "désignés"}
FR_ENTRUST = {"confier", "attribuer", "adjuger", "notifier", "déléguer"}
FR_WITH_NOUNS = {"partenariat", "contrat", "marché", "convention", "accord-cadre", "accord"}
FR_WITH_VERBS = {"signer", "conclure", "passer", "nouer"}
EN_WIN = {"won", "wins", "win", "secured", "secures", "landed"}
EN_AWARD = {"awarded", "awards", "award", "entrusted", "entrusts", "granted", "grants"}
EN_NOUNS = {"contract", "tender", "bid", "deal", "framework", "concession", "call"}
EN_WITH = {"partnership", "contract", "agreement", "deal"}
PAST_WORDS = {"sortant", "sortante", "sortants", "ancien", "ancienne", "former", "previous", "outgoing"}
NEGATIONS = {"pas", "jamais", "aucun", "aucune", "ni", "not", "never", "no"}
HYPOTHETICAL = {"pourrait", "pourraient", "devrait", "devraient", "envisage", "envisagent", "souhaite", "could",
                "would", "might", "may", "should", "candidat", "candidate", "candidats", "bid for"}
TO_WORDS = {"à", "aux", "au", "to"}
WITH_WORDS = {"avec", "with", "entre", "between"}

COMPANY_WORDS = {"societe", "entreprise", "groupe", "start-up", "startup", "prestataire", "filiale", "cabinet",
                 "editeur", "company", "firm", "vendor", "contractor", "subsidiary", "groupement", "plateforme",
                 "platform", "intermediation"}
NAME_JOINERS = {"-", "&", "'", "’", "."}
SKIP_NAMES = {"covid-19", "covid", "rgpd", "gdpr", "france", "internet", "europe", "paris"}
MONTHS = {m: i for i, ms in enumerate((
    ("janvier", "january"), ("février", "fevrier", "february"), ("mars", "march"), ("avril", "april"),
    ("mai", "may"), ("juin", "june"), ("juillet", "july"), ("août", "aout", "august"),
    ("septembre", "september"), ("octobre", "october"), ("novembre", "november"),
    ("décembre", "decembre", "december")), 1) for m in ms}
_DAY_DATE = re.compile(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d{2})\b", re.I)
_MONTH_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+((?:19|20)\d{2})\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")

CONFIDENCE = {"sentence": 0.9, "context": 0.7, "unknown": 0.5}


@dataclass(frozen=True, slots=True)
class AwardStatement:
    """One reported award: who (buyer, may be unknown) gave what to whom, the sentence and where it is."""

    contractor: str
    buyer: str | None
    sentence: str
    start: int  # the sentence's span in the text
    end: int
    rule: str
    status: str  # current | past
    confidence: float
    buyer_found: str  # sentence | context | unknown
    date: dt.date | None = None
    date_text: str | None = None


@lru_cache(maxsize=2)
def _nlp(lang: str) -> Any:
    import spacy

    nlp = spacy.blank("en") if lang == "en" else spacy.load(MODEL, exclude=["parser", "senter"])
    nlp.add_pipe("soustrace_sentences", first=True)
    return nlp


_END = {".", "!", "?", "…", "[...]", "[…]", "»", ";"}


def _sentences(doc: Any) -> Any:
    """Sentences by punctuation and line breaks, set on every token (the statistical parser cuts press prose
    at quotes and names; excerpts, titles and list items end at a line break)."""
    for tok in doc:
        if tok.i == 0:
            tok.is_sent_start = True
            continue
        prev = doc[tok.i - 1]
        broke = "\n" in prev.text or "\n" in prev.whitespace_ or tok.text.startswith("\n")
        ended = prev.text in _END and prev.text != "»" and (tok.text[:1].isupper() or tok.text[:1] in "«\"[(")
        tok.is_sent_start = bool(broke or ended)
    return doc


def _register() -> None:
    from spacy.language import Language

    if "soustrace_sentences" not in Language.factories:
        Language.component("soustrace_sentences", func=_sentences)


_register()


@lru_cache(maxsize=2)
def _matcher(lang: str) -> Any:
    from spacy.matcher import Matcher

    m = Matcher(_nlp(lang).vocab)
    gap = {"IS_PUNCT": False, "OP": "{0,4}"}
    if lang == "en":
        m.add("win", [[{"LOWER": {"IN": sorted(EN_WIN)}}, gap, {"LOWER": {"IN": sorted(EN_NOUNS)}}]])
        m.add("awarded-to", [[{"LOWER": {"IN": sorted(EN_AWARD)}}, {"OP": "{0,6}"}, {"LOWER": "to"}]])
        m.add("was-awarded", [[{"LOWER": {"IN": ["was", "were", "has", "have", "been"]}},
                                {"LOWER": {"IN": ["awarded", "selected", "chosen", "retained"]}},
                                {"LOWER": {"NOT_IN": ["to"]}, "OP": "{0,4}"},
                                {"LOWER": {"IN": sorted(EN_NOUNS)}}]])
        m.add("with", [[{"LOWER": {"IN": sorted(EN_WITH)}}, {"IS_PUNCT": False, "OP": "{0,3}"},
                        {"LOWER": "with"}]])
        m.add("awarded-obj", [[{"LOWER": {"IN": ["awarded", "awards", "gave", "granted"]}},
                               {"IS_TITLE": True, "OP": "{1,4}"}, {"LOWER": {"IN": ["a", "an", "the"]}},
                               {"OP": "{0,4}"}, {"LOWER": {"IN": sorted(EN_NOUNS)}}]])
        return m
    m.add("win", [[{"LEMMA": {"IN": sorted(FR_WIN)}}, {"IS_PUNCT": False, "OP": "{0,4}"},
                   {"LOWER": {"IN": sorted(AWARD_NOUNS)}}]])
    m.add("holder", [[{"LOWER": {"IN": sorted(FR_HOLDER)}}, {"IS_PUNCT": False, "OP": "{0,2}"},
                      {"LOWER": {"IN": ["du", "de", "des", "d'", "d’"]}}, {"POS": "DET", "OP": "?"},
                      {"LOWER": {"IN": sorted(AWARD_NOUNS)}}]])
    m.add("chosen", [[{"LEMMA": "être"}, {"LOWER": {"IN": sorted(FR_CHOSEN)}}],
                     [{"LEMMA": "avoir"}, {"LOWER": "été"}, {"LOWER": {"IN": sorted(FR_CHOSEN)}}]])
    m.add("entrust", [[{"LEMMA": {"IN": sorted(FR_ENTRUST)}}]])
    m.add("with", [[{"LOWER": {"IN": sorted(FR_WITH_NOUNS)}}, {"IS_PUNCT": False, "OP": "{0,5}"},
                    {"LOWER": {"IN": ["avec", "entre"]}}],
                   [{"LEMMA": {"IN": sorted(FR_WITH_VERBS)}}, {"IS_PUNCT": False, "OP": "{0,6}"},
                    {"LOWER": {"IN": sorted(FR_WITH_NOUNS)}}, {"IS_PUNCT": False, "OP": "{0,6}"},
                    {"LOWER": "avec"}]])
    m.add("choice", [[{"LEMMA": "faire"}, {"LOWER": "le"}, {"LOWER": "choix"}, {"LOWER": {"IN": ["de", "du", "d'"]}}]])
    m.add("select", [[{"LEMMA": {"IN": ["choisir", "retenir", "sélectionner", "désigner"]},
                       "POS": {"IN": ["VERB"]}}]])
    m.add("appel", [[{"LEMMA": "faire"}, {"LOWER": "appel"}, {"LOWER": {"IN": ["à", "aux", "au"]}}]])
    return m


CONTRACTOR_FIRST = {"win", "holder", "chosen", "was-awarded"}
# Frames that also describe dealings between companies ("X fait appel à Y", "X a choisi Y"): an award
# only when the subject is a named public body.
BODY_SUBJECT = {"appel", "select"}


# ---- names ------------------------------------------------------------------------------------------------

def _is_name_token(tok: Any, lang: str) -> bool:
    text = tok.text
    if not text or not (text[0].isupper() or (len(text) > 1 and text[0].isdigit() and text[1:2].isupper())):
        return False
    if lang != "en" and tok.pos_ in {"DET", "PRON", "ADP", "CCONJ", "SCONJ", "ADV", "AUX", "VERB", "PUNCT", "NUM"}:
        return tok.pos_ == "VERB" and text.isupper()  # "OCTO" tagged as a verb
    if lang == "en" and tok.is_stop and not text.isupper():
        return False
    return fold(text) not in BODY_HEADS | COURTS or (text.isupper() and len(text) <= 6 and fold(text) != "etat")


def _names(sent: Any, lang: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Runs of proper-name tokens in [lo, hi) (token indices of the doc), joined by - & ' . without spaces."""
    out: list[tuple[int, int]] = []
    i = lo
    doc = sent.doc
    while i < hi:
        if not _is_name_token(doc[i], lang):
            i += 1
            continue
        j = i + 1
        while j < hi:
            tok = doc[j]
            if _is_name_token(tok, lang) or (tok.text[:1].isupper() and fold(tok.text) in BODY_HEADS):
                j += 1
            elif (tok.text in NAME_JOINERS and not doc[j - 1].whitespace_ and j + 1 < hi
                  and _is_name_token(doc[j + 1], lang)):
                j += 2
            else:
                break
        text = doc[i:j].text
        if fold(text) not in SKIP_NAMES and not (j - i == 1 and doc[i].ent_type_ in {"LOC"} and lang != "en"
                                                 and doc[i].text in {"France", "Paris"}):
            out.append((i, j))
        i = j
    return out


# ---- statements ---------------------------------------------------------------------------------------------

def detect_lang(text: str) -> str:
    words = re.findall(r"[a-zà-ÿ']+", text[:3000].lower())
    fr = sum(w in {"le", "la", "les", "des", "du", "et", "une", "est", "dans", "pour", "qui"} for w in words)
    en = sum(w in {"the", "and", "of", "to", "is", "was", "for", "with", "which"} for w in words)
    return "en" if en > fr else "fr"


def extract_awards(text: str, *, lang: str | None = None) -> list[AwardStatement]:
    """Every reported award stated in `text`, one per (buyer, contractor) in text order."""
    lang = lang if lang in ("fr", "en") else detect_lang(text)
    doc = _nlp(lang)(text)
    bodies = find_bodies(doc)
    matcher = _matcher(lang)
    out: list[AwardStatement] = []
    seen: set[tuple[str | None, str]] = set()
    for sent in doc.sents:
        matches = sorted(matcher(sent.as_doc() if False else doc[sent.start:sent.end]), key=lambda m: m[1])
        used: set[int] = set()
        for match_id, s, e in matches:
            s, e = s + sent.start, e + sent.start
            if s in used:
                continue
            rule = doc.vocab.strings[match_id]
            for st in _statements(doc, sent, rule, s, e, bodies, lang):
                key = (st.buyer and fold(st.buyer), fold(st.contractor))
                used.update(range(s, e))
                if key in seen:
                    continue
                seen.add(key)
                out.append(st)
    return _merge_buyer_spellings(out)


def _merge_buyer_spellings(statements: list[AwardStatement]) -> list[AwardStatement]:
    """One statement per (buyer, contractor) of a document: two spellings of the same body keep the one
    stated most directly (the buyer named in the sentence over one found around it)."""
    best: dict[tuple[frozenset[str] | None, str], AwardStatement] = {}
    for st in statements:
        key = (body_signature(st.buyer) if st.buyer else None, fold(st.contractor))
        if key not in best or st.confidence > best[key].confidence:
            best[key] = st
    keep = {id(st) for st in best.values()}
    return [st for st in statements if id(st) in keep]


def _skip_sentence(sent: Any) -> bool:
    text = sent.text.strip()
    return text.endswith("?") or bool(re.search(r"-t-(?:il|elle|ils|elles)\b", text))


def _statements(doc: Any, sent: Any, rule: str, s: int, e: int, bodies: list[Body],
                lang: str) -> Iterable[AwardStatement]:
    if _skip_sentence(sent):
        return
    window = {fold(t.text) for t in doc[max(sent.start, s - 3):min(sent.end, e + 2)]}
    if window & NEGATIONS or window & {fold(w) for w in HYPOTHETICAL}:
        return
    if rule == "entrust" and not _has_after(doc, e, sent.end, TO_WORDS):
        return
    if rule == "select" and s > sent.start and (fold(doc[s - 1].text) in {"ete", "est", "sont", "etre", "sera"}
                                                 or doc[s - 1].pos_ == "NOUN"):
        return  # passive or participle ("a été retenu", "le prestataire retenu"): the "chosen" frame's
    if fold(doc[e - 1].text) in {"entre", "between"}:  # "contrat conclu entre B et X": B must be a public body
        first = next((b for b in bodies if e <= b.start <= e + 2), None)
        if first is None:
            return
        bodies = [first]
        s = first.end  # the buyer is then found "before" the contractor
        e = first.end
    contractors = _contractors(doc, sent, rule, s, e, lang)
    if not contractors:
        return
    taken = {i for a, b in contractors for i in range(a, b)}
    buyer, found = _buyer(doc, sent, rule, s, bodies, taken)
    if rule in BODY_SUBJECT and not any((b.named and b.text == buyer) or clean_body(b.text) == buyer
                                         for b in bodies if sent.start <= b.start < s):
        return
    status = "past" if window & PAST_WORDS else "current"
    date, date_text = _date(sent.text)
    for a, b in contractors:
        name = doc[a:b].text
        if buyer and fold(name) in fold(buyer):
            continue
        yield AwardStatement(contractor=name, buyer=buyer, sentence=sent.text.strip(), start=sent.start_char,
                             end=sent.end_char, rule=f"award-{rule}-{lang}", status=status,
                             confidence=CONFIDENCE[found], buyer_found=found, date=date, date_text=date_text)


def _has_after(doc: Any, e: int, end: int, words: set[str]) -> bool:
    return any(fold(t.text) in {fold(w) for w in words} for t in doc[e:min(end, e + 25)])


def _not_body(doc: Any, span: tuple[int, int]) -> bool:
    a, _b = span
    before = fold(doc[a - 1].text) if a else ""
    first = fold(doc[a].text)
    return first not in BODY_HEADS and before not in BODY_HEADS | COURTS


def _contractors(doc: Any, sent: Any, rule: str, s: int, e: int, lang: str) -> list[tuple[int, int]]:
    if rule in CONTRACTOR_FIRST:
        before = [n for n in _names(sent, lang, sent.start, s) if _not_body(doc, n)]
        if before:
            return [before[-1]]
        if rule == "chosen" or rule == "holder":  # "ont été retenus : X, Y et Z" / "titulaire du marché : X"
            return _enumerated(doc, sent, lang, e) or _coordinated(doc, sent, lang, e)
        return []
    if rule == "entrust" or rule == "awarded-to":
        start = next(i for i in range(e - 1 if rule == "awarded-to" else e, sent.end)
                     if fold(doc[i].text) in {fold(w) for w in TO_WORDS} or i == sent.end - 1)
        return _coordinated(doc, sent, lang, start)
    if rule in ("choice", "select", "appel", "awarded-obj"):
        return _coordinated(doc, sent, lang, e - 1 if rule == "appel" else s + 1 if rule == "awarded-obj" else e,
                            limit=6)
    return _coordinated(doc, sent, lang, e - 1)  # "with": after avec / entre


def _coordinated(doc: Any, sent: Any, lang: str, start: int, limit: int = 14) -> list[tuple[int, int]]:
    """The first company name after `start` (within `limit` tokens) and the names coordinated with it."""
    names = [n for n in _names(sent, lang, start, sent.end) if _not_body(doc, n)]
    if not names or names[0][0] - start > limit:
        return []
    out = [names[0]]
    for nxt in names[1:3]:  # "la plateforme Azure de l'entreprise américaine Microsoft": the company
        between = {fold(t.text) for t in doc[names[0][1]:nxt[0]]}
        if nxt[0] - names[0][1] <= 6 and between & COMPANY_WORDS and not between & {",", "et", "and"}:
            out = [nxt]
            names = names[names.index(nxt):]
            break
    for nxt in names[1:]:
        gap = doc[out[-1][1]:nxt[0]]
        if len(gap) <= 3 and all(t.text in {",", ";"} or fold(t.text) in {"et", "and", "la", "le", "l'", "de",
                                                                            "des", "societe", "sociétés"}
                                 for t in gap):
            out.append(nxt)
        else:
            break
    return out


GROUP_WORDS = {"groupement", "consortium", "cotraitance", "co-traitance"}
MEMBER_CUES = {"constitue", "constituee", "compose", "composee", "forme", "formee", "regroupant", "associant",
               "comprenant", "reunissant", "consisting", "composed", "formed", "comprising"}
ITEM_LEAD = 5  # tokens an item's lead company may stand after the item's start ("et un", "la société")


def _enumerated(doc: Any, sent: Any, lang: str, start: int) -> list[tuple[int, int]]:
    """The winners listed after a colon, one per item: "retenus : la société A, la société B avec C en
    sous-traitance, et un groupement constitué de D et de E" gives A, B, D and E.

    Each item's lead company holds the contract, not the partner or subcontractor named later in the item;
    every member of a groupement does. Fewer than two items is no list: the plain coordination reads it.
    """
    colon = next((i for i in range(start, min(sent.end, start + 4)) if doc[i].text == ":"), None)
    if colon is None:
        return []
    items, a = [], colon + 1
    for i in range(colon + 1, sent.end + 1):
        if i == sent.end or doc[i].text in {",", ";"}:
            if i > a:
                items.append((a, i))
            a = i + 1
    if len(items) < 2:
        return []
    out: list[tuple[int, int]] = []
    for a, b in items:
        names = [n for n in _names(sent, lang, a, b) if _not_body(doc, n)]
        folded = [fold(t.text) for t in doc[a:b]]
        cue = next((a + k for k, w in enumerate(folded) if w in MEMBER_CUES), None)
        if cue is not None and set(folded[:cue - a]) & GROUP_WORDS:
            out.extend(n for n in names if n[0] > cue)
        elif names and names[0][0] - a <= ITEM_LEAD:
            out.append(names[0])
    return out if len(out) >= 2 else []


def _buyer(doc: Any, sent: Any, rule: str, s: int, bodies: list[Body],
           taken: set[int]) -> tuple[str | None, str]:
    in_sent = [b for b in bodies if sent.start <= b.start < sent.end and not taken & set(range(b.start, b.end))]
    if rule not in CONTRACTOR_FIRST:  # the subject, before the verb
        in_sent = [b for b in in_sent if b.start < s] or in_sent
    named = [b for b in in_sent if b.named]
    if named:
        pick = named[-1] if rule not in CONTRACTOR_FIRST else named[0]
        return clean_body(pick.text), "sentence"
    orgs = [ent for ent in sent.ents if ent.label_ == "ORG" and not taken & set(range(ent.start, ent.end))
            and fold(ent.text) not in SKIP_NAMES and _not_body(doc, (ent.start, ent.end)) and not _provider(ent.text)
            and not {fold(t.text) for t in doc[max(sent.start, ent.start - 3):ent.start]} & COMPANY_WORDS]
    if rule not in CONTRACTOR_FIRST:
        orgs = [o for o in orgs if o.start < s]
    if orgs:
        return orgs[-1].text, "sentence"
    # Around the sentence: the nearest named public body before it, else just after it.
    before = [b for b in bodies if b.named and b.end <= sent.start and sent.start_char - b.char < 1500]
    after = [b for b in bodies if b.named and b.start >= sent.end and b.char - sent.end_char < 400]
    if before:
        return clean_body(before[-1].text), "context"
    if after and rule not in CONTRACTOR_FIRST:  # "le partenariat avec X [...] ordonner au ministre"
        return clean_body(after[0].text), "context"
    return None, "unknown"


@lru_cache(maxsize=4096)
def _provider(name: str) -> bool:
    """A name the provider catalog knows (AWS, OVH...): a provider is never read as a public buyer."""
    from soustrace.catalog import resolve

    return resolve(name) is not None


def _date(text: str) -> tuple[dt.date | None, str | None]:
    if m := _DAY_DATE.search(text):
        try:
            return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))), m.group(0)
        except ValueError:
            return None, m.group(0)
    if m := _MONTH_DATE.search(text):
        return None, m.group(0)
    if m := _YEAR.search(text):
        return None, m.group(0)
    return None, None
