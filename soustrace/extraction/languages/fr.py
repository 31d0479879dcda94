"""French: first-class (the regexes of `cues.py` / `layout.py` carry its inflections; exact forms here)."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="fr",
    or_words=frozenset(["ou"]),  # alternatives: "A ou B" is an option, not a statement
    name_end_words=frozenset(
        [
            "jusqu'en",
            "jusqu'à",
            "jusqu'au",
            "depuis",
            "en",
            "à",
            "dans",
            "pour",
            "pendant",
            "avant",
            "après",
            "au",
            "aux",
            "entre",
            "sur",
        ]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
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
    # "les serveurs qui abritent le site": abriter (to house) is a hosting verb
    host_verbs=frozenset(["hébergé", "hébergée", "hébergés", "hébergées", "héberge", "hébergent", "hébergeons"])
    | frozenset(["abrite", "abritent", "abrité", "abritée", "abrités", "abritées"]),
    store_verbs=frozenset(["stocké", "stockée", "stockés", "stockées", "conservé", "conservées"])
    # recall (x13r): more forms
    | frozenset(["stocker", "conserver", "sauvegarder", "sauvegardées", "sauvegardés", "stockons"]),
    host_nouns=frozenset(["hébergement", "hébergeur", "hébergeurs"]),
    nonhost_verbs=frozenset(["réalisé", "réalisée", "conçu", "conçue", "développé", "développée", "créé", "créée"]),
    preps=frozenset(["par", "chez", "sur", "dans", "auprès", "aupres", "via"]),
    name_preps=frozenset(["par", "chez", "auprès", "aupres"]),
    host_labels=(r"hebergeu?r", r"hebergement", r"nom de l.hebergeur", r"prestataire d.hebergement"),
    builders=(
        r"\b(?:site\s+)?(?:r[ée]alis[ée]e?|con[çc]ue?|d[ée]velopp[ée]e?|cr[ée][ée]e?|design[ée]e?)\s+"
        r"(?:et\s+\w+\s+)?par\b",
        r"\bconception\s*(?:et|&|/)\s*r[ée]alisation\b",
        r"\b(?:conception|r[ée]alisation|cr[ée]ation|d[ée]veloppement)\s+(?:du|de ce)\s+site\b",
        r"\bwebmaster\b",
        r"\bcr[ée]ation\s+graphique\b",
        r"\bagence\s+web\b\s*:",
    ),
    prefixes=("héberg", "heberg"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["était", "étaient", "fut", "furent"]),
    planned_aux=frozenset(["sera", "seront", "serait", "seraient"]),
)
