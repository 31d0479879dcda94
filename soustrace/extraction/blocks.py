"""Block-level rules: headed hosting blocks, sub-processor sections, catalog addresses, unknown names.

These read several lines at once (a heading, then a name two lines below; a legal name then its own
catalog address), where the per-mention frames of `decide.py` see one line or sentence.
"""

from __future__ import annotations

import re
from typing import Any

from soustrace.catalog import normalise, strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.decide import CONFIDENCE
from soustrace.extraction.frames import sentence_veto, verb_final_frame, verbal_frame
from soustrace.extraction.layout import Line, label_role
from soustrace.extraction.mentions import Candidate, Context, Mention
from soustrace.extraction.objects import (
    hosted_object_role,
    role_from_description,
)
from soustrace.extraction.second_pass import announced_values, undecided_rules
from soustrace.extraction.supplier_frames import entrusted_frame


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
    announced_values(ctx, by_line, mentions, decided, extra)
    _processor_section_rule(ctx, mentions, decided)
    undecided_rules(ctx, mentions, decided)
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
_ENTRUSTED_PREPS = frozenset(["à", "a", "to", "an", "zu", "aan"])  # "confié à", "outsourced to" (entrusted_frame)
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
    r"none|inconnu|[àa] pr[ée]ciser|not applicable|non applicable|unknown|unbekannt|keine?\b|ninguno|nessuno|"
    r"geen\b|neant|néant|sans objet|"
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


_NAME_PARTICLES = frozenset(
    ["de", "du", "des", "la", "le", "et", "&", "and", "of", "the", "von", "van", "der", "di", "y"]
)


def plausible_name(value: str, lang: str | None = None) -> str | None:
    """A provider name as written after a hosting label or in a headed block, or None if it is not one.

    `lang`: the document's language, for its 'or' words (None: every language's).
    """
    v = re.split(
        r"\s*(?:,|;|\(|\.\s+(?=[A-Z])| - | – | — |\||\bsitu[ée]e?\b|\bsis\b|\bdont\b|\bau capital\b|\blocated\b|"
        r"\bwhose\b|\bbased\b|\bimmatricul)",
        value.strip().strip('"*`«»“”'),
        maxsplit=1,
    )[0]
    v = v.strip().strip('"*`«»“”:').strip()
    words = v.split()
    ends = languages.name_end_words()
    for n, word in enumerate(words):
        # "Strato gehostet": a cue word ends the name; so does a lower-case place or time preposition
        # ("GoDaddy until 2019", "Backblaze in the Netherlands", "X à Lyon"): written names capitalise theirs
        bare = word.strip(".,;:!?")
        if n and cues.word_label(bare.casefold()) in {"HOST_VERB", "STORE_VERB", "NONHOST_VERB"}:
            v = " ".join(words[:n])
            break
        if n and bare in ends:
            # the cut keeps a written name only: capitalised words ("All images served from …" is prose)
            if not all(w[:1].isupper() or w[:1].isdigit() or w in _NAME_PARTICLES for w in words[1:n]):
                return None
            v = " ".join(words[:n])
            break
    if not re.search(r"\b(?:inc|ltd|co|corp|s\.a|s\.a\.s|s\.p\.a|s\.r\.l|b\.v|n\.v)\.$", v, re.I):
        v = v.rstrip(".").strip()
    v = re.sub(r"^(?:la soci[ée]t[ée]|l'entreprise|the company|soci[ée]t[ée])\s+", "", v, flags=re.I)
    if not v or len(v) < 2 or len(v) > 60 or len(v.split()) > 6 or "/" in v or _options(v, lang):
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


def _options(name: str, lang: str | None) -> bool:
    return bool(languages.alternatives_regex(lang).search(" " + strip_accents(name).casefold() + " "))


