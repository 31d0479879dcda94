"""Object and description helpers shared by the frames: what is hosted, what a purpose text says.

Why apart from the frames: the same "what is hosted" reading (a site, data, a Git repository, a mailbox)
serves verbal frames, active frames, unknown names and the model's features.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from soustrace.catalog import strip_accents
from soustrace.extraction import cues
from soustrace.extraction.mentions import _COORD, _DESCRIPTOR_STOP, Context, Mention


def _is_hard_boundary(tok: Token) -> bool:
    return tok.text in {".", ";", "!", "?", "|"} or (tok.is_space and "\n\n" in tok.text)


_OBJ_ACCOUNT = re.compile(r"^(?:comptes?|accounts?|konto|konten|cuentas?|account|conturi|cont)$", re.I)
_INDEFINITE = frozenset(["un", "une", "a", "an", "any", "ein", "einem", "einen", "uno", "una", "een", "tout", "chaque"])


def _object_role(ctx: Context, idxs: list[int]) -> str | None:
    """Role implied by the hosted object's noun (first matching word in `idxs` order)."""
    doc = ctx.doc
    for i in idxs:
        t = doc[i].text
        if cues.OBJ_SITE.match(t) and i + 2 < len(doc) and doc[i + 1].lower_ in {"de", "d'", "of", "du"}:
            comp = doc[i + 2].text
            if cues.OBJ_EMAIL.match(comp):
                return "reject:email"
            if cues.OBJ_CODE.match(comp):
                return "reject:code"
        if cues.OBJ_CODE.match(t):
            return "reject:code"
        if cues.OBJ_VIDEO.match(t):
            return "other"
        if cues.OBJ_EMAIL.match(t):
            return "reject:email"
        if _OBJ_ACCOUNT.match(t) and i > 0 and doc[i - 1].lower_ in _INDEFINITE:
            return "reject:account"  # "un compte hébergé par X", "an account hosted at X": a customer account
        if t.casefold() == "nom" and i + 2 < len(doc) and doc[i + 2].lower_.startswith("domaine"):
            return "reject:registrar"
        if cues.OBJ_DOMAIN.match(t):
            return "reject:registrar"
        if cues.OBJ_DATA.match(t):
            return "data-storage"
        if cues.OBJ_SITE.match(t):
            return "host"
    return None


_STORAGE_WORDS = re.compile(
    r"\b(?:databases?|base de donnees|bases de donnees|bdd|backups?|sauvegardes?|object storage|stockage|storage|"
    r"fichiers|files|datenbank\w*|base de datos|almacenamiento|archiviazione|opslag|stocare|baza de date)\b"
)


def role_from_description(desc: str) -> str | None:
    """Role stated by a purpose/description text in a list or table row; 'reject:*' for non-hosting.

    E-mail and video services are role 'other' (the samples' README: "e-mail relay, video embeds"); other
    purposes (payment, analytics, authentication, AI...) are not hosting relations at all.
    """
    f = strip_accents(desc).casefold()
    hosting = re.search(
        r"\bh[e]berg|\bhost(?:s|ed|ing)?\b|\bhoster|\bgehostet|\bserving the website|\balojamiento|\balojad|"
        r"\bhospedaje|\bospitat|\bgazduir|\bgehost\b",
        f,
    )
    email = re.search(r"\b(?:messagerie|e-?mails?|courriel|newsletter|smtp|routage|mailing)\b", f)
    if hosting and email:
        return "sub-processor"
    if hosting and _STORAGE_WORDS.search(f) and not re.search(r"\b(?:site|website|application|app|backend)\b", f):
        return "data-storage"  # "Hébergement de la base de données", "Database hosting"
    if hosting:
        return "host"
    if re.search(r"\b(?:cdn|content delivery|diffusion|protection du site|ddos|waf|reverse proxy|mise en cache)\b", f):
        return "cdn"
    if re.search(
        r"\b(?:databases?|base de donnees|bdd|dbaas|backups?|sauvegardes?|object storage|stockage|"
        r"storage|datenbank\w*|base de datos|almacenamiento|archiviazione|opslag|stocare|baza de date)\b",
        f,
    ):
        return "data-storage"
    if email or re.search(r"\b(?:videos?|embeds?|integrations? video)\b", f):
        return "other"  # the samples' role 'other': e-mail relay, newsletter, video embeds
    if re.search(
        r"\b(?:iaas|paas|cloud|infrastructure|servers?|serveurs?|datacenters?|compute|platform|"
        r"plateforme|edge|stores?|stocke)\b",
        f,
    ):
        return "sub-processor"
    if re.search(
        r"\b(?:auth|identit|crm|analytics|analyse|statisti|ai\b|ia\b|intelligence|payment|paiement|"
        r"support|booking|rendez-vous|sms|monitoring|status|signature|video|traduction|translation|"
        r"marketing|prospection|recrutement)",
        f,
    ):
        return "reject:purpose"
    return None


def coordinated(ctx: Context, left: Mention, right: Mention) -> bool:
    """True when only coordination tokens separate two mentions ("X et Y", "X - Y", "X (Y)")."""
    if right.start - left.end > 4:
        return False
    between = ctx.doc[left.end : right.start]
    if between and between[0].text == "(" and len(between) <= 3 and all(t.is_lower for t in between[1:]):
        return True  # "Scalingo (infrastructure Outscale", "Supabase (sur AWS"
    return all(t.lower_ in _COORD or (t.is_space and "\n" not in t.text) for t in between) and not any(
        t.lower_ in {"ou", "or", "oder"} for t in between
    )


