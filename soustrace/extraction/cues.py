"""Cue vocabulary for hosting frames, as spaCy Matcher patterns plus a few folded-text regexes.

Why a Matcher: cue words are matched on tokens (so "host" never fires inside "ghost", "AWS" never inside
"laws") and each match carries a label that the linking rules (`rules.py`) read as "what kind of frame
starts here". All patterns are multilingual (fr / en / de / ro) and accent-tolerant.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from soustrace.extraction import languages

HOST_VERB = (
    r"^(?:h[ée]berg(?:e|é|ée|és|ées|ent|eait|eaient|eant|er|era|erait|eront|eraient|eons|ez|ée?s?)|"
    r"hosted|hosts|gehostet|gehosted|hosten|hostet|g[ăa]zduit[ăae]?|g[ăa]zduie[sș]te|"
    r"d[ée]ploy[ée]e?s?|deployed|tourne|tournent|runs|"
    r"herberg[te]n?|beherbergt)$"
)
STORE_VERB = (
    r"^(?:stock[ée]e?s?|stockent|stocke|stockons|conserv[ée]e?s?|sauvegard[ée]e?s?|stored|store|"
    r"kept|gespeichert|speichern|archiv[ée]e?s?|r[ée]pliqu[ée]e?s?|replicated)$"
)
HOST_NOUN = r"^(?:h[ée]bergement|hosting|webhosting|h[ée]bergeurs?|hoster|webhoster|hosting-anbieter|host)$"
SERVERS = (
    r"^(?:serveurs?|servers?|datacenters?|data-?centers?|clusters?|infrastructures?|rechenzentren|"
    r"centres?|cloud|nuage)$"
)
NONHOST_VERB = (
    r"^(?:r[ée]alis[ée]e?s?|con[çc]ue?s?|d[ée]velopp[ée]e?s?|cr[ée][ée]e?s?|propuls[ée]e?s?|"
    r"[ée]dit[ée]e?s?|designed|developed|created|built|made|powered|published|maintenu|maintained|"
    r"enregistr[ée]e?s?|d[ée]pos[ée]e?s?|achet[ée]e?s?|registered|purchased|entwickelt|erstellt|"
    r"gestaltet|r[ée]dig[ée]e?s?|[ée]crit|written|financ[ée]e?s?|fund[ée]d|incub[ée]e?s?|"
    r"accompagn[ée]e?s?|soutenu|sponsoris[ée]e?s?|pilot[ée]e?s?)$"
)
CDN_WORD = r"^(?:cdn|cdns|waf|anti-ddos|ddos|reverse-proxy|proxy)$"
CDN_VERB = r"^(?:prot[ée]g[ée]e?s?|protected|proxied|proxifi[ée]e?s?|cach[ée]e?s?|distribu[ée]e?s?|delivered)$"
PREPS = frozenset(
    [
        "par",
        "chez",
        "sur",
        "dans",
        "auprès",
        "aupres",
        "by",
        "on",
        "with",
        "at",
        "in",
        "bei",
        "von",
        "über",
        "pe",
        "via",
    ]
)


@lru_cache(maxsize=16)
def preps_for(lang: str) -> frozenset[str]:
    """Prepositions of the verbal frame: the shared ones plus the language's own (`languages/<lang>.py`)."""
    return PREPS | languages.preps(lang)


SERVERS_OF = frozenset(["de", "d'", "d’", "du", "des", "of", "von", "der"])
FRAME_LABELS = ("HOST_VERB", "STORE_VERB", "HOST_NOUN", "SERVERS", "NONHOST_VERB", "CDN_WORD", "CDN_VERB")


_SINGLE = [
    (label, re.compile(rx))
    for label, rx in [
        ("HOST_VERB", HOST_VERB),
        ("STORE_VERB", STORE_VERB),
        ("HOST_NOUN", HOST_NOUN),
        ("SERVERS", SERVERS),
        ("NONHOST_VERB", NONHOST_VERB),
        ("CDN_WORD", CDN_WORD),
        ("CDN_VERB", CDN_VERB),
    ]
]


