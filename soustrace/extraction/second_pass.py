"""Second-pass rules on the mentions no frame governed: layouts and sentence shapes the frames do not read.

Why apart from `blocks.py`: these run only on "undecided" mentions, after the per-mention frames of
`decide.py`, and each reads one shape the first rules missed on real texts (issue 13, recall): a hosting
sentence ending with ':' and the name on the next line, a provider record with its 'Purpose:' line, copular
frames ("OVH est l'hébergeur du site"), purpose infinitives ("X pour héberger notre plateforme"), the German
participle after an address, a provider in parentheses after a hosting phrase, a storage noun with a supply
verb ("le stockage est assuré par X"). Each keeps the frames' vetoes (questions, options, examples, generic
statements about a provider).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Span

from soustrace.catalog import strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.decide import CONFIDENCE
from soustrace.extraction.frames import clause_end, sentence_veto
from soustrace.extraction.layout import Line
from soustrace.extraction.layout import label_is_options as layout_label_is_options
from soustrace.extraction.mentions import Candidate, Context, Mention
from soustrace.extraction.objects import (
    QUANTIFIED,
    _is_hard_boundary,
    _object_role,
    hosted_object_role,
    role_from_description,
)
from soustrace.extraction.status import lexical_status

_DETERMINERS = frozenset(["la", "le", "l'", "l’", "the", "der", "die", "de", ":", "société", "societe", "company"])


def undecided_rules(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """The second-pass shapes, in order; each takes only mentions still 'undecided'."""
    for rule in (_record_rule, _copula_rule, _purpose_rule, _split_verb_rule, _paren_provider_rule, _storage_noun_rule,
                 _our_servers_rule):
        rule(ctx, mentions, decided)


_PURPOSE_LABEL = re.compile(
    r"^(?:purpose|purposes|finalites?|role|function|fonction|service|services|usage|utilisation|use|"
    r"type de service|type of service|activite|activity|nature|description|objet|category|categorie|"
    r"prestation|traitement|processing activit\w*|zweck|funktion|leistung|finalidad|servicio|finalita|"
    r"servizio|doel|dienst|scop|serviciu)$"
)
_NAME_LABEL = re.compile(
    r"^(?:name|nom|provider|prestataire|fournisseur|sous-?traitant|sub-?processor|entity|entite|company|"
    r"societe|raison sociale|vendor|supplier|anbieter|proveedor|fornitore|leverancier|furnizor)$"
)


def _record_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """A provider record: its name (alone on a line, or after 'Name:'/'Provider:') and a 'Purpose:' line.

    Sub-processor pages often print one small block per provider ("Hetzner Online GmbH ⏎ Purpose: hosting
    ⏎ Location: Germany"); the purpose line of the same block (no blank line between) gives the role.
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        span = m.span(doc)
        li = ctx.line_of(span.start_char)
        line = ctx.lines[li]
        head = ctx.line_sections[li][1]
        if head is not None and layout_label_is_options(ctx.lines[head].core):
            continue  # a comparison or a list of options ("Comparatif des hébergeurs"), not this site's providers
        if line.kind == "label" and line.value_start is not None:
            label = strip_accents(line.core.split(":")[0]).casefold().strip(" *-")
            if not _NAME_LABEL.match(label) or span.start_char > line.value_start + 3:
                continue
        elif line.kind != "text" or span.start_char > line.core_start + 3 or len(line.core) > len(span.text) + 25:
            continue
        role = None
        for j in [*range(li + 1, min(len(ctx.lines), li + 5)), *range(li - 1, max(-1, li - 5), -1)]:
            other = ctx.lines[j]
            if other.kind == "blank" or other.kind == "heading":
                if j > li:
                    break
                continue
            if other.kind != "label" or other.value_start is None:
                continue
            label = strip_accents(other.core.split(":")[0]).casefold().strip(" *-")
            if _PURPOSE_LABEL.match(label):
                role = role_from_description(ctx.text[other.value_start : other.end])
                break
        if role is None:
            continue
        if role.startswith("reject"):
            decided[k] = role
            continue
        if role == "other" and "other" not in (ctx.catalog.get(m.pid).kind if ctx.catalog.get(m.pid) else ()):
            continue
        decided[k] = Candidate(m, role, "dash-list", CONFIDENCE["dash-list"], None, line)


_COPULA = frozenset(["est", "is", "ist", "es", "è", "este", "was", "était", "etait", "bleibt", "remains", "reste"])
_COPULA_FILL = frozenset(
    [
        *("l'", "l’", "le", "la", "notre", "nos", "son", "sa", "leur", "the", "our", "its", "their"),
        *("unser", "unsere", "der", "die", "el", "il", "lo", "nuestro", "nostro", "de", "het", "ons", "onze"),
        *("société", "societe", "company", "entreprise", "firma", "actuel", "actuellement", "current", "currently"),
        *("principal", "main", "officiel", "official", ",", ":"),
    ]
)


def _copula_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """Copular frames: "OVH est l'hébergeur du site", "L'hébergeur du site est la société o2switch",
    "Our hosting provider is Kinsta". The hosting noun and the provider are joined by a copula only.
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        sent = ctx.sent_of(m.start)
        cue = _host_is_x(ctx, m, sent) or _x_is_host(ctx, m, sent)
        if cue is None or sentence_veto(ctx, m, sent, cue) or _generic(sent):
            continue  # "OVH est l'hébergeur de milliers de sites" is about OVH, not about this site
        after = strip_accents(doc[cue : min(sent.end, cue + 6)].text).casefold()
        role = "data-storage" if _STORAGE_AFTER_NOUN.match(after) else "host"
        line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
        decided[k] = Candidate(m, role, "apposition", CONFIDENCE["apposition"], cue, line)


_STORAGE_AFTER_NOUN = re.compile(
    r"^\S+\s+(?:de la |des |du |of the |for the )?(?:bases? de donnees|database|sauvegardes|backups)"
)


_READERS = frozenset(["votre", "vos", "your", "ton", "tes", "ta", "dein", "deine", "ihre", "su", "sus", "tuo", "je"])
_PURPOSE_PREPS = frozenset(["pour", "to", "para", "per", "um", "om", "pentru", "afin"])


def _purpose_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """Purpose infinitives: "Nous avons choisi Clever Cloud pour héberger notre plateforme", "X pour stocker
    les données". The hosted object after the verb gives the role (a site -> host, data -> data-storage).
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        sent = ctx.sent_of(m.start)
        j = m.end
        while j < min(sent.end, m.end + 3) and doc[j].lower_ not in _PURPOSE_PREPS:
            if _is_hard_boundary(doc[j]) or doc[j].text in {",", "(", ")"}:
                break
            j += 1
        if j >= sent.end or doc[j].lower_ not in _PURPOSE_PREPS:
            continue
        v = j + 1
        if v < sent.end and doc[v].lower_ in {"de", "d'", "l'", "y"}:
            v += 1  # "afin de stocker", "pour y héberger"
        label = ctx.cue_at.get(v) if v < sent.end else None
        if label not in {"HOST_VERB", "STORE_VERB"} or sentence_veto(ctx, m, sent, v) or _generic(sent):
            continue
        if any(t.lower_ in _READERS for t in doc[v + 1 : min(sent.end, v + 5)]):
            continue  # "X propose des offres pour héberger votre site": an offer to the reader
        obj = _object_role(ctx, list(range(v + 1, min(sent.end, v + 5))))
        if obj is not None and obj.startswith("reject"):
            continue
        role = "data-storage" if label == "STORE_VERB" else (obj if obj in {"host", "data-storage", "other"} else None)
        if role is None:
            continue  # "Nous utilisons OVH pour héberger" without an object says too little
        line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
        decided[k] = Candidate(m, role, "for-hosting", CONFIDENCE["for-hosting"], v, line)


_SPLIT_PREPS = frozenset(["bei", "bij", "auf", "op"])
_SPLIT_DETS = frozenset(["der", "die", "dem", "den", "de", "het"])


def _split_verb_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """German / Dutch participle after the provider's address, across lines: "Die Website wird bei Hetzner
    Online GmbH, Industriestr. 25, 91710 Gunzenhausen, ⏎ info@hetzner.com gehostet." (an abbreviation like
    'Industriestr.' also ends spaCy's sentence, so the scan runs on tokens, to the real end of the clause).
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog" or ctx.lang not in {"de", "nl"}:
            continue
        i = m.start - 1
        if i >= 0 and doc[i].lower_ in _SPLIT_DETS:
            i -= 1
        if i < 0 or doc[i].lower_ not in _SPLIT_PREPS or clause_end(doc, m.end - 1):
            continue  # "bei Hetzner Online GmbH. Die Website wird …": the name's stop ends the clause
        for j in range(m.end, min(len(doc), m.end + 40)):
            tok = doc[j]
            if tok.text in {";", "!", "?"} or (tok.is_space and "\n\n" in tok.text):
                break
            label = ctx.cue_at.get(j)
            if label in {"HOST_VERB", "STORE_VERB"}:
                role = "data-storage" if label == "STORE_VERB" else "host"
                line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
                decided[k] = Candidate(m, role, "verb-prep", CONFIDENCE["verb-prep"], j, line)
                break
            if label == "NONHOST_VERB" or clause_end(doc, j):
                break


_STORAGE_NOUN = re.compile(
    r"^(?:stockage|storage|sauvegardes?|backups?|archivage|speicherung|datenspeicherung|almacenamiento|"
    r"archiviazione|opslag|stocarea?|database|databases|bdd)$"
)
_SUPPLY_BY = re.compile(
    r"^(?:\S+\s+){0,5}?(?:assur[ée]e?s?|fourni[es]*|g[ée]r[ée]e?s?|op[ée]r[ée]e?s?|r[ée]alis[ée]e?s?|effectu[ée]e?s?|"
    r"provided|handled|managed|operated|performed|done|run|supplied|erfolgt|durchgef[üu]hrt|bereitgestellt|"
    r"proporcionad[oa]s?|gestionad[oa]s?|fornit[oa]|gestit[oa]|geleverd|verzorgd|asigurat[aă]?)\s+"
    r"(?:par|by|von|durch|por|da|door|de)$"
)


def _storage_noun_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """A storage noun as subject, a supply verb, then the provider: "Le stockage des données est assuré par X",
    "Backups are handled by X", "Storage is provided by X" -> data-storage."""
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        sent = ctx.sent_of(m.start)
        p = m.start - 1
        while p >= sent.start and doc[p].lower_ in _DETERMINERS:
            p -= 1
        for j in range(p - 1, max(sent.start, p - 10) - 1, -1):
            if _is_hard_boundary(doc[j]) or ctx.cue_at.get(j) in {"HOST_VERB", "STORE_VERB", "HOST_NOUN"}:
                break
            if _STORAGE_NOUN.match(strip_accents(doc[j].lower_)):
                between = strip_accents(doc[j + 1 : p + 1].text).casefold()
                if _SUPPLY_BY.match(between) and not sentence_veto(ctx, m, sent, j) and not _generic(sent):
                    line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
                    decided[k] = Candidate(m, "data-storage", "noun-prep", CONFIDENCE["noun-prep"], j, line)
                break


_PAREN_HEDGE = re.compile(r"\b(?:par exemple|for example|e\.g|z\.b|etc)\b")


def _paren_provider_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """A provider in parentheses right after a hosting phrase: "hébergement sécurisé en France (OVHcloud)",
    "databases are hosted within the European Union (Scaleway)". The phrase before '(' holds the cue.
    """
    doc = ctx.doc
    ends = {mm.end for mm in mentions}
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        p = m.start - 1
        if p < 1 or doc[p].text != "(" or p in ends:
            continue  # "MongoDB Atlas (AWS)" is a layering, read by the coordination rules
        close = next((j for j in range(m.end, min(len(doc), m.end + 4)) if doc[j].text == ")"), None)
        inside = " " + strip_accents(doc[m.end : close].text).casefold() + " " if close is not None else ""
        if close is None or _PAREN_HEDGE.search(inside) or languages.alternatives_regex(ctx.lang).search(inside):
            continue  # "(OVH par exemple)", "(OVH ou Scaleway)"
        sent = ctx.sent_of(m.start)
        cue = None
        for j in range(p - 1, max(sent.start, p - 9) - 1, -1):
            tok = doc[j]
            if _is_hard_boundary(tok) or tok.text in {",", ")"} or ctx.cue_at.get(j) == "NONHOST_VERB":
                break
            if ctx.cue_at.get(j) in {"HOST_VERB", "STORE_VERB", "HOST_NOUN"}:
                cue = j
                break
        if cue is None or sentence_veto(ctx, m, sent, cue) or _generic(sent):
            continue
        obj = hosted_object_role(ctx, cue, m, sent)
        if obj is not None and obj.startswith("reject"):
            continue
        role = "data-storage" if ctx.cue_at.get(cue) == "STORE_VERB" else (obj or "host")
        line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
        decided[k] = Candidate(m, role, "paren-role", CONFIDENCE["paren-role"], cue, line)
        # "(Scaleway and/or Hetzner)", "(OVH, Scaleway)": every provider named inside shares the frame
        for j in range(k + 1, len(mentions)):
            other = mentions[j]
            if other.start >= close or decided.get(j) != "undecided" or other.kind != "catalog":
                break
            decided[j] = Candidate(other, role, "paren-role", CONFIDENCE["paren-role"], cue, line)


_OF_MANY = re.compile(r"\b(?:de|d'|of) (?:milliers|millions|centaines|nombreux|thousands|millions|hundreds|many)\b")


def _generic(sent: Span) -> bool:
    folded = strip_accents(sent.text).casefold()
    return bool(QUANTIFIED.search(folded) or _OF_MANY.search(folded))


_POSSESSIVE = frozenset(
    ["notre", "nos", "our", "son", "sa", "its", "leur", "their", "unser", "unsere", "nuestro", "nostro", "onze", "ons"]
)
_THIS_SITE = re.compile(
    r"^\s*(?:web\s+)?(?:du|de ce|de cette|de notre|de la|de l'|des|of|for)\s+(?:the |this |our |ce |cette |notre |"
    r"la |l')?(?:site|website|web site|plateforme|platform|service|application|app|donnees|data|base|projet|project)"
)


def _this_sites_noun(ctx: Context, noun: int, sent: Span, copula_next: bool) -> bool:
    """The hosting noun is this site's ("notre hébergeur", "l'hébergeur du site"), not a trade ("un hébergeur
    français", "le plus grand hébergeur européen")."""
    doc = ctx.doc
    if any(doc[i].lower_ in _POSSESSIVE for i in range(max(sent.start, noun - 2), noun)):
        return True
    after = strip_accents(doc[noun + 1 : min(sent.end, noun + 7)].text).casefold()
    if _THIS_SITE.match(after):
        return True
    definite = noun - 1 >= sent.start and doc[noun - 1].lower_ in {"l'", "l’", "le", "la", "the"}
    return copula_next and definite  # "L'hébergeur est la société X", "The host is X"


_FIRST_PERSON = frozenset(["notre", "nos", "our", "unser", "unsere", "unseren", "nuestro", "nuestros", "nostro",
                           "nostri", "onze", "ons"])
_OUR_THINGS = frozenset(["serveurs", "serveur", "servers", "server", "instances", "instance", "plateforme",
                         "plateformes", "platform", "platforms", "site", "sites", "website", "services", "service",
                         "application", "applications", "app", "infrastructure", "server-infrastruktur"])
_RELATIVES = frozenset(["dont", "qui", "whose", "which", "where", "où", "deren", "dessen", "cuyos", "cuyas"])
_PLURAL_COPULA = frozenset(["sont", "are", "sind", "zijn", "sono", "son", "sunt", "étaient", "were", "waren"])
_AT_PREPS = frozenset(["chez", "sur", "at", "with", "on", "bei", "auf", "en", "presso", "bij", "op", "la"])


def _our_servers_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """The writer's own servers at a provider: "Nos serveurs sont chez l'hébergeur OVH", "… l'hébergeur OVH,
    dont les serveurs abritent l'ensemble des instances de nos clients" (a relative clause whose hosting verb
    has the writer's things as object). A provider described by its trade alone stays no relation."""
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        sent = ctx.sent_of(m.start)
        cue = _relative_hosts_ours(ctx, m, sent) or _ours_at(ctx, m, sent)
        if cue is None or sentence_veto(ctx, m, sent, cue) or _OF_MANY.search(strip_accents(sent.text).casefold()):
            continue
        line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
        decided[k] = Candidate(m, "host", "apposition", CONFIDENCE["apposition"], cue, line)


def _relative_hosts_ours(ctx: Context, m: Mention, sent: Span) -> int | None:
    doc = ctx.doc
    j = m.end
    if j < sent.end and doc[j].text == ",":
        j += 1
    if j >= sent.end or doc[j].lower_ not in _RELATIVES:
        return None
    verb = next((i for i in range(j + 1, min(sent.end, j + 8)) if ctx.cue_at.get(i) == "HOST_VERB"), None)
    if verb is None:
        return None
    return verb if any(doc[i].lower_ in _FIRST_PERSON for i in range(verb + 1, min(sent.end, verb + 10))) else None


def _ours_at(ctx: Context, m: Mention, sent: Span) -> int | None:
    """FIRST-PERSON THING (copula or hosting verb) PREP [l'hébergeur [adj]] MENTION, within 8 tokens."""
    doc = ctx.doc
    lo = max(sent.start, m.start - 9)
    for i in range(lo, m.start - 1):
        if doc[i].lower_ in _FIRST_PERSON and doc[i + 1].lower_ in _OUR_THINGS:
            between = range(i + 2, m.start)
            if any(_is_hard_boundary(doc[t]) for t in between):
                return None
            if any(doc[t].lower_ in _AT_PREPS for t in between) and any(
                    doc[t].lower_ in _COPULA | _PLURAL_COPULA or ctx.cue_at.get(t) == "HOST_VERB" for t in between):
                return i + 1
    return None


def _host_is_x(ctx: Context, m: Mention, sent: Span) -> int | None:
    """HOST_NOUN ... COPULA [fillers] MENTION, the noun at most 6 tokens before the copula."""
    doc = ctx.doc
    i = m.start - 1
    while i >= sent.start and doc[i].lower_ in _COPULA_FILL:
        i -= 1
    if i < sent.start or doc[i].lower_ not in _COPULA:
        return None
    for j in range(i - 1, max(sent.start, i - 7) - 1, -1):
        if _is_hard_boundary(doc[j]) or ctx.cue_at.get(j) in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB"}:
            return None
        if ctx.cue_at.get(j) == "HOST_NOUN" and doc[j].lower_ not in {"hébergement", "hebergement"}:
            return j if _this_sites_noun(ctx, j, sent, copula_next=j + 1 == i) else None
    return None


def _x_is_host(ctx: Context, m: Mention, sent: Span) -> int | None:
    """MENTION COPULA [fillers] HOST_NOUN: "OVH est l'hébergeur du site", "Kinsta is our host"."""
    doc = ctx.doc
    j = m.end
    if j < sent.end and doc[j].lower_ not in _COPULA:
        return None
    j += 1
    while j < sent.end and doc[j].lower_ in _COPULA_FILL:
        j += 1
    if j < sent.end and ctx.cue_at.get(j) == "HOST_NOUN" and doc[j].lower_ not in {"hébergement", "hebergement"}:
        return j if _this_sites_noun(ctx, j, sent, copula_next=False) else None
    return None


def announced_values(
    ctx: Context,
    by_line: dict[int, list[int]],
    mentions: list[Mention],
    decided: dict[int, Candidate | str],
    extra: list[dict[str, Any]],
) -> None:
    """A hosting sentence ending with ':' names its provider on the next non-blank line (blank lines between).

    Only the first non-blank line counts, and only a provider opening it or a name-like line: "Le site est
    hébergé par la société : ⏎ ⏎ Vercel Inc. ⏎ Adresse : ...".
    """
    doc = ctx.doc
    for i, line in enumerate(ctx.lines):
        if line.announces is None or by_line.get(i):
            continue  # "Il sito è ospitato su GitHub Pages:" already names its provider
        j = i + 1
        while j < len(ctx.lines) and j <= i + 3 and ctx.lines[j].kind == "blank":
            j += 1
        if j >= len(ctx.lines) or ctx.lines[j].kind not in {"text", "heading"}:
            continue
        nxt = ctx.lines[j]
        role = line.announces if line.announces in {"host", "data-storage", "cdn"} else "host"
        said = _announcing_status(ctx, line)
        if said is None:
            continue  # "Vous pouvez héberger votre site chez :", "Où est hébergé le site ?" : advice, question
        ks = by_line.get(j, [])
        if ks:
            k = ks[0]
            m = mentions[k]
            span = m.span(doc)
            if (
                decided.get(k) == "undecided"
                and span.start_char <= nxt.core_start + 3
                and len(nxt.core) <= len(span.text) + 30  # the line is the name, not a sentence about it
            ):
                decided[k] = Candidate(m, role, "block", CONFIDENCE["block"], None, nxt, status_hint=said)
            continue
        # a name outside the catalog on that line is left alone: on the samples it added no true host


def _announcing_status(ctx: Context, line: Line) -> str | None:
    """Status the announcing sentence gives its value (tense, negation), or None when it vetoes it."""
    span = ctx.doc.char_span(line.core_start, line.end, alignment_mode="expand")
    if span is None or len(span) < 2:
        return None
    cue = next((t.i for t in span if cues.word_label(t.lower_) in {"HOST_VERB", "STORE_VERB", "HOST_NOUN"}), None)
    probe = Mention(span.end - 1, span.end, None, "unknown")
    sent = ctx.sent_of(span.start)
    if sentence_veto(ctx, probe, sent, cue) or _ADVICE.search(strip_accents(span.text).casefold()):
        return None
    return lexical_status(ctx, Candidate(probe, "host", "block", 0.0, cue, line), span) or "current"


_ADVICE = re.compile(
    r"(?:vous pouvez|you can|you may|peut|can be|could|pourrait|pourriez|recommand\w*|conseill\w*|"
    r"exemples?|examples?|such as|comme|tel que|par exemple|e\.g\.|z\.b\.|ejemplo|esempio)\b"
)
