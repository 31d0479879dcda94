"""English: first-class (inflections in the `cues.py` regexes; exact forms and phrases here)."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="en",
    or_words=frozenset(["or"]),  # alternatives: "A or B" is an option, not a statement
    name_end_words=frozenset(
        ["until", "till", "since", "from", "in", "at", "on", "for", "during", "before", "after", "between", "within"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
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
    host_verbs=frozenset(["hosted", "hosts", "hosting-by"]),
    store_verbs=frozenset(["stored", "store", "kept"])
    # recall (x13r): more forms
    | frozenset(["stores", "storing", "saved"]),
    host_nouns=frozenset(["hosting", "host", "hoster", "webhost", "web-host"]),
    nonhost_verbs=frozenset(["designed", "developed", "built", "made", "created"]),
    preps=frozenset(["by", "on", "with", "at", "in", "via"]),
    name_preps=frozenset(["by", "with"]),
    host_labels=(r"web ?host", r"website host", r"site host", r"hosting provider", r"hosted by", r"hosting"),
    builders=(
        r"\b(?:website|site)?\s*(?:designed|developed|built|made|created|crafted)\s+(?:and\s+\w+\s+)?by\b",
        r"\bdesign\s*(?:&|and|/)\s*development(?:\s+by)?\b",
        r"\bweb\s*design(?:\s+by)?\s*:",
        r"\bwebmaster\b",
    ),
    prefixes=("host",),
    # status cues (decisions, x13p)
    past_aux=frozenset(["was", "were", "used"]),
    planned_aux=frozenset(["will", "would", "shall", "could", "might"]),  # hypotheticals are no statement
)
