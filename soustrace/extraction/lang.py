"""Deterministic, dependency-free language guess for the extractor (fr / en / de / ro / xx).

Why not langdetect: it is probabilistic (needs a seed) and slow on the short label-style texts of legal
notices ("Hébergeur : OVH"). Counting frequent function words is enough to pick the spaCy pipeline, and
a wrong guess only costs the statistical tense analysis, never a relation (the rules are multilingual).
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "de",
            "un",
            "une",
            "est",
            "et",
            "en",
            "au",
            "aux",
            "par",
            "pour",
            "sur",
            "dans",
            "chez",
            "avec",
            "ce",
            "cette",
            "ces",
            "son",
            "sa",
            "ses",
            "nous",
            "vous",
            "il",
            "elle",
            "sont",
            "été",
            "être",
            "qui",
            "que",
            "qu",
            "ne",
            "pas",
            "site",
            "hébergé",
            "hébergeur",
            "hébergement",
            "société",
            "siège",
            "données",
            "sous",
            "numéro",
            "adresse",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "is",
            "are",
            "was",
            "were",
            "by",
            "for",
            "on",
            "with",
            "at",
            "this",
            "that",
            "these",
            "our",
            "your",
            "we",
            "you",
            "it",
            "its",
            "be",
            "been",
            "from",
            "which",
            "website",
            "hosted",
            "hosting",
            "provider",
            "data",
            "company",
            "registered",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "sind",
            "wird",
            "werden",
            "bei",
            "mit",
            "von",
            "für",
            "auf",
            "den",
            "dem",
            "des",
            "ein",
            "eine",
            "einer",
            "wir",
            "unsere",
            "nicht",
            "daten",
            "anbieter",
            "gespeichert",
        ]
    ),
    "ro": frozenset(
        ["și", "este", "sunt", "pentru", "cu", "din", "care", "sau", "al", "ale", "unei", "unui", "datele", "găzduit"]
    ),
}
_WORD = re.compile(r"[a-zà-ÿăâîșțß]+", re.I)


def detect_language(text: str, default: str = "fr") -> str:
    """Best language code by function-word hits over the first 3,000 characters; `default` on a tie at 0.

    French is the default because the product reads French procurement and French legal notices.
    """
    words = [w.casefold() for w in _WORD.findall(text[:3000])]
    if not words:
        return default
    scores = {lang: sum(1 for w in words if w in sw) for lang, sw in _STOPWORDS.items()}
    best = max(scores, key=lambda k: (scores[k], k == default))
    return best if scores[best] > 0 else default
