"""German basics: hosting verbs, labels (Hosting-Anbieter, Webhosting), prepositions (bei, von, auf)."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="de",
    or_words=frozenset(["oder"]),  # alternatives: "A oder B" is an option, not a statement
    name_end_words=frozenset(
        ["bis", "seit", "in", "im", "für", "fur", "während", "vor", "nach", "ab"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
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
    host_verbs=frozenset(["gehostet", "gehosted", "hostet", "beherbergt", "betrieben"]),
    store_verbs=frozenset(["gespeichert", "speichert", "gesichert"])
    # recall (x13r): more forms
    | frozenset(["abgelegt", "speichern", "gespeicherten"]),
    host_nouns=frozenset(
        ["hosting-anbieter", "hostinganbieter", "webhoster", "hoster", "webhosting", "hostingdienstleister"]
    ),
    nonhost_verbs=frozenset(["entwickelt", "erstellt", "gestaltet", "programmiert"]),
    preps=frozenset(["bei", "von", "auf", "über"]),
    name_preps=frozenset(["bei", "von"]),
    host_labels=(r"hosting-?anbieter", r"webhosting", r"hoster", r"hostingdienstleister"),
    builders=(r"\b(?:umsetzung|webdesign|gestaltung|realisierung|programmierung)\s*(?:und\s+\w+\s*)?(?::|von)",),
    prefixes=("gehost", "hosting-anbieter", "webhoster"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["war", "waren", "wurde", "wurden"]),
    planned_aux=frozenset(["würde", "würden"]),
    past_cues=(r"\b(?:bisher|ehemals|fruher|frueher|vormals|zuvor|bis (?:zum|20\d\d))\b",),
    planned_cues=(r"\b(?:geplant|kunftig|kuenftig|zukunftig|demnachst|gehostet werden|umziehen)\b",),
    negation_cues=(r"\b(?:nicht|kein\w*)\b",),
    option_cues=(
        r"\b(?:zum beispiel|beispielsweise|z\.b|etwa bei|konnen|kann (?:\w+ ){0,4}werden|empfehlen|alternativ)\b",
    ),
)
