"""Sentence frames: which provider mention is in which hosting frame, with which role.

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

Layout frames live in `layout_rules.py`, block rules in `blocks.py`; `decide.py` applies them in order.
Words come from `cues.py` and the per-language files of `languages/`. Status is decided by `status.py`.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from soustrace.catalog import strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.mentions import DESCRIPTOR_MAX, VERB_TO_PREP_MAX, Context, Mention
from soustrace.extraction.objects import (
    _PROSE_AFTER,
    _SITE_WORD,
    _descriptor_ok,
    _is_hard_boundary,
    _local_example,
    _object_role,
    nearest_object_role,
    role_from_description,
)
from soustrace.extraction.supplier_frames import email_frame, recourse_frame


def verbal_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """(rule, cue index, verdict) for a preposition-introduced slot: verb ... PREP [descriptors] MENTION."""
    doc = ctx.doc
    preps = cues.preps_for(ctx.lang)
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
            # "l'hébergement (du service) est réalisé / assuré par X": the hosting noun is the subject
            for s in range(j - 1, max(sent.start, j - 7) - 1, -1):
                if _is_hard_boundary(doc[s]) or doc[s].text == ",":
                    break
                if ctx.cue_at.get(s) == "HOST_NOUN" and doc[s].lower_ not in {"host", "hébergeur", "hebergeur"}:
                    return ("noun-prep", s, "host")
                if ctx.cue_at.get(s) in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB"}:
                    break
            # "conçu et hébergé par X" is caught above; "hébergé et réalisé par X" stays ambiguous -> reject
            return ("nonhost-verb", j, "reject:nonhost-verb")
        if label == "SERVERS" and j == prep - 1 and doc[prep].lower_ in {"sur", "on", "dans", "in"}:
            return None
        if label == "SERVERS" and j == prep - 1 and doc[prep].lower_ in {"chez", "bei", "auprès", "aupres"}:
            return ("servers-of", j, "host")  # "nos serveurs chez X": decide checks what they serve
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
# the hosted object quantified as a provider's customers: "les sites de nombreuses associations", "thousands of"
_CUSTOMERS = re.compile(
    r"\b(?:de nombreu\w+|des milliers|des millions|des centaines|plusieurs|la plupart|beaucoup|many|"
    r"thousands|millions|hundreds|numerous|several|clients|customers|members|membres|adherents)\b"
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
            folded_after = strip_accents(after.text).casefold()
            if _GENERIC_OBJ.search(folded_after) or _CUSTOMERS.search(folded_after):
                return ("active", j, "reject:generic")  # "X héberge les sites de nombreuses associations"
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
    if _paren_example(ctx, m):
        return ("apposition", m.start, "reject:example")
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


_EXAMPLE_IN_PAREN = re.compile(
    r"\b(?:par exemple|p\. ?ex|for example|for instance|e\.g|z\.b|zum beispiel|beispielsweise|por ejemplo|"
    r"ad esempio|per esempio|bijvoorbeeld|bv|de exemplu|etc)\b"
)


def _paren_example(ctx: Context, m: Mention) -> bool:
    """The name inside a parenthesis that gives an example: "hébergement (OVH par exemple)", "(e.g. X)".

    An example is not a statement; the words may come before or after the name, in any language.
    """
    doc = ctx.doc
    open_ = next((i for i in range(m.start - 1, max(-1, m.start - 5), -1) if doc[i].text in {"(", ")"}), None)
    if open_ is None or doc[open_].text != "(":
        return False
    close = next((j for j in range(m.end, min(len(doc), m.end + 6)) if doc[j].text in {")", "("}), None)
    if close is None or doc[close].text != ")":
        return False
    return bool(_EXAMPLE_IN_PAREN.search(strip_accents(doc[open_ + 1 : close].text).casefold()))


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
    if not re.search(
        r"(?:\bde|\bdepuis|\bfrom|d'|quitte|quitter|quittant|left|leaving|\bvers|\bto|\bchez|\bpour|\bsur|\bonto|"
        r"\bnach|\bzu)\s*(?:l'|la |le |the )?$",
        left,
    ):
        return None
    # what moved: "migrated our database from X to Y" moves data, "our code from GitHub" is no hosting
    obj = nearest_object_role(ctx, m.start, sent)
    role = obj if obj == "data-storage" or (obj or "").startswith("reject") else "host"
    return ("migration", m.start - 1, role)


_VERB_FINAL_PREPS = frozenset(["bei", "auf", "bij", "op"])


def verb_final_frame(ctx: Context, m: Mention, sent: Span) -> tuple[str, int, str] | None:
    """German / Dutch verb-final frame: 'wird bei X[, Adresse] gehostet', 'wordt bij X gehost'.

    The hosting participle closes the clause, after the provider and often after its address, so the
    scan runs to the end of the line (an abbreviation like 'Industriestr.' may end the spaCy sentence).
    """
    doc = ctx.doc
    if m.start - 1 < sent.start or doc[m.start - 1].lower_ not in _VERB_FINAL_PREPS:
        return None
    li = ctx.line_of(m.span(doc).start_char)
    line_end = ctx.lines[li].end
    if ctx.lines[li].text.rstrip().endswith(",") and li + 1 < len(ctx.lines):
        line_end = ctx.lines[li + 1].end  # a hard-wrapped address: "bei X, Str. 25, Ort,\ninfo@x.de gehostet"
    for j in range(m.end - 1, min(len(doc), m.end + 25)):
        tok = doc[j]
        if j < m.end:  # the name's last token may carry the full stop ("GmbH.")
            if clause_end(doc, j):
                return None
            continue
        if tok.idx >= line_end or tok.text in {";", "!", "?"} or clause_end(doc, j):
            return None
        label = ctx.cue_at.get(j)
        if label in {"HOST_VERB", "STORE_VERB"}:
            return ("verb-prep", j, "data-storage" if label == "STORE_VERB" else "host")
        if label == "NONHOST_VERB":
            return None
    return None


_ABBREVIATION = re.compile(r"(?:str|nr|co|inc|ltd|bzw|ca|vgl|evtl)$", re.I)


def clause_end(doc: Doc, j: int) -> bool:
    """A full stop ending the clause: "… ein Konto. Die Website wird …", "bei Hetzner Online GmbH. Die …".

    The verb-final scans run past spaCy's sentence ends (addresses hold abbreviations: "Industriestr. 25"),
    so they need their own: not after an abbreviation, not before a digit; a stop inside a token ("GmbH.")
    ends the clause only before a capitalised word.
    """
    text = doc[j].text
    if text == ".":
        if j + 1 >= len(doc):
            return True
        prev, attached = (doc[j - 1].text if j else ""), False
    elif len(text) > 2 and text.endswith(".") and text[:-1].isalpha():
        if j + 1 >= len(doc):
            return True
        prev, attached = text[:-1], True
    else:
        return False
    nxt = doc[j + 1]
    if nxt.is_space and j + 2 < len(doc):
        nxt = doc[j + 2]
    if len(prev) <= 2 or _ABBREVIATION.search(prev) or nxt.text[:1].isdigit():
        return False
    return not attached or (nxt.text[:1].isupper() and nxt.text[:1].isalpha())


SENTENCE_FRAMES = (
    email_frame,
    recourse_frame,
    _still_at,
    _transfer,
    _migration,
    _apposition,
    verbal_frame,
    verb_final_frame,
    _active_frame,
    _following_cue,
)


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
    own = languages.status_regex("option")  # the vocabularies' own example / advice / modal words
    if own is not None and ctx.lang != "fr" and own.search(folded):
        return "option"
    if _local_example(ctx, m) or _EXAMPLE_SENT.match(folded):
        return "example"  # "ex. OVH", "For example, GitHub Pages hosts static sites"
    if _ETC_LIST.search(strip_accents(ctx.doc[m.end : min(sent.end, m.end + 12)].text).casefold()):
        return "example"  # "(OVH, Scaleway...)", "AWS, GCP, etc.": a list of examples
    return None


_EXAMPLE_SENT = re.compile(
    r"^\W*(?:par exemple|for example|for instance|e\.g\b|zum beispiel|beispielsweise|por ejemplo|ad esempio|"
    r"per esempio|bijvoorbeeld|de exemplu)\b"
)
_ETC_LIST = re.compile(r"^[^()]{0,60}?(?:\.\.\.|…|\betc\b)")
