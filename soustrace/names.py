"""One way to compare organisation names, for contractors and providers alike.

Why one module: the same company is written "Scaleway SAS", "SCALEWAY", "la société Scaleway" or
"Scaleway (mandataire)" across notices and legal pages. The store's resolution keys (`NAME:` organisations,
relations to providers outside the catalog), the catalog's lookups, the extractor and the queries must fold
these the same way, or one side finds what the other cannot. Every legal-form word is listed here once.

Two keys, both built from `LEGAL_FORMS`:
* `normalize_name`: the organisation key (upper-case ASCII, punctuation and legal-form words removed
  anywhere, role markers removed): `Deloitte & Associés SAS` → `DELOITTE ASSOCIES`;
* `normalise`: the comparison key of the catalog and the extractor (`fold` minus trailing legal forms and a
  leading "la société"), which keeps `&`, `+` and dots that providers' names use (`1&1`, `Scaleway.com`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal forms, folded (lower-case ASCII, words separated by single spaces). Countries: FR, EU, UK, US, DE,
# NL/BE, ES/IT, Nordics, Baltics, PL.
LEGAL_FORMS: tuple[str, ...] = (
    "sas", "sasu", "sarl", "eurl", "sa", "snc", "sca", "scop", "scic", "sci", "gie", "eirl", "ei", "selarl",
    "se", "inc", "incorporated", "llc", "ltd", "limited", "plc", "corp", "corporation", "co", "company",
    "gmbh", "ag", "bv", "nv", "srl", "spa", "sl", "ab", "oy", "as", "uab", "sp z o o", "succursale francaise",
)
# Words that say what a party is, not who: dropped from the organisation key only.
ROLE_WORDS: tuple[str, ...] = ("ste", "societe", "mandataire", "cotraitant", "co traitant")

_KEY_DROP = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(LEGAL_FORMS + ROLE_WORDS, key=len,
                                                                      reverse=True)) + r")\b")
_TRAILING_FORMS = re.compile(
    r"(?:[\s,]+(?:" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True)) + r")\b\.?)+\s*$")


def strip_accents(text: str) -> str:
    """Drop combining marks: 'Hébergé' -> 'Heberge' (catalog keys and cue regexes are accent-blind)."""
    if text.isascii():
        return text
    return _strip_cached(text) if len(text) < 200 else _strip(text)


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_strip_cached = lru_cache(maxsize=16384)(_strip)


def normalize_name(name: str | None) -> str | None:
    """Upper-case ASCII, punctuation and legal forms removed: `Deloitte & Associés SAS` → `DELOITTE ASSOCIES`."""
    if not name:
        return None
    text = _strip(name).lower()
    text = text.replace("&", " ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _KEY_DROP.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.upper() or None


def fold(surface: str) -> str:
    """Case/accent/punctuation-folded form of a name, legal form kept ('Online SAS' -> 'online sas')."""
    s = strip_accents(surface).casefold().replace("’", "'")
    s = re.sub(r"[^\w&.+' ]+", " ", s)
    s = re.sub(r"\s*&\s*", " & ", s)
    return re.sub(r"\s+", " ", s).strip(" .'")


def normalise(surface: str) -> str:
    """Folding key for comparing organisation names: `fold` minus legal-form suffixes and 'la société'.

    Used to compare names (evaluation, de-duplication), NOT as the catalog's lookup key: stripping
    'SAS' from 'Online SAS' would make the common word 'online' resolve to Scaleway.
    """
    s = strip_accents(surface).casefold().replace("’", "'")
    s = re.sub(r"\s+", " ", s).strip(' ,.;:-–—()[]"“”«»*_`')
    prev = None
    while prev != s:
        prev = s
        s = _TRAILING_FORMS.sub("", s).strip(" ,.;:-–—()")
    s = re.sub(r"^(?:la societe|societe|l'entreprise|the company|company)\s+", "", s)
    return fold(s)


def is_legal_form(token: str) -> bool:
    """A token that is a legal form as written in a name ('SAS', 'S.A.S.', 'Ltd.'): the name goes on past it."""
    word = token.casefold().replace(".", " ").strip()
    return re.sub(r"\s+", "", word) in _COMPACT_FORMS or word in LEGAL_FORMS


_COMPACT_FORMS = frozenset(f.replace(" ", "") for f in LEGAL_FORMS)