@lru_cache(maxsize=65536)
def word_label(lower: str) -> str | None:
    """Cue label of one lower-cased word (cached: a page repeats the same few hundred words)."""
    for label, rx in _SINGLE:
        if rx.match(lower):
            return label
    return languages.word_labels().get(lower)  # exact forms from the per-language vocabularies


@lru_cache(maxsize=8)
def _matcher(vocab_id: int, nlp: Language) -> Matcher:
    """Multi-token frames; single-word cues go through `word_label` (a cached dict lookup per word).

    Why not REGEX predicates in the Matcher: they are re-evaluated on every token of every document and
    were half the cost of a legal-notice page; the word cache gives the same labels for a fraction.
    """
    matcher = Matcher(nlp.vocab)
    matcher.add(
        "HOST_NOUN",
        [
            [{"LOWER": {"IN": ["provide", "provides"]}}, {"LOWER": "hosting"}],
            [
                {"LOWER": {"IN": ["nom", "name"]}},
                {"LOWER": {"IN": ["de", "of"]}},
                {"LOWER": {"IN": ["l'", "l’", "the"]}},
                {"LOWER": {"IN": ["hébergeur", "hebergeur", "host"]}},
            ],
        ],
    )
    matcher.add(
        "CDN_WORD",
        [
            [
                {"LOWER": {"IN": ["content", "contenu"]}},
                {"LOWER": {"IN": ["delivery", "distribution"]}},
                {"LOWER": {"IN": ["network", "networks"]}},
            ],
            [{"LOWER": {"IN": ["diffusion", "distribution"]}}, {"LOWER": "et"}, {"LOWER": "protection"}],
            # "content delivery is provided by X": delivery in front of the site, not its hosting
            [{"LOWER": {"IN": ["content", "contenu"]}}, {"LOWER": {"IN": ["delivery", "distribution"]}}],
        ],
    )
    return matcher


def frame_cues(doc: Doc, nlp: Language) -> dict[int, str]:
    """token index -> frame label for every cue token of the document (multi-token frames first)."""
    out: dict[int, str] = {}
    for match_id, start, end in _matcher(id(nlp.vocab), nlp)(doc):
        label = doc.vocab.strings[match_id]
        for i in range(start, end):
            out.setdefault(i, label)
    strings = doc.vocab.strings
    for i, h in enumerate(doc.to_array("LOWER").tolist()):
        if i not in out:
            label = word_label(strings[h])
            if label:
                out[i] = label
    return out