def _nameless_block(ctx: Context, h: int, end: int, extra: list[dict[str, Any]]) -> None:
    """A hosting block naming no catalog provider: a name-like first line, else a catalog address."""
    for j in range(h + 1, end):
        line = ctx.lines[j]
        if line.kind == "blank":
            continue
        if line.kind == "text":
            name = plausible_name(line.core, ctx.lang)
            if name:
                role = _block_role(ctx, h)
                extra.append(_unknown(ctx, line.core_start + line.core.find(name), name, role, "block", line))
                return
        if line.kind == "label" and line.label_role in {"host", None}:
            label = strip_accents(line.core.split(":")[0]).casefold()
            if re.search(r"\b(?:nom|name|raison sociale|denomination|societe|company|hebergeur)\b", label):
                value = ctx.text[line.value_start : line.end] if line.value_start is not None else ""
                name = plausible_name(value, ctx.lang)
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
    own_servers(ctx, mentions, extra)
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
        name = plausible_name(value, ctx.lang)
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
    name_preps = _NAME_PREPS | languages.name_preps(ctx.lang) | _ENTRUSTED_PREPS
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
        frame = verbal_frame(ctx, probe, sent) if tok.lower_ not in _ENTRUSTED_PREPS else None
        if frame is None and k == j + 1 and tok.lower_ not in _ENTRUSTED_PREPS:  # "bei X gehostet"
            frame = verb_final_frame(ctx, probe, sent)
        if frame is None and tok.lower_ in _ENTRUSTED_PREPS | {"chez", "aupres", "auprès"}:
            frame = entrusted_frame(ctx, probe, sent)  # "L'hébergement est confié à la société X"
        if frame is None or frame[2].startswith("reject") or frame[0] not in _UNKNOWN_RULES | {"recourse"}:
            continue
        # to the end of the line, not of the sentence: "Aruba S.p.A." must not end at its first dot
        rest = ctx.text[doc[k].idx : ctx.lines[ctx.line_of(doc[k].idx)].end]
        name = plausible_name(rest.split("\n")[0], ctx.lang)
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


# "self-hosted on our own servers", "hébergé sur nos propres serveurs": the organisation hosts itself.
# The possessive phrase is the provider as written (the samples' convention for unnamed hosts).
_OWN_SERVERS = re.compile(
    r"\b(?:self-hosted|hosted|hébergée?s?|hebergee?s?|stored|stockée?s?|stockee?s?|runs?|tourne(?:nt)?)\s+"
    r"(?:(?:exclusively|entirely|only|uniquement|exclusivement|entièrement)\s+)?(?:on|sur|in|dans)\s+"
    r"(?P<name>(?:our|nos|notre)\s+(?:own|propres?)\s+(?:servers?|serveurs?|infrastructure|"
    r"data ?cent(?:er|re)s?|datacenters?))\b",
    re.I,
)


def own_servers(ctx: Context, mentions: list[Mention], extra: list[dict[str, Any]]) -> None:
    """Self-hosting stated outright: an unknown-name relation whose surface is the possessive phrase.

    "own" / "propres" is required ("nos serveurs" are often rented: "nos serveurs chez OVH"), and a
    sentence naming a provider is left to the provider's frames.
    """
    low = ctx.text.lower()
    if " own " not in low and "propre" not in low:
        return
    for hit in _OWN_SERVERS.finditer(ctx.text):
        span = ctx.doc.char_span(hit.start("name"), hit.end("name"), alignment_mode="expand")
        if span is None or not len(span):
            continue
        sent = ctx.sent_of(span.start)
        if any(sent.start <= mm.start < sent.end for mm in mentions):
            continue
        folded = strip_accents(sent.text).casefold()
        if cues.NEGATION.search(folded) or cues.OPTION_SENT.search(folded) or sent.text.rstrip().endswith("?"):
            continue
        verb = hit.group(0).split()[0].casefold()
        role = "data-storage" if verb.startswith(("stor", "stock")) else "host"
        extra.append(_unknown(ctx, hit.start("name"), hit.group("name"), role, "own-servers", None))
