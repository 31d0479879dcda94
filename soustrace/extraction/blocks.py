"""Block-level rules: headed hosting blocks, sub-processor sections, catalog addresses, unknown names.

These read several lines at once (a heading, then a name two lines below; a legal name then its own
catalog address), where the per-mention frames of `decide.py` see one line or sentence.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Span

from soustrace.catalog import normalise, strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.decide import CONFIDENCE
from soustrace.extraction.frames import sentence_veto, verb_final_frame, verbal_frame
from soustrace.extraction.layout import Line, label_role
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


def block_rules(
    ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str], extra: list[dict[str, Any]]
) -> None:
    """Headed hosting blocks, then a provider's legal name followed by its own catalog address."""
    doc = ctx.doc
    by_line: dict[int, list[int]] = {}
    for k, m in enumerate(mentions):
        by_line.setdefault(ctx.line_of(m.span(doc).start_char), []).append(k)
    heads = [i for i, ln in enumerate(ctx.lines) if ln.kind == "heading" and ln.section == "hosting"]
    for h in heads:
        end = next(
            (
                j
                for j in range(h + 1, len(ctx.lines))
                if ctx.lines[j].kind == "heading" and ctx.lines[j].section != "hosting"
            ),
            len(ctx.lines),
        )
        end = min(end, h + 16)
        ks = [k for j in range(h, end) for k in by_line.get(j, [])]
        undecided = [k for k in ks if decided.get(k) == "undecided"]
        accepted = [k for k in ks if isinstance(decided.get(k), Candidate)]
        if undecided and (not accepted or undecided[0] < accepted[0]):
            k = undecided[0]
            m = mentions[k]
            sent = ctx.sent_of(m.start)
            if not sentence_veto(ctx, m, sent, None):
                line = ctx.lines[ctx.line_of(m.span(doc).start_char)]
                decided[k] = Candidate(m, _block_role(ctx, h), "block", CONFIDENCE["block"], None, line)
        elif not ks:
            _nameless_block(ctx, h, end, extra)
    _announced_values(ctx, by_line, mentions, decided, extra)
    _processor_section_rule(ctx, mentions, decided)
    _record_rule(ctx, mentions, decided)
    _copula_rule(ctx, mentions, decided)
    _purpose_rule(ctx, mentions, decided)
    _split_verb_rule(ctx, mentions, decided)
    _paren_provider_rule(ctx, mentions, decided)
    _storage_noun_rule(ctx, mentions, decided)
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        li = ctx.line_of(m.span(doc).start_char)
        line = ctx.lines[li]
        if ctx.line_sections[li][0] in {"editor", "creator", "registrar", "other", "processors"}:
            continue
        if normalise(line.core) != normalise(m.span(doc).text):
            continue
        for nxt in ctx.lines[li + 1 : li + 4]:
            if nxt.kind == "blank":
                continue
            if ctx.catalog.resolve_address(nxt.core) == m.pid:
                decided[k] = Candidate(m, "host", "entity-address", CONFIDENCE["entity-address"], None, line)
                break


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
        if i < 0 or doc[i].lower_ not in _SPLIT_PREPS:
            continue
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
            if label == "NONHOST_VERB" or _clause_end(doc, j):
                break


def _clause_end(doc: Any, j: int) -> bool:
    """A full stop that ends the clause: not after an abbreviation ("Industriestr.", "Nr.") or before a digit."""
    if doc[j].text != "." or j + 1 >= len(doc):
        return doc[j].text == "."
    prev, nxt = doc[j - 1].text, doc[j + 1]
    if nxt.is_space and j + 2 < len(doc):
        nxt = doc[j + 2]
    abbreviation = prev.lower().endswith(("str", "nr", "co", "inc", "ltd")) or len(prev) <= 2
    return not abbreviation and not nxt.text[:1].isdigit()


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
        while p >= sent.start and doc[p].lower_ in _NAME_DETERMINERS:
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


_PAREN_HEDGE = re.compile(r"\b(?:par exemple|for example|e\.g|z\.b|etc|ou|or|oder|o|of|sau)\b")


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
        if close is None or _PAREN_HEDGE.search(strip_accents(doc[m.end : close].text).casefold()):
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


