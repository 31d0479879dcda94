"""spaCy pipelines for hosting extraction, built once per process and per language.

Two tiers, for speed by design:

* the *rule* pipeline (`get_rule_nlp`): a blank tokenizer (fr / en / de / multilingual "xx"), a
  line-aware sentence segmenter, and an EntityRuler holding every catalog alias (case-insensitive on
  token boundaries, so "aws" inside "laws" never matches; ordinary words such as "Bleu" or "Render" are
  matched with their exact case only). It runs on every document that passes the regex pre-pass.
* the *statistical* pipeline (`get_stat_nlp`): `fr_core_news_sm` without NER/lemmatizer, run only on the
  few French sentences that carry a verbal hosting frame, to read tense, mood and syntax (who is hosted,
  reported speech). English and other languages rely on lexical cues instead.

`prepass` is the cheapest gate: one compiled regex over the raw text for cue words and catalog aliases;
documents without a hit return before any tokenization.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from soustrace.catalog import Catalog, get_catalog
from soustrace.extraction import languages

STAT_MODEL = "fr_core_news_sm"
RULE_LANGS = {"fr": "fr", "en": "en", "de": "de"}

# Word prefixes that may introduce a hosting disclosure in any supported language (case-folded).
CUE_PREFIXES = (
    "héberg",
    "heberg",
    "host",
    "cdn",
    "sous-trait",
    "soustrait",
    "sub-processor",
    "subprocessor",
    "sub-contractor",
    "subcontractor",
    "serveur",
    "server",
    "datacenter",
    "data-center",
    "stocké",
    "stockée",
    "stored",
    "gespeichert",
    "cloud",
    "infrastructure",
    "prestataire",
    "destinataire",
    "recipient",
    "third-part",
    "processor",
    "iaas",
    "paas",
    "webhost",
    "gehostet",
    "rechenzentr",
    "anbieter",
    "găzdu",
    "gazdu",
    "deployed",
    "déployé",
    "hoster",
    *languages.prefixes(),
)
_WORD = re.compile(r"[^\W_][\w&.+'’-]*")


@lru_cache(maxsize=1)
def _prepass_tables() -> tuple[frozenset[str], tuple[str, ...]]:
    """First words of every catalog name (case-folded) and provider domains, for the word-level gate."""
    cat = get_catalog()
    first: set[str] = set()
    domains: set[str] = set()
    for prov in cat:
        names = [prov.display_name, *prov.aliases, *prov.aliases_case_sensitive]
        names += [le["name"] for le in prov.legal_entities]
        for name in names:
            words = _WORD.findall(name.casefold())
            if words and (len(words[0]) >= 2 or len(words) == 1):
                first.add(words[0].rstrip(".,"))
        domains.update(d.casefold() for d in prov.domains)
    return frozenset(first), tuple(sorted(domains))


def line_has_cue(line: str) -> bool:
    """True when a line holds a cue word, a catalog name's first word, or a provider domain.

    A set lookup per word instead of one regex alternation of ~600 aliases: ~20x faster on plain text.
    """
    first, domains = _prepass_tables()
    for w in _WORD.findall(line.casefold()):
        if "'" in w[:8] or "’" in w[:8]:
            w = re.split(r"['’]", w, maxsplit=1)[1] or w
        w = w.rstrip(".,-")
        if w in first or w.startswith(CUE_PREFIXES):
            return True
        if "." in w and w.endswith(domains):
            return True
    return False


def prepass(text: str) -> bool:
    """True when the text may hold a hosting relation (a cue word or a provider name occurs)."""
    return bool(text) and line_has_cue(text)


def relevant_view(text: str, context_after_heading: int = 8) -> str | None:
    """`text` with every line far from any cue blanked (same length), or None when no line has a cue.

    Only the kept lines are tokenized and matched, so a 4 KB legal notice costs what its hosting block
    costs. Kept: cue lines, one line around them (hard-wrapped prose), the lines under a hosting heading
    (names of small hosts carry no cue), and the header rows of a table whose row is kept.
    """
    lines = text.split("\n")
    hits = [line_has_cue(ln) if ln.strip() else False for ln in lines]
    if not any(hits):
        return None
    keep = [False] * len(lines)
    for i, hit in enumerate(hits):
        if not hit:
            continue
        for j in range(max(0, i - 1), min(len(lines), i + 2)):
            keep[j] = True
        if len(lines[i].split()) <= 9:  # a heading-like cue line: keep the block under it
            for j in range(i + 1, min(len(lines), i + 1 + context_after_heading)):
                keep[j] = True
        if lines[i].lstrip().startswith("|"):
            j = i - 1
            while j >= 0 and lines[j].lstrip().startswith("|"):
                keep[j] = True
                j -= 1
    if all(keep):
        return text
    return "\n".join(ln if k else " " * len(ln) for ln, k in zip(lines, keep, strict=True))


# ---------------------------------------------------------------- segmentation
_ABBREV = frozenset(
    [
        "ex",
        "e.g",
        "i.e",
        "cf",
        "inc",
        "ltd",
        "st",
        "av",
        "bd",
        "m",
        "mme",
        "mr",
        "dr",
        "co",
        "corp",
        "etc",
        "n°",
        "no",
        "vs",
        "sq",
        "p",
        "s.a",
        "s.a.s",
    ]
)
_END = frozenset(".!?")
# Named for what it is: a blank line of spaces left by `relevant_view` must still separate sentences.
_CONT_END = re.compile(r"[\w,’'«(\-–]$")


@Language.component("hosting_segmenter")
def hosting_segmenter(doc: Doc) -> Doc:
    """Sentence starts for legal-notice layout: every line break, except hard-wrapped prose lines.

    A line continues the previous one when the previous line ends without punctuation and the new line
    starts with a lower-case letter ("... statuer\\nsur le caractère ..."). Inside lines, '.', '!' and
    '?' end a sentence unless they close an abbreviation ("ex.", "Inc.").
    """
    if len(doc) == 0:
        return doc
    doc[0].is_sent_start = True
    prev_line_tail = ""
    for i, tok in enumerate(doc[1:], start=1):
        prev = doc[i - 1]
        start = False
        if prev.is_space and "\n" in prev.text:
            start = not (_CONT_END.search(prev_line_tail) and tok.text[:1].islower() and "\n\n" not in prev.text)
        elif "\n" in prev.whitespace_:
            start = True
        elif prev.text in _END and i >= 2 and doc[i - 2].text.casefold().rstrip(".") not in _ABBREV:
            start = tok.text[:1].isupper() or tok.text[:1] in '«"“-*#|'
        if tok.is_space:
            start = False
        tok.is_sent_start = start
        if not tok.is_space:
            prev_line_tail = tok.text
    return doc


# ---------------------------------------------------------------- catalog entity ruler
def _ruler_patterns(cat: Catalog) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    for prov in cat:
        seen: set[str] = set()
        names = [prov.display_name if "(" not in prov.display_name else "", *prov.aliases]
        names += [le["name"] for le in prov.legal_entities if "(" not in le["name"]]
        for name in names:
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                patterns.append({"label": "PROVIDER", "pattern": name, "id": prov.id})
        for name in prov.aliases_case_sensitive:
            patterns.append({"label": "PROVIDER", "pattern": [{"ORTH": w} for w in name.split()], "id": prov.id})
    for name in cat.non_hosting_products:
        patterns.append({"label": "NONHOST", "pattern": name, "id": "nonhost"})
    for excl in cat.exclusions:
        for cue in excl.get("cues", []):
            if len(cue) > 6 and cue[0].isupper():  # multi-word names only ("Achat Web Solution")
                patterns.append({"label": "EXCLUDED", "pattern": cue, "id": "excluded"})
    return patterns


_ELISION = r"(?:[dDlLjJnNcC]|[qQ]u|[jJ]usqu|[lL]orsqu|[pP]uisqu)['’](?=\w)"


@lru_cache(maxsize=8)
def get_rule_nlp(lang: str = "fr") -> Language:
    """Blank tokenizer for `lang` + segmenter + catalog EntityRuler (cached per language)."""
    nlp = spacy.blank(RULE_LANGS.get(lang, "xx"))
    if nlp.lang != "fr":  # French elisions in non-French text: "d'Amazon", "qu'OVH"
        prefixes = [_ELISION, *nlp.Defaults.prefixes]
        nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex(prefixes).search
    nlp.add_pipe("hosting_segmenter")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": False})
    ruler.add_patterns(_ruler_patterns(get_catalog()))  # type: ignore[attr-defined]
    return nlp


@lru_cache(maxsize=1)
def get_stat_nlp() -> Language:
    """`fr_core_news_sm` (tok2vec, morphologizer, parser); loaded once, lazily, from the installed package."""
    return spacy.load(STAT_MODEL, exclude=["ner", "lemmatizer"])
