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

from soustrace.extraction.catalog import Catalog, get_catalog

STAT_MODEL = "fr_core_news_sm"
RULE_LANGS = {"fr": "fr", "en": "en", "de": "de"}

# Words that may introduce a hosting disclosure in any supported language (accent-insensitive stems).
CUE_PATTERN = (
    r"h[ée]berg|\bhost|heberg|\bcdn\b|sous[- ]?traitan|sub-?processor|sub-?contractor|subprocessor|"
    r"serveurs?\b|servers?\b|datacenter|data cent|centres? de donn|stock[ée]|stored|gespeichert|cloud|"
    r"infrastructure|prestataires?|destinataires|recipients|third[- ]part|processors?\b|iaas|paas|"
    r"h[ée]bergeur|webhost|gehostet|rechenzentr|anbieter"
)


@lru_cache(maxsize=1)
def prepass_regex(catalog_path: str | None = None) -> re.Pattern[str]:
    """Compiled alternation of cue stems and every catalog alias/domain (token-boundary safe)."""
    cat = get_catalog(catalog_path)
    names: set[str] = set()
    for prov in cat:
        names.update(a for a in prov.aliases if len(a) >= 2)
        names.update(a for a in prov.aliases_case_sensitive)
        names.update(prov.domains)
        names.update(le["name"] for le in prov.legal_entities)
    alias_alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?:{CUE_PATTERN})|(?<![\w.-])(?:{alias_alt})(?![\w-])", re.I)


def prepass(text: str) -> bool:
    """True when the text may hold a hosting relation (a cue word or a provider name occurs)."""
    return bool(text) and prepass_regex().search(text) is not None


# ---------------------------------------------------------------- segmentation
_ABBREV = frozenset("ex e.g i.e cf inc ltd st av bd m mme mr dr co corp etc n° no vs sq p s.a s.a.s".split())
_END = frozenset(".!?")
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
            start = tok.text[:1].isupper() or tok.text[:1] in "«\"“-*#|"
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
