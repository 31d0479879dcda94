"""Romanian basics: găzduit (de / la), găzduire, prepositions de, la, în, prin, pe."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="ro",
    or_words=frozenset(["sau"]),  # alternatives: "A sau B" is an option, not a statement
    name_end_words=frozenset(
        ["până", "pana", "din", "în", "in", "pentru", "timp"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
        ["și", "este", "sunt", "pentru", "cu", "din", "care", "sau", "al", "ale", "unei", "unui", "datele", "găzduit"]
    ),
    host_verbs=frozenset(["găzduit", "găzduită", "găzduite", "găzduiește", "gazduit", "gazduita"]),
    store_verbs=frozenset(["stocate", "stocat", "păstrate"])
    # recall (x13r): more forms
    | frozenset(["stocată", "stocați", "păstrat", "păstrată", "stocăm"]),
    host_nouns=frozenset(["găzduire", "găzduirea", "gazduire"]),
    nonhost_verbs=frozenset(["dezvoltat", "realizat", "creat"]),
    preps=frozenset(["de", "la", "în", "prin", "pe"]),
    name_preps=frozenset(["de", "la"]),
    host_labels=(r"gazduir", r"furnizor de gazduire"),
    builders=(r"\b(?:realizat|dezvoltat|creat)\s+de\b",),
    prefixes=("găzdu", "gazdu"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["fost"]),
    planned_aux=frozenset(["va", "vor"]),
    past_cues=(r"\b(?:anterior|pana in 20\d\d)\b",),
    planned_cues=(r"\b(?:planificat|planificata|urmeaza sa|in viitor)\b",),
    negation_cues=(r"\bnu (?:este|sunt|e)\b",),
    option_cues=(r"\b(?:de exemplu|poate fi|pot fi|puteti|recomandam|cum ar fi)\b",),
)
