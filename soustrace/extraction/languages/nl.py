"""Dutch basics: gehost (door/bij), hostingpartij / hostingprovider, prepositions door, bij, op."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="nl",
    or_words=frozenset(["of"]),  # alternatives: "A of B" is an option, not a statement
    name_end_words=frozenset(
        ["tot", "sinds", "in", "voor", "tijdens", "vanaf", "na"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
        [
            "het",
            "een",
            "van",
            "en",
            "is",
            "zijn",
            "wordt",
            "worden",
            "bij",
            "door",
            "voor",
            "met",
            "op",
            "onze",
            "gegevens",
            "website",
            "gehost",
        ]
    ),
    host_verbs=frozenset(["gehost", "gehuisvest"]),
    store_verbs=frozenset(["opgeslagen", "bewaard"])
    # recall (x13r): more forms
    | frozenset(["opslaan", "bewaren"]),
    host_nouns=frozenset(["hostingpartij", "hostingprovider", "webhosting", "hosting"]),
    nonhost_verbs=frozenset(["ontwikkeld", "ontworpen", "gebouwd", "gemaakt"]),
    preps=frozenset(["door", "bij", "op"]),
    name_preps=frozenset(["door", "bij"]),
    host_labels=(r"hostingpartij", r"hostingprovider", r"gehost door"),
    builders=(r"\b(?:ontwikkeld|ontworpen|gebouwd|gemaakt)\s+door\b",),
    prefixes=("gehost", "hostingpartij", "opgeslagen"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["werd", "was", "waren"]),
    planned_aux=frozenset(["zal", "zullen", "zou", "zouden"]),
    past_cues=(r"\b(?:voorheen|vroeger|tot 20\d\d)\b",),
    planned_cues=(r"\b(?:gepland|binnenkort|in de toekomst)\b",),
    negation_cues=(r"\b(?:niet|geen)\b",),
    option_cues=(r"\b(?:bijvoorbeeld|bv|je kunt|u kunt|kan worden|kunnen worden|zou kunnen|aanraden|zoals)\b",),
)