# ---------------------------------------------------------------- folded-text cue regexes
OPTION_SENT = re.compile(
    r"\b(?:vous pouvez|vous pourrez|vous pourriez|pouvez|si vous|you can|you could|you may|if you|au choix|"
    r"alternativ\w*|instead of|rather than|plutot que|au lieu de|versus|recommand\w*|conseill\w*|tutori\w*|"
    r"comparati\w*|comparaison|meilleurs hebergeurs|best hosting|top \d+|choisisse[zr]|choose|"
    r"exemples? de|pourrait|could be hosted|peut etre heberge|consider|envisager de|au cas ou|in case|"
    r"if (?:the|it|your|our) (?:site|website|data|were|was)|s(?:i|') ?(?:le site|les donnees|il etait|elle etait)|"
    # advice and comparisons (decisions): "privilégier", "we suggest", "compared to", "cheaper than"
    r"privilegi\w*|preferez|preferer|suggere\w*|suggest\w*|opte[rz]? pour|optez|should (?:use|host|choose)|"
    r"devrie[zt]|il faudrait|pensez a|compared (?:to|with)|compare a|contrairement a|unlike|par rapport a|"
    r"a la difference de|(?:moins|plus) cher que|cheaper than|more expensive than|en concurrence|"
    r"vs\.?(?= [a-z0-9])|compare|comparer|comparons|comparing|le choix d[eu]|dependra|depending on|"
    r"can be (?:hosted|deployed)|may be (?:hosted|deployed)|can run on|could run on|"
    # tutorials: what a reader may do, not what the editor does
    r"how to|comment (?:heberger|deployer|installer|mettre en ligne)|this guide|ce guide|step by step|pas a pas)\b"
)
EXAMPLE_LOCAL = re.compile(
    r"(?:\bex\b\.?|\bexemple\b|\be\.g\b\.?|\bcomme\b|\bsuch as\b|\blike\b|\btel(?:le)?s? que\b|"
    r"\bou\b|\bor\b|\boder\b)\s*[:(]?\s*(?:\S+\s*){0,2}$"
)
NEGATION = re.compile(
    r"(?:\bn[e']\s*\S*\s*(?:\S+\s+){0,3}?(?:pas|jamais|aucun|point)\b|\bnot\b|n't\b|\bnever\b|"
    r"\bnone\b|\bneither\b|\bnor\b|\bni\b|\baucune?\b|"
    r"\bnicht\b|\bkein|\bnu (?:este|sunt)\b|\bnon\s+h[e]berg|\bsans\b)"
)
# "găzduit de noi, nu de Google", "hosted by us, not by X": a negation right before the preposition
NOT_BY = re.compile(r"\b(?:not|nu|pas|nicht|non|niet|no)\s+(?:de|by|par|chez|von|bei|door|da|por|on|sur|with)\s*$")
NO_LONGER = re.compile(r"(?:\bn[e']\s*\S*\s*(?:\S+\s+){0,2}?plus\b|\bno longer\b|\bnicht mehr\b)")
PAST_LEX = re.compile(
    r"\b(?:anciennement|auparavant|precedemment|autrefois|jusqu'en|formerly|previously|used to|"
    r"until|fruher|frueher|ehemals|ancien(?:ne)? (?:hebergeur|site|version|serveur)|old (?:host|site|server)|"
    r"avait ete|had been|etait heberge|etaient heberge|was hosted|were hosted|"
    r"previous (?:host|hosting|hoster|provider|web ?host)|former (?:host|hosting|provider)|"
    r"precedent hebergeur|hebergeur precedent|ex-hebergeur)\b"
)
FROM_CUE = re.compile(
    r"(?:\b(?:migre|migree|migres|migrees|migration|demenage|demenagee|passe|passee|transfere|"
    r"transferee|bascule|basculee|migrated|moved|switched|quitte|quittant|leaving|left)\b)"
    r"(?:\s+\S+){0,4}?\s+(?:de|depuis|d'|du|from|away from)\s*$"
)
QUIT_CUE = re.compile(r"\b(?:quitte|quitter|quittant|left|leaving|leave|abandonne)\s*(?:l'|le|la)?\s*$")
PLANNED_LEX = re.compile(
    r"\b(?:a confirmer|envisag\w*|prevu|prevue|prevoi\w*|projet de migr\w*|migrera|migreront|"
    r"(?:prevoit|prevoient|envisage\w*|souhaite\w*|veut|veulent|doit|doivent|devra|devront|va|vont|allons|allez|compte|"
    r"comptons|projette|decide|decidons)\s+(?:de\s+|d')?(?:migrer|demenager|basculer|rapatrier)|"
    r"(?:plan|plans|planning|intend|intends|want|wants|decided) to (?:move|migrate|switch)|"
    r"sera heberge|seront heberge|sera hebergee|seront hebergees|will be|will move|will migrate|planned|"
    r"plans? to|planning to|to be confirmed|tbc|going to|bientot|prochainement|soon|devrait|"
    r"devraient|a terme|d'ici|geplant|considering|are considering|next year|l'an prochain|l'annee prochaine|"
    r"dans les prochains mois|in the coming (?:months|weeks|year)|"
    r"futur(?:e|s|es)? (?:hebergeur|site|serveur|plateforme|prestataire)|future (?:host|hosting|provider|site)|"
    r"prochain hebergeur|next (?:host|hosting provider))\b"
)
UNCONFIRMED = re.compile(
    r"\b(?:a confirmer|to be confirmed|a valider|en cours de choix|sous reserve|a l'etude|"
    r"under consideration|a decider|a definir|a choisir|to be decided|tbd)\b"
)
PROPOSED_AFTER = re.compile(
    r"^\W*(?:(?:est|sont|is|are|will be|sera|seront)\s+)?(?:propose|proposee|proposes|proposed|envisage|envisagee|"
    r"pressenti|candidate?|prevue?s?|planifiee?s?|planned|scheduled)\b"
)
CURRENT_LEX = re.compile(
    r"\b(?:toujours|desormais|maintenant|actuellement|aujourd'hui|now|currently|still|"
    r"nouvel hebergeur|new host|a present|dorenavant)\b"
)
SPEECH_VERB = re.compile(
    r"^(?:dire|dit|disent|indiqu|inform|annonc|pr[ée]cis|expliqu|affirm|confirm|d[ée]clar|"
    r"assur|rappel|signal|r[ée]pond|[ée]cri|affich|mentionn|soulign|reconn|estim)"
)