def _descriptor_ok(tok: Token) -> bool:
    return not (tok.text in _DESCRIPTOR_STOP or (tok.is_space and "\n" in tok.text)) and (
        tok.is_lower or tok.text in {"l'", "d'", "l’", "d’", "…", "...", "-"} or tok.like_url or tok.is_title
    )


def _local_example(ctx: Context, m: Mention) -> bool:
    left = ctx.doc[max(m.start - 4, 0) : m.start].text
    return bool(cues.EXAMPLE_LOCAL.search(strip_accents(left).casefold()))


_SITE_WORD = re.compile(
    r"\b(?:site|sites|website|donn[ée]es|data|plateforme|platform|application|app|contenus?|webseite|serveurs?|"
    r"servers?)\b",
    re.I,
)

_CLAUSE_BREAK = frozenset([".", ";", ":", "!", "?", ",", "|", "et", "and", "mais", "but", "und", "aber", "—", "–"])


def hosted_object_role(ctx: Context, cue: int, m: Mention, sent: Span) -> str | None:
    """Role implied by what is hosted: the first object noun of the clause holding the cue.

    Clause-first rather than nearest-noun: in "les données personnelles confiées par les visiteurs du
    site sont hébergées chez X" the hosted thing is "données", not the nearer "site". For active verbs
    ("héberge ses données chez X") the words between the verb and the provider are read too.
    """
    doc = ctx.doc
    relative = relative_object(ctx, cue, sent)
    if relative is not None:
        return "other" if relative == "reject:email" and _email_service(ctx, m) else relative
    start = cue - 1
    while start >= sent.start:
        t = doc[start]
        if _is_hard_boundary(t) or t.lower_ in _CLAUSE_BREAK or (t.is_space and "\n" in t.text):
            break
        start -= 1
    clause = strip_accents(doc[start + 1 : cue].text).casefold()
    if QUANTIFIED.search(_ALL_OUR_DATA.sub(" ", clause)):
        return "reject:generic"  # "des milliers de sites hébergés chez OVH": a statement about OVH
    role = _object_role(ctx, list(range(start + 1, cue)))
    if role is None and cue < m.start:
        role = _object_role(ctx, list(range(cue + 1, m.start)))
    if role == "reject:email" and _email_service(ctx, m):
        return "other"  # "les e-mails sont hébergés chez Brevo": an e-mail relay, the samples' role 'other'
    return role


RELATIVE = frozenset(
    ["where", "which", "that", "who", "où", "qui", "que", "dont", "wo", "welche", "donde", "dove", "waar", "care"]
)


def relative_object(ctx: Context, cue: int, sent: Span) -> str | None:
    """The object of a relative clause holding the hosting verb: "an application … where all images are
    hosted on X" hosts images, "l'application, dont les sauvegardes sont stockées chez X" backups. A
    relative pronoun with no object noun after it ("le site qui est hébergé chez X") leaves the main
    clause's object to the caller."""
    doc = ctx.doc
    for i in range(cue - 1, max(sent.start, cue - 12) - 1, -1):
        t = doc[i]
        if t.text in {".", ";", "!", "?", ":"} or (t.is_space and "\n" in t.text):
            return None
        if t.lower_ in RELATIVE:
            return _object_role(ctx, list(range(i + 1, cue)))
    return None


def _email_service(ctx: Context, m: Mention) -> bool:
    """A catalog provider whose trade is e-mail/video ('other' kind only), not a host with a mailbox offer."""
    prov = ctx.catalog.get(m.pid) if m.pid else None
    return prov is not None and "other" in prov.kind and not {"host", "paas"} & set(prov.kind)


# "toutes les données sont hébergées chez X", "all the data is stored on X": all of this site's data
_ALL_OUR_DATA = re.compile(
    r"\b(?:tous les|toutes les|toutes vos|toutes nos|tous vos|tous nos|all the|all of the|all your|all our|all)\s+"
    r"(?:donnees|data|informations|fichiers|files|sauvegardes|backups|contenus?|content)\b"
)
# a count of a provider's customers: a statement about the provider ("des milliers de sites hébergés chez OVH")
COUNTED = re.compile(
    r"\b(?:des milliers|des millions|des centaines|de nombreu\w+|nombreux|plusieurs|la plupart|beaucoup|many|"
    r"thousands|millions|hundreds|most|several|numerous|millions? de|plus de \d|more than \d)\b"
)
# a universal quantifier is about this service ("toutes les pages du site", "all the services of the
# platform"), unless it ranges over other people's sites or customers ("tous les sites hébergés chez OVH")
_ALL_OTHERS = (
    r"\b(?:tous les|toutes les|all the|all)\s+(?:sites?(?: web| internet)?|websites|clients|customers|entreprises|"
    r"companies|users|utilisateurs|hebergements)\b(?!\s+(?:du|de la|de l'|de notre|de nos|de ce|de cette|of the|"
    r"of our|of this))"
)
QUANTIFIED = re.compile(COUNTED.pattern + "|" + _ALL_OTHERS)


def nearest_object_role(ctx: Context, cue: int, sent: Span) -> str | None:
    """Role of the nearest object noun before `cue` in the sentence ("les sauvegardes ... sur les serveurs")."""
    return _object_role(ctx, list(range(cue - 1, max(sent.start, cue - 14) - 1, -1)))


# ---------------------------------------------------------------- layout decisions
_PROSE_AFTER = re.compile(r"^\s+[a-zàâçéèêëîïôûùüÿœ'’-]+\s+[a-zàâçéèêëîïôûùüÿœ'’-]+\s+[a-zàâçéèêëîïôûùüÿœ'’-]+")
