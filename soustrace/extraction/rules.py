"""Linking rules: which provider mention is in which hosting frame, with which role.

Every rule is a general linguistic or layout pattern, never a site-specific one:

* verbal frames: a hosting verb ("hébergé", "hosted", "gehostet", "stocké") then a preposition
  (par/chez/sur/dans/by/on/with/bei) then, after at most a few descriptor words ("la société",
  "l'américain", "le cloud"), the provider; coordinated providers ("GitHub et Netlify", "Heroku - AWS")
  share the frame; active voice ("qu'OVH héberge", "X hosts", "X is used to host") too;
* noun and apposition frames: "l'hébergement ... est assuré par X", "l'hébergeur, X,", "X pour
  l'hébergement", "X (hosting)", "les serveurs d'X" (only when a site/data word is in the sentence);
* CDN frames: "le CDN (X)", "X CDN", "protégé par X";
* layout frames: "Label : value" lines, headed blocks ("Hébergement" then a name), GDPR sub-processor
  tables and "Name (country) — purpose" lists, a provider's legal name followed by its own catalog address;
* rejections: the nearest competing verb (registrar "enregistré chez", developer "réalisé par",
  "propulsé par"), the hosted object (a Git repository, a domain name, a mailbox), examples and options
  ("ex. OVH", "comme X", "vous pouvez déployer sur"), questions, e-mail/creator/editor labels.

Status is decided afterwards by `status.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from soustrace.catalog import Catalog
from soustrace.extraction import cues
from soustrace.extraction.layout import Line, label_role
from soustrace.names import is_legal_form, strip_accents

DESCRIPTOR_MAX = 6
VERB_TO_PREP_MAX = 16
_DESCRIPTOR_STOP = frozenset(',;.:!?()[]|—–"«»')
_COORD = frozenset(
    [
        ",",
        "et",
        "and",
        "und",
        "&",
        "-",
        "–",
        "/",
        "+",
        "puis",
        "dont",
        "(",
        ")",
        "ainsi",
        "que",
        "as",
        "well",
        "și",
        "si",
    ]
)
PROCUREMENT = re.compile(
    r"achat web solution|marches-publics\.info|aws-achat|aws achat|profil d.acheteur|"
    r"plate-?forme de d[ée]mat|d[ée]p[ôo]t des offres|\bDCE\b|dossier de consultation",
    re.I,
)


_DOMAIN_LIKE = re.compile(r"(?<![\w@.-])(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s)\]]*)?", re.I)


@dataclass(slots=True)
class Mention:
    """A provider name (catalog), a provider domain, or an unknown organisation name in a frame slot."""

    start: int  # token indices in the rule doc
    end: int
    pid: str | None
    kind: str  # catalog | domain | unknown

    def span(self, doc: Doc) -> Span:
        return doc[self.start : self.end]


@dataclass(slots=True)
class Candidate:
    mention: Mention
    role: str
    rule: str
    confidence: float
    cue: int | None = None  # token index of the governing hosting word, for tense analysis
    line: Line | None = None
    status_hint: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    doc: Doc
    text: str
    lines: list[Line]
    line_sections: list[tuple[str | None, int | None]]
    catalog: Catalog
    cue_at: dict[int, str]
    lang: str = "fr"
    _sents: list[Span] = field(default_factory=list)
    _sent_idx: list[int] = field(default_factory=list)

    def sent_of(self, i: int) -> Span:
        """Sentence holding token i (computed once per document; `Token.sent` rescans every call)."""
        if not self._sents:
            self._sents = list(self.doc.sents)
            idx = [0] * len(self.doc)
            for k, s in enumerate(self._sents):
                for j in range(s.start, s.end):
                    idx[j] = k
            self._sent_idx = idx
        return self._sents[self._sent_idx[i]]

    def line_of(self, char: int) -> int:
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid].start <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo


# ---------------------------------------------------------------- mentions
def find_mentions(doc: Doc, text: str, catalog: Catalog) -> list[Mention]:
    """Catalog entities (extended over a trailing legal form), plus tokens naming a provider domain."""
    out: list[Mention] = []
    procurement = PROCUREMENT.search(text) is not None
    taken: set[int] = set()
    for ent in doc.ents:
        taken.update(range(ent.start, ent.end))
        if ent.label_ != "PROVIDER":
            continue
        if procurement and ent.text == "AWS" and "amazon" not in ent.sent.text.casefold():
            continue  # "AWS" = Achat Web Solution, the procurement platform
        end = ent.end
        j = end
        if j < len(doc) and doc[j].text == ",":
            j += 1
        if j < len(doc) and is_legal_form(doc[j].text):
            end = j + 1
            if end < len(doc) and doc[end].text == "." and doc[j].text[-1] != ".":
                end += 1
        out.append(Mention(ent.start, end, ent.ent_id_, "catalog"))
    for dm in _DOMAIN_LIKE.finditer(doc.text):
        if "@" in doc.text[max(0, dm.start() - 1) : dm.end()]:
            continue
        pid = catalog.resolve_domain(dm.group(0))
        span = doc.char_span(dm.start(), dm.end(), alignment_mode="expand") if pid else None
        if span is not None and len(span) == 1 and span.start not in taken:
            out.append(Mention(span.start, span.end, pid, "domain"))
    return sorted(out, key=lambda m: m.start)


# ---------------------------------------------------------------- helpers
def _is_hard_boundary(tok: Token) -> bool:
    return tok.text in {".", ";", "!", "?", "|"} or (tok.is_space and "\n\n" in tok.text)


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
        if t.casefold() == "nom" and i + 2 < len(doc) and doc[i + 2].lower_.startswith("domaine"):
            return "reject:registrar"
        if cues.OBJ_DOMAIN.match(t):
            return "reject:registrar"
        if cues.OBJ_DATA.match(t):
            return "data-storage"
        if cues.OBJ_SITE.match(t):
            return "host"
    return None


def role_from_description(desc: str) -> str | None:
    """Role stated by a purpose/description text in a list or table row; 'reject:*' for non-hosting."""
    f = strip_accents(desc).casefold()
    hosting = re.search(r"\bh[e]berg|\bhost(?:s|ed|ing)?\b|\bhoster|\bgehostet|\bserving the website", f)
    email = re.search(r"\b(?:messagerie|e-?mails?|courriel|newsletter|smtp|routage|mailing)\b", f)
    if hosting and email:
        return "sub-processor"
    if hosting:
        return "host"
    if re.search(r"\b(?:cdn|content delivery|diffusion|protection du site|ddos|waf|reverse proxy|mise en cache)\b", f):
        return "cdn"
    if re.search(
        r"\b(?:databases?|base de donnees|bdd|dbaas|backups?|sauvegardes?|object storage|stockage|"
        r"storage)\b",
        f,
    ):
        return "data-storage"
    if email:
        return "reject:email"
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


# ---------------------------------------------------------------- sentence frames
def verbal_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """(rule, cue index, verdict) for a preposition-introduced slot: verb ... PREP [descriptors] MENTION."""
    doc = ctx.doc
    preps = cues.PREPS_RO if ctx.lang == "ro" else cues.PREPS
    i = m.start - 1
    n_desc = 0
    while i >= sent.start and doc[i].lower_ not in preps:
        if doc[i].lower_ in cues.SERVERS_OF and i - 1 >= sent.start and ctx.cue_at.get(i - 1) == "SERVERS":
            break
        bracketed = doc[i].text in "():" and (
            (i - 1 >= sent.start and doc[i - 1].lower_ in preps) or (i + 1 < len(doc) and doc[i + 1].lower_ in preps)
        )
        if not bracketed and (not _descriptor_ok(doc[i]) or n_desc >= DESCRIPTOR_MAX):
            return None
        n_desc += 1
        i -= 1
    if i < sent.start:
        return None
    prep = i
    # "serveurs d'Amazon", "data centers of X": a server noun right before "de/of"
    if doc[prep].lower_ in cues.SERVERS_OF:
        if prep - 1 >= sent.start and ctx.cue_at.get(prep - 1) == "SERVERS":
            return ("servers-of", prep - 1, "host")
        if doc[prep].lower_ not in preps:
            return None
    j = prep - 1
    steps = 0
    while j >= sent.start and steps < VERB_TO_PREP_MAX:
        tok = doc[j]
        if _is_hard_boundary(tok):
            return None
        label = ctx.cue_at.get(j)
        if label in ("HOST_VERB", "STORE_VERB", "HOST_NOUN"):
            verdict = "data-storage" if label == "STORE_VERB" else "host"
            return ("verb-prep" if label != "HOST_NOUN" else "noun-prep", j, verdict)
        if label == "CDN_VERB":
            return ("cdn-verb", j, "cdn")
        if label == "NONHOST_VERB":
            # "conçu et hébergé par X" is caught above; "hébergé et réalisé par X" stays ambiguous -> reject
            return ("nonhost-verb", j, "reject:nonhost-verb")
        if label == "SERVERS" and j == prep - 1 and doc[prep].lower_ in {"sur", "on", "dans", "in"}:
            return None
        if (
            label == "SERVERS"
            and doc[prep].lower_ in {"par", "by", "von", "chez", "auprès", "aupres", "with"}
            and _SUPPLY_VERB.match(" ".join(t.lower_ for t in doc[j + 1 : prep]))
        ):
            # "nos serveurs sont fournis / opérés par X", "servers are operated by X"
            return ("servers-by", j, "host")
        j -= 1
        steps += 1
    return None


_SUPPLY_VERB = re.compile(
    r"^(?:\S+\s+){0,6}?(?:fournis|fournies|opérés|opérées|operes|exploités|exploitées|gérés|gérées|loués|louées|"
    r"operated|provided|managed|run|rented|supplied|betrieben|bereitgestellt)\b"
)


_GENERIC_OBJ = re.compile(
    r"^\W*(?:aussi |egalement |also |notamment )?(?:de nombreu|des milliers|des millions|plusieurs|beaucoup|"
    r"la plupart|des sites|d'autres|many|thousands|millions|most|other|several|lots of|numerous|"
    r"tous types|toutes sortes|all kinds|plus de|more than|over \d|\d+(?:[\s.,]\d+)*\s*(?:millions?|milliers|"
    r"thousand|sites|clients|websites|customers))"
)
_PARTICIPLES = ("hébergé", "heberge", "hosted", "gehostet", "stock", "stored")


def _active_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """MENTION [qui/qu'/is used to/platform] HOSTING-VERB: 'qu'OVH héberge', 'X hosts', 'X provide hosting'."""
    doc = ctx.doc
    j = m.end
    skipped = 0
    german_bei = m.start - 1 >= sent.start and doc[m.start - 1].lower_ in {"bei", "auf", "von"}
    if j < sent.end and doc[j].text == ",":  # skip an apposition: "Scaleway, concurrent d'OVH, héberge ..."
        close = next((k for k in range(j + 1, min(j + 9, sent.end)) if doc[k].text == ","), None)
        if close is not None and not any(_is_hard_boundary(t) for t in doc[j + 1 : close]):
            j = close + 1
    while j < sent.end and skipped <= 5:
        if doc[j].text == "(":  # skip a parenthetical: "Amazon Web Services (AWS) to host ..."
            close = next((k for k in range(j + 1, min(j + 8, sent.end)) if doc[k].text == ")"), None)
            if close is not None:
                j = close + 1
                continue
        label = ctx.cue_at.get(j)
        if label == "HOST_NOUN" and doc[j].lower_ == "host" and doc[j - 1].lower_ == "to":
            label = "HOST_VERB"  # "X ... to host our platform"
        if label in ("HOST_VERB", "STORE_VERB"):
            word = doc[j].lower_
            participle = word.startswith(_PARTICIPLES) and word not in {"héberge", "heberge"}
            # a participle right after the name ("X hébergé en France") describes X, it is not a frame
            if participle and not german_bei and doc[j - 1].lower_ not in {"to", "est", "is", "was", "sont", "are"}:
                return None
            verdict = "data-storage" if label == "STORE_VERB" else "host"
            after = doc[j + 1 : min(j + 8, sent.end)]
            if _GENERIC_OBJ.search(strip_accents(after.text).casefold()):
                return ("active", j, "reject:generic")
            obj = _object_role(ctx, list(range(j + 1, min(j + 8, sent.end))))
            return ("active", j, obj or verdict)
        if (
            label == "HOST_NOUN"
            and j - 1 >= 0
            and re.match(
                r"^(?:provides?|handles?|performs?|assure|assurent|fournit|fournissent|g[èe]re|g[èe]rent|"
                r"r[ée]alise|effectue|l'|l’|the)$",
                doc[j - 1].lower_,
            )
        ):
            return ("active", j, "host")
        t = doc[j]
        if _is_hard_boundary(t) or (t.text in {",", ":"} and skipped > 0):
            return None
        if t.lower_ not in {
            "qui",
            "qu'",
            "qu’",
            "that",
            "which",
            "is",
            "are",
            "used",
            "to",
            "platform",
            "plateforme",
            "provide",
            "provides",
            "nous",
            "also",
            "aussi",
            "(",
            ")",
            "la",
            "the",
            "hostet",
            "who",
            "has",
            "have",
            "been",
            "assure",
            "assurent",
            "fournit",
            "gère",
            "handles",
            "performs",
            "l'",
            "l’",
        } and not (t.is_title and skipped == 0):
            return None
        skipped += 1
        j += 1
    return None


_FOR_HOSTING = re.compile(
    r"(?:pour|for)\s+(?:l'|the\s+|notre\s+|son\s+|leur\s+|our\s+|its\s+)?(?:hebergement|hosting)\b"
    r"(?:\s+(?:de|des|du|of)\s+(?:nos\s+|ses\s+|leurs\s+|la\s+|les\s+|our\s+|the\s+)?(\w+))?"
)
_FOR_CDN = re.compile(
    r"(?:pour|for)\s+(?:la\s+|sa\s+|leur\s+|the\s+|its\s+)?(?:protection|diffusion|mise en cache|"
    r"acceleration|caching|content delivery|delivery|cdn)\b"
)
_FOR_STORAGE = re.compile(r"(?:pour|for)\s+(?:le\s+|the\s+)?(?:stockage|storage|sauvegarde|backups?)\b")


def _following_cue(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """MENTION (hosting) / MENTION pour l'hébergement / MENTION CDN / MENTION — hébergement ..."""
    doc = ctx.doc
    j = m.end
    window = doc[j : min(j + 4, sent.end)]
    words = [t.lower_ for t in window]
    if len(words) >= 2 and words[0] in {"(", "["}:
        close = next((k for k in range(j + 1, min(j + 12, sent.end)) if doc[k].text in {")", "]"}), None)
        if close is not None:
            inner = doc[j + 1 : close].text
            role = role_from_description(inner)
            if role in {"host", "cdn", "data-storage"} and not re.search(r"\d{4,5}|\brue\b", inner):
                return ("paren-role", j + 1, role)
    if words and words[0] in {"pour", "for"}:
        rest = strip_accents(doc[j : min(j + 8, sent.end)].text).casefold()
        hm = _FOR_HOSTING.match(rest)
        if hm:
            role = "data-storage" if hm.group(1) and cues.OBJ_DATA.match(hm.group(1)) else "host"
            return ("for-hosting", j + 1, role)
        if _FOR_CDN.match(rest):
            return ("for-cdn", j + 1, "cdn")
        if _FOR_STORAGE.match(rest):
            return ("for-storage", j + 1, "data-storage")
    if words and ctx.cue_at.get(j) == "CDN_WORD":
        return ("cdn-after", j, "cdn")
    return None


def _apposition(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """ "l'hébergeur, X", "hébergeur : X", "son hébergeur est X", "le CDN (X)", "CDN américain X"."""
    doc = ctx.doc
    for back in range(1, 5):
        i = m.start - back
        if i < sent.start:
            return None
        label = ctx.cue_at.get(i)
        between = doc[i + 1 : m.start]
        if (
            label == "HOST_NOUN"
            and doc[i].lower_ not in {"host", "hosting"}
            and all(t.text in {",", ":", "=", "est", "is", "ist", "(", "«", '"'} for t in between)
            and 1 <= len(between) <= 2
        ):
            if i - 1 >= sent.start and doc[i - 1].lower_ in {
                "l'",
                "l’",
                "le",
                "son",
                "notre",
                "our",
                "the",
                "votre",
                "leur",
                "their",
                "its",
                "unser",
                "der",
                "un",
                "a",
            }:
                return ("apposition", i, "host")
            if any(t.text == ":" for t in between):
                span = m.span(doc)
                line_end = ctx.text.find("\n", span.end_char)
                if _PROSE_AFTER.match(ctx.text[span.end_char : line_end if line_end >= 0 else len(ctx.text)]):
                    return None
                return ("apposition", i, "host")
        if (
            label == "HOST_NOUN"
            and not between
            and doc[i].lower_ not in {"host"}
            and (
                i == sent.start
                or doc[i - 1].text in {"-", "–", "—", ":", "|", "/", "•"}
                or _SITE_WORD.search(sent.text)
            )
        ):
            return ("apposition", i, "host")
        if label == "CDN_WORD" and all(t.is_lower or t.text in {"(", ":", ",", "l'", "le"} for t in between):
            return ("cdn-before", i, "cdn")
        if label in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB", "HOST_NOUN"}:
            return None
    return None


def _still_at(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """'toujours chez X', 'désormais sur X', 'now on X' in a document already talking about hosting."""
    if m.start - 2 < sent.start:
        return None
    prev2 = strip_accents(ctx.doc[m.start - 2].lower_)
    prev1 = ctx.doc[m.start - 1].lower_
    if not _SITE_WORD.search(sent.text):
        return None  # "il est toujours chez Google" is about a job, not a site
    if prev1 in {"chez", "sur", "on", "at", "with", "bei"} and prev2 in {
        "toujours",
        "desormais",
        "encore",
        "still",
        "now",
        "noch",
        "immer",
    }:
        return ("still-at", m.start - 2, "host")
    return None


def _transfer(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    left = strip_accents(ctx.doc[max(sent.start, m.start - 5) : m.start].text).casefold()
    if re.search(r"\b(?:onward transfers?|transfers? to|transfert(?:s)? (?:ulterieurs? )?(?:vers|a))\s*$", left):
        return ("transfer", m.start - 1, "sub-processor")
    return None


_SITE_WORD = re.compile(
    r"\b(?:site|sites|website|donn[ée]es|data|plateforme|platform|application|app|contenus?|webseite|serveurs?|"
    r"servers?)\b",
    re.I,
)
_MIGRATE = re.compile(
    r"\b(?:migr\w*|demenag\w*|bascul\w*|quitt\w*|moved?|moving|switch\w*|left|leaving|"
    r"umgezogen|rapatri\w*)\b"
)


def _migration(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """'migré de X vers Y', 'a quitté X pour Y', 'moved from X to Y': a host on each side; status decides."""
    doc = ctx.doc
    left = strip_accents(doc[max(sent.start, m.start - 7) : m.start].text).casefold()
    if not _MIGRATE.search(left):
        return None
    if re.search(r"(?:\bde|\bdepuis|\bfrom|d'|quitte|quitter|quittant|left|leaving)\s*(?:l'|la |le |the )?$", left):
        return ("migration", m.start - 1, "host")
    if re.search(r"(?:\bvers|\bto|\bchez|\bpour|\bsur|\bonto|\bnach|\bzu)\s*(?:l'|la |le |the )?$", left):
        return ("migration", m.start - 1, "host")
    return None


SENTENCE_FRAMES = (_still_at, _transfer, _migration, _apposition, verbal_frame, _active_frame, _following_cue)


def sentence_decision(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """First sentence-level frame that governs the mention, or None; 'reject:*' verdicts veto the mention."""
    for frame in SENTENCE_FRAMES:
        hit = frame(ctx, m, sent)
        if hit:
            return hit
    return None


def sentence_veto(ctx: Context, m: Mention, sent: Span, cue: int | None) -> str | None:
    """Reasons that override a hosting frame: example/option/question/hosted object not a site."""
    folded = strip_accents(sent.text).casefold()
    if sent.text.rstrip().endswith("?"):
        return "question"
    if cues.OPTION_SENT.search(folded):
        return "option"
    if _local_example(ctx, m):
        return "example"
    return None


_CLAUSE_BREAK = frozenset([".", ";", ":", "!", "?", ",", "|", "et", "and", "mais", "but", "und", "aber", "—", "–"])


def hosted_object_role(ctx: Context, cue: int, m: Mention, sent: Span) -> str | None:
    """Role implied by what is hosted: the first object noun of the clause holding the cue.

    Clause-first rather than nearest-noun: in "les données personnelles confiées par les visiteurs du
    site sont hébergées chez X" the hosted thing is "données", not the nearer "site". For active verbs
    ("héberge ses données chez X") the words between the verb and the provider are read too.
    """
    doc = ctx.doc
    start = cue - 1
    while start >= sent.start:
        t = doc[start]
        if _is_hard_boundary(t) or t.lower_ in _CLAUSE_BREAK or (t.is_space and "\n" in t.text):
            break
        start -= 1
    clause = strip_accents(doc[start + 1 : cue].text).casefold()
    if QUANTIFIED.search(clause):
        return "reject:generic"  # "des milliers de sites hébergés chez OVH": a statement about OVH
    role = _object_role(ctx, list(range(start + 1, cue)))
    if role is None and cue < m.start:
        role = _object_role(ctx, list(range(cue + 1, m.start)))
    return role


QUANTIFIED = re.compile(
    r"\b(?:des milliers|des millions|des centaines|de nombreu\w+|nombreux|plusieurs|la plupart|beaucoup|"
    r"tous les|toutes les|many|thousands|millions|hundreds|most|several|numerous|all the|millions? de|"
    r"plus de \d|more than \d)\b"
)


def nearest_object_role(ctx: Context, cue: int, sent: Span) -> str | None:
    """Role of the nearest object noun before `cue` in the sentence ("les sauvegardes ... sur les serveurs")."""
    return _object_role(ctx, list(range(cue - 1, max(sent.start, cue - 14) - 1, -1)))


# ---------------------------------------------------------------- layout decisions
_PROSE_AFTER = re.compile(r"^\s+[a-zàâçéèêëîïôûùüÿœ'’-]+\s+[a-zàâçéèêëîïôûùüÿœ'’-]+\s+[a-zàâçéèêëîïôûùüÿœ'’-]+")


def label_decision(ctx: Context, m: Mention, line: Line) -> tuple[str, str] | None:
    """Mention at the start of a "Label : value" line -> (rule, role or reject:*)."""
    if line.kind != "label" or line.value_start is None or line.label_role is None:
        return None
    span = m.span(ctx.doc)
    prefix = ctx.text[line.value_start : span.start_char]
    if len(prefix) > 30 or re.search(r"[,;.(]", prefix.replace("**", "")):
        return None
    if _PROSE_AFTER.match(ctx.text[span.end_char : line.end]):
        return None  # "Hébergement : Scaleway interpelle les candidats" is a headline, not a label
    role = line.label_role
    if role in {"registrar", "email", "creator", "editor"}:
        return ("label", f"reject:{role}")
    if role == "host-component":
        role = "host"
    return ("label", role)


def table_decision(ctx: Context, m: Mention, line: Line, in_processors: bool) -> tuple[str, str] | None:
    """Row of a table: first-cell provider -> role from the other cells; key/value rows by their key."""
    if line.kind != "table" or not line.cells:
        return None
    span = m.span(ctx.doc)
    cells = line.cells
    idx = next((k for k, (a, b) in enumerate(cells) if a <= span.start_char < b), None)
    if idx is None:
        return None
    cell_texts = [ctx.text[a:b] for a, b in cells]
    if set("".join(cell_texts).replace(" ", "")) <= set("-:|"):
        return None
    if idx == 0:
        desc = " ".join(cell_texts[1:])
        role = role_from_description(desc)
        if role is None:
            return ("table-row", "sub-processor") if in_processors else None
        if role.startswith("reject") and not in_processors:
            return None
        return ("table-row", role)
    first = ctx.doc.char_span(cells[0][0], cells[0][1], alignment_mode="expand")
    first_is_org = first is not None and any(e.label_ == "PROVIDER" for e in first.ents)
    if idx == 1 and not first_is_org:
        key_role = label_role(cell_texts[0])
        if key_role in {"host", "data-storage", "cdn"}:
            return ("table-kv", key_role)
    return ("table-other-cell", "reject:second-tier")


_DASH = re.compile(r"^\s*(?:\([^)]{0,60}\))?\s*(?:\*\*)?\s*(?:—|–|-|:|=)\s*(.+)$", re.S)


def dash_decision(ctx: Context, m: Mention, line_idx: int) -> tuple[str, str] | None:
    """ "Name (country) — purpose" list items: the provider opens the line, its purpose follows a dash."""
    line = ctx.lines[line_idx]
    span = m.span(ctx.doc)
    if span.start_char > line.core_start + 3:
        return None
    rest = ctx.text[span.end_char : line.end]
    k = line_idx + 1
    while k < len(ctx.lines) and ctx.lines[k].kind == "text" and ctx.lines[k].core[:1].islower():
        rest += " " + ctx.lines[k].core
        k += 1
    dm = _DASH.match(rest)
    if not dm:
        return None
    role = role_from_description(dm.group(1)[:200])
    if role is None:
        return None
    return ("dash-list", role)