REPORTED = re.compile(
    r"\b(?:dit|disent|indique\w*|informe\w*|annonce\w*|precise\w*|explique\w*|affirme\w*|"
    r"confirme\w*|declare\w*|assure\w*|rappele?\w*|signale\w*|repondu|ecrit|appris|su|"
    r"revele\w*|estime\w*)\b.*\bqu(?:e\b|'|’)"
)
OBJ_CODE = re.compile(r"^(?:d[ée]p[ôo]ts?|repository|repositories|repo|repos|code|sources?|git|codebase)$", re.I)
OBJ_DATA = re.compile(
    r"^(?:datele|donn[ée]es|data|bases?|database|databases|bdd|sauvegardes?|backups?|fichiers|files|"
    r"logs|comptes|documents|m[ée]dias?|images|photos|archives|daten|datos|dati|gegevens|"
    r"mysql|postgres|postgresql|mariadb|mongodb|redis|sqlite|elasticsearch|opensearch|firestore)$",
    re.I,
)
# embedded third-party content (video, forms, maps, fonts, widgets): role "other", never the site host
OBJ_VIDEO = re.compile(
    r"^(?:vid[ée]os?|videos?|films?|podcasts?|formulaires?|forms?|sondages?|surveys?|questionnaires?|"
    r"polices|fonts?|widgets?|cartes|maps|tuiles|tiles)$",
    re.I,
)
OBJ_EMAIL = re.compile(
    r"^(?:messagerie|e-?mails?|mails?|courriels?|newsletters?|emailing|bo[iî]tes?|mailbox|mailboxes|mailing|"
    r"mailinglists?|listserv|maillists?|infolettres?)$",
    re.I,
)
OBJ_DOMAIN = re.compile(r"^(?:dns|zone|registrar)$", re.I)
OBJ_SITE = re.compile(
    r"^(?:sites?|website|websites|contenus?|content|plateformes?|platform|applications?|app|"
    r"apps|services?|pages?|api|backend|frontend|serveurs?|instances?|d[ée]ploiement|projets?|"
    r"blog|boutique|dispositif|outil|portail|portal|webseite|website|plattform|domaine|"
    r"syst[èe]me|flux|stream|partie|version|live|interface|intranet|extranet|espace|site-ul|website-ul|"
    r"platforma|aplica[tț]ia|sitio|sito|webstek|p[áa]gina|aplicaci[óo]n|applicazione|piattaforma|plataforma|"
    r"servizio|servicio|dienst|toepassing|applicatie)$",
    re.I,
)


