"""Spanish basics: alojado / alojamiento / proveedor de alojamiento, prepositions por, en, con."""

from soustrace.extraction.languages import Vocabulary

VOCAB = Vocabulary(
    code="es",
    or_words=frozenset(["o", "u"]),  # alternatives: "A o B" is an option, not a statement
    name_end_words=frozenset(
        ["hasta", "desde", "en", "durante", "para", "antes", "entre"]
    ),  # a place or time after a name ends it
    stopwords=frozenset(
        [
            "el",
            "los",
            "las",
            "del",
            "y",
            "por",
            "para",
            "con",
            "una",
            "es",
            "está",
            "están",
            "nuestro",
            "nuestra",
            "sitio",
            "datos",
            "servidor",
            "servidores",
            "alojado",
            "alojada",
            "alojamiento",
            "proveedor",
        ]
    ),
    host_verbs=frozenset(
        ["alojado", "alojada", "alojados", "alojadas", "aloja", "alojan", "hospedado", "hospedada", "hospeda"]
    )
    # recall (x13r): more forms
    | frozenset(["alojamos", "alojar", "hospedados", "hospedadas"]),
    store_verbs=frozenset(["almacenados", "almacenadas", "almacenado", "almacenada", "almacena"])
    # recall (x13r): more forms
    | frozenset(["almacenan", "almacenamos", "almacenar", "guardados", "guardadas", "conservados", "conservadas"]),
    host_nouns=frozenset(["alojamiento", "hospedaje"]),
    nonhost_verbs=frozenset(["desarrollado", "desarrollada", "diseñado", "diseñada", "creado", "creada"]),
    preps=frozenset(["por", "en", "con", "via"]),
    name_preps=frozenset(["por"]),
    host_labels=(r"alojamiento", r"proveedor de alojamiento", r"hospedaje", r"alojado por"),
    builders=(r"\b(?:desarrollado|dise[ñn]ado|creado)\s+por\b", r"\bdise[ñn]o\s+y\s+desarrollo\b"),
    prefixes=("aloja", "hosped", "almacena"),
    # status cues (decisions, x13p)
    past_aux=frozenset(["fue", "fueron", "era", "eran", "estaba", "estaban", "estuvo"]),
    planned_aux=frozenset(["será", "serán", "sería", "serían", "estará", "estarán"]),
    past_cues=(r"\b(?:anteriormente|antiguamente|hasta 20\d\d)\b",),
    planned_cues=(r"\b(?:previsto|prevista|planeado|planeada|migraremos|vamos a migrar|en el futuro)\b",),
    negation_cues=(r"\bno (?:esta|estan|es|son|se|lo|la)\b", r"\bningun\w*\b"),
    option_cues=(r"\b(?:por ejemplo|p\. ?ej|puedes|puede ser|pueden ser|podria|podrias|recomendamos|te recomiendo)\b",),
)