def _announced_values(
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


def _block_role(ctx: Context, h: int) -> str:
    """Role a hosting heading names: "Base de données", "Les données sont stockées chez :" -> data-storage."""
    role = label_role(ctx.lines[h].core.rstrip(" :*"))
    return role if role in {"data-storage", "cdn"} else "host"


_HOSTING_KINDS = frozenset(["host", "paas", "cdn", "data-storage"])


def _processor_section_rule(ctx: Context, mentions: list[Mention], decided: dict[int, Candidate | str]) -> None:
    """Under a sub-processor heading, a hosting-kind provider opening a line is a sub-processor.

    Only when the line states no other purpose (analytics, e-mail, payment... veto it) and the provider is
    a hosting company by catalog kind; confidence stays low because the role is generic.
    """
    doc = ctx.doc
    for k, m in enumerate(mentions):
        if decided.get(k) != "undecided" or m.kind != "catalog":
            continue
        li = ctx.line_of(m.span(doc).start_char)
        if ctx.line_sections[li][0] != "processors":
            continue
        line = ctx.lines[li]
        span = m.span(doc)
        if span.start_char > line.core_start + 3:
            continue
        prov = ctx.catalog.get(m.pid)
        if prov is None or not _HOSTING_KINDS & set(prov.kind):
            continue
        rest = ctx.text[span.end_char : line.end]
        nxt = ctx.lines[li + 1] if li + 1 < len(ctx.lines) else None
        if nxt is not None and nxt.kind in {"text", "label"}:
            rest += " " + nxt.core
        role = role_from_description(rest) if rest.strip() else None
        if role is not None and role.startswith("reject"):
            decided[k] = role
            continue
        decided[k] = Candidate(m, role or "sub-processor", "processor-list", CONFIDENCE["processor-list"], None, line)


_NAME_PREPS = frozenset(["par", "chez", "by", "with", "bei", "auprès", "aupres", "von"])
_NAME_DETERMINERS = frozenset(
    [
        *("la", "le", "l'", "l’", "the", "der", "die", "de", ":"),
        *("société", "societe", "entreprise", "company", "firma"),
        *("agence", "agency", "prestataire", "hébergeur", "hebergeur", "fournisseur", "provider", "hoster", "anbieter"),
    ]
)
# no "cdn-verb": "protégé par X" is far more often the law or a security feature than a local CDN
_UNKNOWN_RULES = frozenset(["verb-prep", "noun-prep", "servers-by"])
_NAME_STOP = re.compile(
    r"^(?:h[ée]berg|host(?:s|ed|ing|er)?\b|web ?host\b|adresse|address|t[ée]l(?:[ée]phone|efon|[ée]fono)?\b|"
    r"phone|contact|e-?mail|site\b|si[èe]ge|"
    r"tour |immeuble|b[âa]timent|r[ée]sidence|parc |zone |zi |za |bp |cs |cedex|"
    r"capital|rcs|siret|siren|tva|vat|nom\b|name\b|france|europe|allemagne|germany|usa|[ée]tats|union|internet\b|"
    r"cloud\b|serveurs?\b|servers?\b|linux|docker|kubernetes|ubuntu|debian|nginx|apache|le |la |les |l'|un |une |des |"
    # a law or a standard is not an organisation ("hosted ... in compliance with the GDPR")
    r"gdpr|rgpd|dsgvo|ley |lei |legge |wet |iso ?\d|hds\b|secnumcloud|"
    r"the |a |an |nos |notre|our |mon |ma |mes |son |sa |ses |vous|votre|your|nous|ce |cette |[\[{(<]|http|www\.|"
    r"x{3,}|todo|tbd|lorem|[àa] compl[ée]ter|placeholder|example|exemple|nom de|"
    r"infrastructure|technologies?|donn[ée]es|data\b|databases?\b|datenbank|base\b|voir|see\b|n/a|non |aucun|"
    r"none|inconnu|[àa] pr[ée]ciser|"
    # software is not an organisation ("Backend : Node.js", "Base de données : PostgreSQL")
    r"node\.?js|php|python|java\b|ruby|rails|django|flask|fastapi|express|laravel|symfony|wordpress|drupal|"
    r"react|next\.?js|nuxt|vue|angular|svelte|typescript|javascript|postgres|postgresql|mysql|mariadb|sqlite|"
    r"mongodb\b(?! atlas)|redis\b(?! cloud)|elasticsearch|opensearch|prisma|graphql|rest\b|api\b|"
    # lodging: "Hébergement : Hôtel Marriott" is a stay, not a server
    r"h[ôo]tel|camping|g[îi]te|auberge|chambre|airbnb|appartement|r[ée]sidence|"
    # a role noun is not a name: "utilisé par le Sous-traitant", "hosted by the provider"
    r"sous-?traitant|prestataire|fournisseur|sub-?processor|processor|provider|supplier|vendor|"
    r"responsable|d[ée]veloppeur|developer)",
    re.I,
)
_ALTERNATIVES = re.compile(r"\s(?:ou|or|oder|o|of|sau|and/or|et/ou)\s|/", re.I)


def plausible_name(value: str) -> str | None:
    """A provider name as written after a hosting label or in a headed block, or None if it is not one."""
    v = re.split(
        r"\s*(?:,|;|\(|\.\s+(?=[A-Z])| - | – | — |\||\bsitu[ée]e?\b|\bsis\b|\bdont\b|\bau capital\b|\blocated\b|"
        r"\bwhose\b|\bbased\b|\bimmatricul)",
        value.strip().strip('"*`«»“”'),
        maxsplit=1,
    )[0]
    v = v.strip().strip('"*`«»“”:').strip()
    words = v.split()
    for n, word in enumerate(words):  # "Strato gehostet": a cue word ends the name
        if n and cues.word_label(word.casefold().strip(".,;:!?")) in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB"}:
            v = " ".join(words[:n])
            break
    if not re.search(r"\b(?:inc|ltd|co|corp|s\.a|s\.a\.s|s\.p\.a|s\.r\.l|b\.v|n\.v)\.$", v, re.I):
        v = v.rstrip(".").strip()
    v = re.sub(r"^(?:la soci[ée]t[ée]|l'entreprise|the company|soci[ée]t[ée])\s+", "", v, flags=re.I)
    if not v or len(v) < 2 or len(v) > 60 or len(v.split()) > 6 or _ALTERNATIVES.search(v):
        return None  # "Node.js/Express ou Python/FastAPI": options or a stack, not one provider
    if not (v[0].isupper() or v[0].isdigit()) or _NAME_STOP.match(v) or re.fullmatch(r"[\d\s.+-]+", v):
        return None
    if re.match(r"^\d+\s+[a-zà-ÿ]", v):
        return None  # "2 petits containers", "3 serveurs": a quantity, not a name ("1&1", "3DS Outscale" pass)
    if re.search(
        r"\b\d{5}\b|\b(?:rue|avenue|av|boulevard|bd|place|chemin|route|all[ée]e|quai|impasse|cours|street|"
        r"st|road|ave|bp|cedex)\b|@",
        v,
        re.I,
    ):
        return None
    if re.search(r"\b(?:est|is|sont|are|ist|a|ont|was)\b", v):
        return None
    return v


def _nameless_block(ctx: Context, h: int, end: int, extra: list[dict[str, Any]]) -> None:
    """A hosting block naming no catalog provider: a name-like first line, else a catalog address."""
    for j in range(h + 1, end):
        line = ctx.lines[j]
        if line.kind == "blank":
            continue
        if line.kind == "text":
            name = plausible_name(line.core)
            if name:
                role = _block_role(ctx, h)
                extra.append(_unknown(ctx, line.core_start + line.core.find(name), name, role, "block", line))
                return
        if line.kind == "label" and line.label_role in {"host", None}:
            label = strip_accents(line.core.split(":")[0]).casefold()
            if re.search(r"\b(?:nom|name|raison sociale|denomination|societe|company|hebergeur)\b", label):
                value = ctx.text[line.value_start : line.end] if line.value_start is not None else ""
                name = plausible_name(value)
                if name and line.value_start is not None:
                    start = line.value_start + value.find(name)
                    extra.append(_unknown(ctx, start, name, "host", "label", line))
                    return
        break
    for j in range(h + 1, end):
        line = ctx.lines[j]
        if line.kind == "blank":
            continue
        nxt = ctx.lines[j + 1].core if j + 1 < end else ""
        pid = ctx.catalog.resolve_address(line.core) or ctx.catalog.resolve_address(line.core + " " + nxt)
        if pid:
            rel = _unknown(ctx, line.core_start, line.core, "host", "address-only", line)
            rel["provider_id"] = pid
            rel["provider"] = ctx.catalog.display_name(pid)
            rel["confidence"] = CONFIDENCE["address-only"]
            extra.append(rel)
            return


def _unknown(ctx: Context, start: int, surface: str, role: str, rule: str, line: Line | None) -> dict[str, Any]:
    sent = ctx.doc.char_span(start, start + len(surface), alignment_mode="expand")
    sentence = (
        ctx.sent_of(sent.start).text.strip()
        if sent is not None and len(sent)
        else (line.text.strip() if line else surface)
    )
    pid = ctx.catalog.resolve(surface)
    return {
        "provider_id": pid,
        "provider": ctx.catalog.display_name(pid) if pid else surface,
        "surface": surface,
        "start": start,
        "end": start + len(surface),
        "role": role,
        "status": "current",
        "confidence": round(CONFIDENCE.get(rule, 0.6) * (1.0 if pid else 0.8), 2),
        "sentence": sentence,
        "rule": rule,
    }


def unknown_names(ctx: Context, mentions: list[Mention], extra: list[dict[str, Any]]) -> None:
    """Providers outside the catalog, named in a hosting label value or right after 'hébergé par'."""
    doc = ctx.doc
    covered = {i for m in mentions for i in range(m.start, m.end)}
    for line in ctx.lines:
        if line.kind != "label" or line.label_role not in {"host", "data-storage", "cdn"} or line.value_start is None:
            continue
        tok = doc.char_span(line.value_start, line.end, alignment_mode="expand")
        if tok is None or any(i in covered for i in range(tok.start, min(tok.end, tok.start + 4))):
            continue
        value = ctx.text[line.value_start : line.end]
        if re.search(r"\bh[ée]berg|\bhosted\b", value, re.I):
            continue  # a sentence as value: the verbal frame below handles it
        name = plausible_name(value)
        if name:
            start = line.value_start + value.find(name)
            extra.append(_unknown(ctx, start, name, line.label_role, "label", line))
            continue
        pid = ctx.catalog.resolve_address(value)
        if pid:  # "Hébergeur : 2 rue Kellermann, 59100 Roubaix": the catalog address names the provider
            surface = value.strip()
            rel = _unknown(ctx, line.value_start + value.find(surface), surface, line.label_role, "address-only", line)
            rel["provider_id"], rel["provider"] = pid, ctx.catalog.display_name(pid)
            rel["confidence"] = CONFIDENCE["address-only"]
            extra.append(rel)
    name_preps = _NAME_PREPS | languages.name_preps(ctx.lang)
    for j, tok in enumerate(doc):
        if tok.lower_ not in name_preps:
            continue
        k = j + 1
        while k < len(doc) and k - j <= 3 and doc[k].lower_ in _NAME_DETERMINERS:
            k += 1
        if k >= len(doc) or k in covered or not doc[k].text[:1].isupper() or doc[k].is_punct:
            continue
        sent = ctx.sent_of(k)
        probe = Mention(k, k + 1, None, "unknown")
        frame = verbal_frame(ctx, probe, sent)
        if frame is None and k == j + 1:  # German / Dutch: "bei X gehostet", "bij X gehost"
            frame = verb_final_frame(ctx, probe, sent)
        if frame is None or frame[2].startswith("reject") or frame[0] not in _UNKNOWN_RULES:
            continue
        # to the end of the line, not of the sentence: "Aruba S.p.A." must not end at its first dot
        rest = ctx.text[doc[k].idx : ctx.lines[ctx.line_of(doc[k].idx)].end]
        name = plausible_name(rest.split("\n")[0])
        if not name or sentence_veto(ctx, probe, sent, frame[1]):
            continue
        role = frame[2]
        if frame[0] in {"verb-prep", "noun-prep"}:
            obj = hosted_object_role(ctx, frame[1], probe, sent)
            # a name outside the catalog needs a hosted site/data: "l'association est hébergée par la
            # Maison des associations" is about offices, not servers
            if not obj or obj.startswith("reject"):
                continue
            if role != "data-storage":
                role = obj
        rel = _unknown(ctx, doc[k].idx, name, role, frame[0], None)
        rel["_cue"] = frame[1]
        extra.append(rel)
