"""Languages as data: one module per language holding its hosting vocabulary (`Vocabulary`).

Why: the frames and layout rules are the same in every language (a hosting verb, a preposition, then
a name; a hosting label, then a value); only words change. A language is one new file here, listed in
`LANGUAGES`: its words join the cue lexicon (`cues.word_label`), its prepositions join the verbal frame
for that language, its labels join the layout vocabulary, its function words the language guess, and
its builder phrases the `built-by` reader. The regexes in `cues.py` / `layout.py` keep the French and
English morphology (accent-tolerant inflections); the word lists here add exact forms.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "ro")


@dataclass(frozen=True)
class Vocabulary:
    """Lower-cased word forms per cue kind; regex fragments: `labels` accent-folded, `builders` case-folded."""

    code: str
    stopwords: frozenset[str]
    or_words: frozenset[str] = frozenset()  # the conjunction of alternatives ("ou", "or", "oder", "of")
    name_end_words: frozenset[str] = frozenset()  # lower-case place/time prepositions ending a written name
    host_verbs: frozenset[str] = frozenset()
    store_verbs: frozenset[str] = frozenset()
    host_nouns: frozenset[str] = frozenset()
    nonhost_verbs: frozenset[str] = frozenset()  # built, designed, registered: a competing frame
    preps: frozenset[str] = frozenset()  # prepositions introducing the provider after a hosting verb
    name_preps: frozenset[str] = frozenset()  # "par"/"by": introduce an organisation name (unknown names)
    host_labels: tuple[str, ...] = ()  # label / heading words announcing the host
    builders: tuple[str, ...] = ()  # phrases announcing who built the site, then its name
    prefixes: tuple[str, ...] = ()  # word prefixes for the cheap pre-pass
    extra: dict[str, frozenset[str]] = field(default_factory=dict)
    # status cues (decisions): auxiliaries right before the hosting verb, and regex fragments on
    # accent-folded, case-folded text for past / planned / negated statements
    past_aux: frozenset[str] = frozenset()
    planned_aux: frozenset[str] = frozenset()
    past_cues: tuple[str, ...] = ()
    planned_cues: tuple[str, ...] = ()
    negation_cues: tuple[str, ...] = ()
    option_cues: tuple[str, ...] = ()  # examples, advice, modals of possibility ("per esempio", "kann … werden")


@cache
def vocabulary(code: str) -> Vocabulary | None:
    """The vocabulary of a language code, or None for a language without a file."""
    if code not in LANGUAGES:
        return None
    return importlib.import_module(f"{__name__}.{code}").VOCAB


@cache
def all_vocabularies() -> tuple[Vocabulary, ...]:
    return tuple(v for c in LANGUAGES if (v := vocabulary(c)) is not None)


@cache
def word_labels() -> dict[str, str]:
    """word -> cue label over every language (first language listing a word wins)."""
    out: dict[str, str] = {}
    for v in all_vocabularies():
        for label, words in (
            ("HOST_VERB", v.host_verbs),
            ("STORE_VERB", v.store_verbs),
            ("HOST_NOUN", v.host_nouns),
            ("NONHOST_VERB", v.nonhost_verbs),
        ):
            for w in words:
                out.setdefault(w, label)
    return out


@cache
def alternative_words(code: str | None) -> frozenset[str]:
    """'Or' words read in a document of language `code`: its own, plus French and English (mixed pages).

    Per language on purpose: Dutch "of" and Italian/Spanish "o" are English "of" and a letter elsewhere
    ("101 Avenue of the Americas"). `None`: every language's. "and/or", "et/ou" are not alternatives:
    both providers are named as used.
    """
    if code is None:
        return frozenset(w for v in all_vocabularies() for w in v.or_words)
    own = vocabulary(code)
    return frozenset(["ou", "or"]) | (own.or_words if own else frozenset())


@cache
def name_end_words() -> frozenset[str]:
    """Every language's place/time prepositions (accent-folded too): "GoDaddy until 2019", "X à Lyon"."""
    words = {w for v in all_vocabularies() for w in v.name_end_words}
    return frozenset(words | {unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in words})


@cache
def alternatives_regex(code: str | None) -> re.Pattern[str]:
    """An or-word between spaces, for accent-folded, case-folded text ("and/or", "et/ou" do not match)."""
    words = "|".join(sorted(alternative_words(code)))
    return re.compile(r"(?<=\s)(?:" + words + r")(?=\s)")


@cache
def preps(code: str) -> frozenset[str]:
    v = vocabulary(code)
    return v.preps if v else frozenset()


@cache
def name_preps(code: str) -> frozenset[str]:
    v = vocabulary(code)
    return v.name_preps if v else frozenset()


@cache
def host_label_pattern() -> str:
    """Alternation of every language's host label fragments (for layout's section / label vocab)."""
    return "|".join(f for v in all_vocabularies() for f in v.host_labels)


@cache
def builder_regex() -> re.Pattern[str]:
    """Builder phrase of any language, on case-folded text (the fragments tolerate accents themselves)."""
    return re.compile("|".join(f"(?:{f})" for v in all_vocabularies() for f in v.builders))


@cache
def auxiliaries(code: str) -> tuple[frozenset[str], frozenset[str]]:
    """(past, planned) auxiliaries of a language plus English ones (English quotes are everywhere)."""
    en, own = vocabulary("en"), vocabulary(code)
    past = (en.past_aux if en else frozenset()) | (own.past_aux if own else frozenset())
    planned = (en.planned_aux if en else frozenset()) | (own.planned_aux if own else frozenset())
    return past, planned


@cache
def status_regex(kind: str) -> re.Pattern[str] | None:
    """Union over languages of the `past_cues` / `planned_cues` / `negation_cues` / `option_cues` fragments."""
    frags = [f for v in all_vocabularies() for f in getattr(v, f"{kind}_cues")]
    return re.compile("|".join(f"(?:{f})" for f in frags)) if frags else None


@cache
def prefixes() -> tuple[str, ...]:
    return tuple(p for v in all_vocabularies() for p in v.prefixes)


_WORD = re.compile(r"[a-zà-ÿăâîșțß]+", re.I)


def detect_language(text: str, default: str = "fr") -> str:
    """Best language by function-word hits over the first 3,000 characters; `default` on a tie at 0.

    Deterministic and dependency-free (langdetect needs a seed and is slow on label-style texts). French
    is the default because the product reads French procurement and legal notices; a wrong guess costs
    only the statistical tense analysis and the language's own prepositions.
    """
    words = _WORD.findall(text[:3000].casefold())
    if not words:
        return default
    table = _stopword_table()
    scores = dict.fromkeys((v.code for v in all_vocabularies()), 0)
    for w in words:
        for code in table.get(w, ()):
            scores[code] += 1
    best = max(scores, key=lambda k: (scores[k], k == default))
    return best if scores[best] > 0 else default


@cache
def _stopword_table() -> dict[str, tuple[str, ...]]:
    """word -> languages listing it (one dict lookup per word instead of one set per language)."""
    table: dict[str, list[str]] = {}
    for v in all_vocabularies():
        for w in v.stopwords:
            table.setdefault(w, []).append(v.code)
    return {w: tuple(c) for w, c in table.items()}
