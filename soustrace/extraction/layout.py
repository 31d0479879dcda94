"""Line-level layout of a disclosure: headings and their sections, "Label : value" lines, table rows.

Why layout matters: legal notices rarely say "X hosts the site" in a sentence. They write a heading
("Hébergement", "Web host", "2. Hébergeur") followed by a name and an address, or a label line
("Hébergeur : OVH SAS"), or a GDPR table of sub-processors. The meaning of a provider name there comes
from where it sits, and the same layout also tells what is *not* a host (the "Créateur" block after the
host block, the "Éditeur" block, a "Nom de domaine" block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soustrace.catalog import strip_accents
from soustrace.extraction import languages
from soustrace.extraction.cues import word_label

# Section vocabulary, tested on accent-stripped, case-folded heading text.
SECTION_VOCAB: list[tuple[str, re.Pattern[str]]] = [
    ("registrar", re.compile(r"^(?:noms? de domaine|domain names?|registrar|bureau d.enregistrement|dns)\b")),
    (
        "processors",
        re.compile(
            r"(?:sous[- ]?traitan|sub[- ]?processor|subprocessor|sub[- ]?contractor|destinataires|recipients|"
            r"prestataires|third[- ]part|processors\b|tiers\b|auftragsverarbeiter|empfaenger)"
        ),
    ),
    (
        "hosting",
        re.compile(
            r"^(?:(?:nom de l.)?hebergeu?r|hebergement|host(?:ing)?\b|web ?host|site host|hoster|webhosting|"
            r"infrastructure|serveurs?\b|servers?\b|data hosting|server location|"
            + languages.host_label_pattern()
            + ")"
        ),
    ),
    (
        "editor",
        re.compile(
            r"^(?:editeur|edition|edite par|publisher|published by|editor|proprietaire|owner|site owner|"
            r"identite|identification|informations? (?:legales|sur l.editeur)|presentation|impressum|"
            r"anbieter|verantwortlich)"
        ),
    ),
    (
        "creator",
        re.compile(
            r"^(?:createur|creation(?:\s*(?:du site|et|graphique|/|:)|\s*$)|conception|realisation|developpe|"
            r"developpement|developpeur|design|"
            r"webmaster|credits?|developer|agence|made by|site (?:realise|concu|cree))"
        ),
    ),
    (
        "other",
        re.compile(
            r"^(?:contact|directeu?r|direction|responsable|propriete|cookies?|donnees|mentions|legal|liens|"
            r"responsabilit|loi|conditions|privacy|confidentialit|droits?|rgpd|gdpr|photos?|accessibilit|"
            r"signalement|mediat|assurance|capital|siege|activite|objet|acces|definitions?|article|"
            r"terms|cgu|cgv|copyright|litiges?|juridiction|purpose|finalit|duree|securit|modification|"
            r"reglement|publication|hebergement des donnees de sante)"
        ),
    ),
]
HOSTING_ANYWHERE = re.compile(r"\b(?:hebergement|hebergeur|hosting|hoster|webhost)\b")

_MARKUP = re.compile(
    r"^[\s>#*_•·\-–—+|`\"']*(?:\[[ xX]?\]\s*)?(?:(?:\d+|[IVX]+|[a-z])[.)](?:\d+[.)]?)*\s+)?"
    r"(?:article\s+\d+\s*[-–:.]?\s*)?[*_`\"']*",
    re.I,
)
_LABEL = re.compile(r"^(?P<label>[^:=\n|]{2,60}?)\s*(?:\*\*)?\s*(?P<sep>:(?!//)|=|：)\s*(?:\*\*)?\s*(?P<value>.*)$")

LABEL_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("registrar", re.compile(r"(?:nom de domaine|domain|registrar|bureau d.enregistrement|whois)")),
    ("email", re.compile(r"(?:messagerie|e-?mail|courriel|mail\b|newsletter|smtp|emailing|routage)")),
    (
        "creator",
        re.compile(r"(?:createur|creation|conception|realis|developp|developer|design|webmaster|agence|credit)"),
    ),
    ("editor", re.compile(r"(?:editeur|edite|publisher|proprietaire|directeu?r|responsable|owner)")),
    (
        "host",
        re.compile(
            r"(?:heberge|hebergeu?r|hebergement|\bhost|hoster|web ?host|serveur|server|"
            r"backend|back-end|front-?end(?!\s*(?:dev|design|engineer|lead))|\bapi\b|infrastructure|iaas|paas|deploiement|deployment)"
        ),
    ),
    (
        "data-storage",
        re.compile(
            r"(?:base(?:s)? de donnees|database|\bbdd\b|\bdb\b|stockage|storage|stocke|stored|"
            r"backups?|sauvegardes?|fichiers|"
            # de / es / it / nl / ro
            r"datenbank|datenspeicher|speicherung|base de datos|almacenamiento|archiviazione|opslag|stocare|"
            r"baza de date)"
        ),
    ),
    ("cdn", re.compile(r"(?:\bcdn\b|proxy|\bwaf\b|content delivery|diffusion|\bdns\b)")),
    # the component must head the label ("Site web : X", "Application : X"), not sit in it ("Suivi de l'usage du site")
    (
        "host-component",
        re.compile(r"^(?:(?:le|la|l.|the|notre|our)\s*)?(?:frontend|front-end|front\b|application|app\b|site)"),
    ),
]


@dataclass(slots=True)
class Line:
    """One physical line: char span, the text without leading markup, and what it looks like."""

    start: int
    end: int
    text: str
    core: str
    core_start: int
    kind: str = "text"  # blank | heading | label | table | text
    section: str | None = None  # for headings: hosting / processors / editor / creator / registrar / other
    label_role: str | None = None
    value_start: int | None = None
    cells: list[tuple[int, int]] = field(default_factory=list)
    checkbox_open: bool = False
    announces: str | None = None  # a hosting sentence ending with ':' -> the role its value (next line) takes


def _fold(s: str) -> str:
    return strip_accents(s).casefold()


def classify_section(core: str, markup_heading: bool) -> str | None:
    """Section type for a heading text; markdown/numbered headings may carry the cue anywhere."""
    folded = _fold(core).strip(" :*_#")
    for name, rx in SECTION_VOCAB:
        if rx.search(folded):
            if (
                name == "other"
                and HOSTING_ANYWHERE.search(folded)
                and not _OPTION_LABEL.search(folded)
                and not folded.startswith("hebergement des donnees de sante")  # the HDS law, not a host
            ):
                return "hosting"  # "Données et hébergement", "Sécurité & hébergement"
            return name
    if markup_heading and HOSTING_ANYWHERE.search(folded):
        return "hosting"
    if markup_heading and label_role(folded) in {"data-storage", "cdn"} and len(folded.split()) <= 5:
        return "hosting"  # "### Base de données", "## CDN": a component heading, its provider below
    return "other" if markup_heading else None


_BOLD_ONLY = re.compile(r"^\s*\*\*[^*]+\*\*\s*$")


def _is_heading(core: str, raw: str) -> tuple[bool, bool]:
    words = core.split()
    markup = bool(re.match(r"^\s*(?:#{1,6}\s|\*\*[^*]+\*\*\s*:?\s*$|(?:\d+[.)])+\s|[IVX]+[.)]\s)", raw))
    if not words or len(words) > 9:
        return False, markup
    if core.rstrip().endswith((".", ";", ",")) and not re.search(r"\b(?:inc|ltd|co)\.$", core, re.I):
        return False, markup
    return True, markup


def analyse(text: str) -> list[Line]:
    """Split `text` into `Line`s and tag headings (with their section type), label lines and table rows."""
    lines: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        m = _MARKUP.match(raw)
        core_off = m.end() if m else 0
        core = raw[core_off:].strip().strip("*_`").strip()
        core_start = start + core_off + (len(raw[core_off:]) - len(raw[core_off:].lstrip()))
        line = Line(start, end, raw, core, core_start)
        line.checkbox_open = bool(re.match(r"^\s*[-*]?\s*\[ \]", raw))
        if not core:
            line.kind = "blank"
        elif raw.lstrip().startswith("|") or raw.count("|") >= 3:
            line.kind = "table"
            line.cells = _cells(raw, start)
        else:
            lab = _LABEL.match(core)
            if lab and len(lab.group("label").split()) <= 7 and not lab.group("label").strip().startswith("http"):
                value = lab.group("value").strip().strip('",*').strip()
                role = label_role(lab.group("label"))
                if value:
                    line.kind = "label"
                    line.label_role = role
                    line.value_start = (
                        core_start
                        + lab.start("value")
                        + (len(lab.group("value")) - len(lab.group("value").lstrip(' "*')))
                    )
                else:
                    heading, markup = _is_heading(lab.group("label"), raw)
                    line.kind = "heading"
                    line.section = classify_section(lab.group("label"), True) or "other"
                    if line.section != "hosting" and _announces_value(core):
                        line.announces = announced_role(core)  # "Le site est hébergé par :"
            if line.kind == "text":
                heading, markup = _is_heading(core, raw)
                section = classify_section(core, markup) if heading else None
                if section == "other" and _BOLD_ONLY.match(raw) and classify_section(core, False) is None:
                    section = None  # "**OVHcloud**" under "## Hébergement" is the host's name, not a new section
                if section:
                    line.kind, line.section = "heading", section
                elif _announces_processors(core):
                    # "Nous faisons appel aux sous-traitants suivants :" then a list of providers
                    line.kind, line.section = "heading", "processors"
                elif _announces_value(core):
                    # "Le présent site est hébergé sur les serveurs de la société :" then the name below
                    line.announces = announced_role(core)
        lines.append(line)
    return lines


_WORDS = re.compile(r"[\w'’-]+")


_LIST_ANNOUNCE = re.compile(
    r"\b(?:suivante?s|following|below|ci-dessous|sous-?traitants|prestataires|fournisseurs|processors|"
    r"sub-?processors|providers|partenaires|partners|tiers|third[- ]part\w*|services|outils|tools|"
    r"folgende\w*|siguientes|seguenti|volgende|urmatori\w*)\b"
)


_PROCESSOR_WORDS = re.compile(
    r"(?:sous[- ]?traitan|sub[- ]?processor|subprocessor|auftragsverarbeiter|subencargad|sub-?responsabil|"
    r"subverwerker|persoane imputernicite)"
)


def _announces_processors(core: str) -> bool:
    """A sentence ending with ':' that announces the sub-processor list below it (no heading above it)."""
    stripped = core.rstrip(" *_")
    return (
        stripped.endswith((":", "："))
        and len(stripped) <= 300
        and bool(_PROCESSOR_WORDS.search(_fold(stripped)))
        and not label_is_options(stripped)
    )


def _announces_value(core: str) -> bool:
    """A sentence ending with a colon whose words hold a hosting verb or noun: its value is on the lines below.

    Option and advice sentences ("Nous avons comparé les hébergeurs suivants :") announce a list, not a host.
    """
    stripped = core.rstrip(" *_")
    if not stripped.endswith((":", "：")) or len(stripped) > 200 or label_is_options(stripped):
        return False
    if _LIST_ANNOUNCE.search(_fold(stripped)):
        return False  # "... les sous-traitants suivants hébergeant vos données :" announces a list
    return any(word_label(w.casefold()) in {"HOST_VERB", "STORE_VERB", "HOST_NOUN"} for w in _WORDS.findall(stripped))


_STORAGE_OBJECT = re.compile(
    r"\b(?:bases? de donnees|database|bdd|backups?|sauvegardes?|stockage|storage|fichiers|files|"
    r"datenbank|objets?|object)\b"
)


def announced_role(core: str) -> str:
    """Role of the value a colon sentence announces: data-storage only for a storage object named apart.

    "Vos données sont hébergées chez :" names the site's host (the samples' convention: data-storage is
    a database, object storage or backups stated separately from the site host).
    """
    role = label_role(core.rstrip(" :*_"))
    if role == "data-storage" and not _STORAGE_OBJECT.search(_fold(core)):
        return "host"
    return role if role in {"host", "data-storage", "cdn"} else "host"


_OPTION_LABEL = re.compile(
    r"\b(?:hebergeurs|hosts|hosting providers|comparatif|comparaison|liste|meilleurs|top|"
    r"alternatives?|exemples?|examples?|options?|selon|depending|je nach|segun|a seconda|"
    r"privilegier|preferer|choisir|recommande\w*|conseille\w*|prefer|choose|opter|favour|favor)\b"
)


def label_is_options(label: str) -> bool:
    """A label announcing options, a comparison or advice ("selon hébergeur", "Privilégier un hébergeur")."""
    return bool(_OPTION_LABEL.search(_fold(label)))


def label_role(label: str) -> str | None:
    """Role named by a label ('Nom de l'hébergeur' -> host, 'Base de données' -> data-storage...).

    Plural or comparative labels ("Comparatif des hébergeurs", "Hosting providers") announce a list of
    options, not this site's host: no role.
    """
    folded = _fold(label)
    if _OPTION_LABEL.search(folded):
        return None
    # "Backend & base de données" serves the application: host; plain "Base de données": data-storage;
    # "Hébergement des données (de santé)": data-storage; "Hébergeur et registrar : OVH": still hosting.
    if (
        re.search(r"(?:hebergeu?r|hebergement|\bhost|hoster|gazduir)", folded)
        and re.search(r"\b(?:donnees|data|bases?|backups?|sauvegardes?|fichiers)\b", folded)
        and not re.search(r"\b(?:site|application|backend|app)\b", folded)
    ):
        return "data-storage"
    if re.search(
        r"(?:backend|back-end|front-?end(?!\s*(?:dev|design|engineer|lead))|\bapi\b|serveur|server|hebergeu?r|hebergement|\bhost|hoster|"
        r"gazduir|\bcloud\b|" + languages.host_label_pattern() + ")",
        folded,
    ):
        return "host"
    for role, rx in LABEL_ROLES:
        if rx.search(folded):
            return role
    return None


def _cells(raw: str, offset: int) -> list[tuple[int, int]]:
    cells = []
    pos = 0
    parts = raw.split("|")
    for i, part in enumerate(parts):
        s, e = pos, pos + len(part)
        pos = e + 1
        if (i == 0 or i == len(parts) - 1) and not part.strip():
            continue
        lead = len(part) - len(part.lstrip())
        cells.append((offset + s + lead, offset + s + len(part.rstrip())))
    return cells


def sections(lines: list[Line]) -> list[tuple[str | None, int | None]]:
    """For each line, (type of the section it sits in, index of that heading) — None before any heading."""
    out: list[tuple[str | None, int | None]] = []
    current: tuple[str | None, int | None] = (None, None)
    for i, line in enumerate(lines):
        if line.kind == "heading":
            current = (line.section, i)
            out.append(current)
            continue
        out.append(current)
    return out
