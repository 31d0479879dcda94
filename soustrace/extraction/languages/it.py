"""Italian basics: ospitato / hosting / fornitore, prepositions da, presso, su."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="it",
    or_words=frozenset(["o", "oppure"]),  # alternatives: "A o B" is an option, not a statement
    name_end_words=frozenset(
        ["fino", "dal", "dalla", "in", "per", "durante", "prima", "tra"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
        [
            "il",
            "gli",
            "della",
            "delle",
            "dei",
            "di",
            "è",
            "sono",
            "per",
            "con",
            "sul",
            "nel",
            "nella",
            "questo",
            "questa",
            "nostro",
            "nostri",
            "sito",
            "dati",
            "fornitore",
            "ospitato",
            "ospitati",
        ]
    ),
    host_verbs=frozenset(["ospitato", "ospitata", "ospitati", "ospitate", "ospita", "ospitano"])
    # recall (x13r): more forms
    | frozenset(["ospitiamo", "ospitare"]),
    store_verbs=frozenset(["conservati", "conservate", "memorizzati", "memorizzate", "archiviati"])
    # recall (x13r): more forms
    | frozenset(["conservato", "conservata", "memorizzato", "memorizzata", "archiviate", "salvati", "salvate"]),
    host_nouns=frozenset(["hosting"]),
    nonhost_verbs=frozenset(["sviluppato", "sviluppata", "realizzato", "realizzata", "progettato"]),
    preps=frozenset(["da", "presso", "su"]),
    name_preps=frozenset(["da", "presso"]),
    host_labels=(r"fornitore (?:di|del) (?:servizio di )?hosting", r"ospitato da", r"hosting provider"),
    builders=(r"\b(?:realizzato|sviluppato|progettato)\s+da\b", r"\brealizzazione\s*:"),
    prefixes=("ospit", "memorizza"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["era", "erano", "fu", "furono"]),
    planned_aux=frozenset(["sarà", "saranno", "sarebbe", "sarebbero"]),
    past_cues=(r"\b(?:in precedenza|precedentemente|fino al 20\d\d|un tempo)\b",),
    planned_cues=(r"\b(?:previsto|prevista|pianificato|pianificata|migreremo|in futuro)\b",),
    negation_cues=(r"\bnon (?:e|sono|viene|vengono|ospita\w*)\b", r"\bnessun\w*\b"),
    option_cues=(r"\b(?:per esempio|ad esempio|ad es|puoi|puo essere|possono essere|potrebbe|consigliamo)\b",),
)