# ---------------------------------------------------------------- decision vetoes (decide.refine)
# The reader's own site or app: "hébergez votre site chez X", "host your website on X" is a tutorial or an
# offer addressed to the reader, not a relation of the document's editor ("vos données" stays: privacy).
READER_OBJECT = re.compile(
    r"\b(?:votre|vos|ton|ta|tes|your|dein\w*|ihre?[mnrs]?|uw|je|tu|tus|su|sus|tuo|tua|tuoi|vostro|vostra|"
    r"site-ul tau)\s+(?:[\w.-]+\s+){0,2}?"
    r"(?:sites?|site web|website|websites|web|webseite|app|apps|application|applications|projet|projets|"
    r"project|projects|blog|boutique|store|shop|serveur|server|instance|code|repo\w*|sitio|sito|webstek)\b"
)
# An offer, not a relation: "l'hébergement proposé par X", "the hosting offered by X", "vendu par X"
OFFER_VERB = re.compile(
    r"\b(?:offert|offerte|offerts|offertes|offered|offers|offre|offrent|propos[ée]e?s?|proposent|vendu|"
    r"vendue|sold|sells|commercialis[ée]e?s?|marketed|advertised|angeboten|ofrecido|offerto|aangeboden)\b"
)
# A label naming a function that is not hosting, even with "site" in it ("Suivi de l'usage du site",
# "Statistiques du site", "Formulaire de contact", "Paiement"): not the host of the site.
NONHOST_FUNCTION = re.compile(
    r"\b(?:suivi|statisti\w*|analytics|analyse d.audience|mesure d.audience|audience|tracking|"
    r"formulaires?|forms?|paiements?|payments?|chat|support|polices|fonts?|cartes?|maps?|videos?|"
    r"authentification|authentication|auth|login|sso|monitoring|supervision|erreurs?|errors?|logs?|"
    r"captcha|recherche|search|traduction|translation|newsletters?|emailing|sms|notifications?|"
    r"signature|crm|marketing|publicit\w*|ads|advertising|cookies?|consentement|consent)\b"
)

# The form of a migration verb says whether the move happened: "migré / migrated vers X" (X is current),
# "migrer / migrate / moving to X" (X is planned)
MIGRATE_PLANNED = re.compile(
    r"\b(?:migrer|demenager|basculer|rapatrier|transferer|passer|migrate|move|switch|transfer|"
    r"migrating|moving|switching|transferring|migrieren|umziehen|wechseln|migrar|migrare|migreren|verhuizen)\b"
)
# A hosted tool named by its function ("logiciel de suivi de l'usage …, hébergé par X"): role other
TOOL_FUNCTION = re.compile(
    r"\b(?:suivi|statisti\w*|analytics|mesure d.audience|tracking|monitoring|supervision|telemetr\w*|"
    r"formulaires?|forms?|paiements?|payments?|newsletters?|emailing|chat|captcha|authentification|"
    r"authentication|sso|traduction|translation)\b"
)
# What a description says is hosted: data, files, images, backups ("Image hosting", "hébergement des données")
DATA_HOSTING = re.compile(
    r"\b(?:(?:data|donnees|images?|fichiers|files|backups?|sauvegardes?|database|databases|medias?|photos|"
    r"documents|assets)\s+(?:hosting|storage|stockage)|(?:hebergement|stockage|hosting|storage)\s+(?:des|de|du|of)\s+"
    r"(?:l'|la |les |the )?(?:donnees|data|images|fichiers|files|backups|sauvegardes|bases? de donnees|databases?|"
    r"medias?|photos|documents))\b"
)
# Other senses of hosting: an event ("the meetup is hosted by Google"), lodging ("l'hébergement des
# participants est assuré par …"): not a site, not data
EVENT_OR_LODGING = re.compile(
    r"\b(?:meetups?|events?|evenements?|conferences?|webinars?|webinaires?|hackathons?|workshops?|ateliers?|"
    r"talks?|summits?|sommets?|salons?|soirees?|dinners?|diners?|competitions?|concours|"
    r"ceremon\w+|festivals?|participants?|refugi\w+|sinistres|touristiques?|d'urgence|invites|guests|"
    r"etudiants|students|familles|families|voyageurs|travellers|travelers|chambres|hotels?)\b"
)
# Names that follow a hosting frame's preposition but are a rule, a standard or a place, never a provider:
# "hosted … in compliance with the GDPR", "hébergé conformément au RGPD", "certifié ISO 27001"
NOT_A_PROVIDER = re.compile(
    r"^(?:the |le |la |l'|les )?(?:gdpr|rgpd|dsgvo|lcen|cnil|cloud act|iso(?: \d+)?|hds|secnumcloud|soc ?2|"
    r"eu|ue|european union|union europeenne|europe|france|usa|united states|etats-unis|internet|web)\W*$"
)
