"""Rule decision per mention: the first layout or sentence frame that governs it, its role or a veto.

Returns a `Candidate` (accepted, with the rule that fired), a `reject:<reason>` string, or "undecided"
(no frame: the block rules and the model may still take it).
"""

from __future__ import annotations

import re
from typing import Any

from soustrace.catalog import strip_accents
from soustrace.extraction import cues, languages
from soustrace.extraction.frames import sentence_decision, sentence_veto, verbal_frame
from soustrace.extraction.layout import label_is_options
from soustrace.extraction.layout_rules import dash_decision, label_decision, table_decision
from soustrace.extraction.mentions import Candidate, Context, Mention
from soustrace.extraction.objects import (
    QUANTIFIED,
    _object_role,
    coordinated,
    hosted_object_role,
    nearest_object_role,
)

CONFIDENCE = {
    "label": 0.9,
    "table-kv": 0.9,
    "verb-prep": 0.85,
    "active": 0.85,
    "noun-prep": 0.8,
    "apposition": 0.8,
    "table-row": 0.8,
    "dash-list": 0.8,
    "paren-role": 0.9,
    "for-hosting": 0.75,
    "cdn-before": 0.8,
    "cdn-after": 0.8,
    "cdn-verb": 0.8,
    "coordination": 0.8,
    "enumeration": 0.75,
    "block": 0.7,
    "servers-of": 0.65,
    "servers-by": 0.7,
    "migration": 0.7,
    "for-cdn": 0.7,
    "for-storage": 0.7,
    "still-at": 0.6,
    "transfer": 0.6,
    "entity-address": 0.5,
    "address-only": 0.4,
    "processor-list": 0.55,
    "recourse": 0.75,
    "email": 0.75,
}


_OPTION_HEADING = re.compile(
    r"\b(?:options?|alternatives?|alternativas?|alternatieven|comparatif|comparaison|comparison|choix|choices?|"
    r"scenarios?|possibilites|pistes|pros and cons|avantages|inconvenients|ventajas|desventajas|benchmark|"
    # a CV or skills section lists what someone knows, not what hosts the site
    r"competences|skills|savoir-faire|expertises?|technologies maitrisees|curriculum|cv|formations?|"
    r"certifications?|partenaires technologiques|technology partners|integrations?)\b"
)


# a section stating what was chosen ("## Choix techniques", "Our choices"): its labels are the choice made
_CHOSEN_HEADING = re.compile(r"\b(?:choix|choices?|retenu\w*|selected|decision\w*)\b")


def _alternative(ctx: Context, m: Mention, mentions: list[Mention], k: int) -> bool:
    """True when an 'or' joins this mention to a neighbouring provider mention (within a few tokens)."""
    doc = ctx.doc
    ors = languages.alternative_words(ctx.lang)
    for j in (k - 1, k + 1):
        if not 0 <= j < len(mentions):
            continue
        other = mentions[j]
        lo, hi = (other.end, m.start) if j < k else (m.end, other.start)
        between = doc[lo:hi]
        # "et/ou", "and/or": both are named as used
        if (
            0 < hi - lo <= 6
            and "\n" not in between.text
            and any(t.lower_ in ors and doc[t.i - 1].text != "/" for t in between)
        ):
            return True
    return False


def _runs_code(ctx: Context, m: Mention) -> bool:
    """A platform that runs the code it holds (a PaaS), as opposed to a code forge (catalog kind)."""
    prov = ctx.catalog.get(m.pid) if m.pid else None
    return prov is not None and "paas" in prov.kind and "code-forge" not in prov.kind


def decide(
    ctx: Context, m: Mention, mentions: list[Mention], k: int, decided: dict[int, Candidate | str]
) -> Candidate | str:
    """The first frame's verdict, then the general vetoes of `refine` on an accepted candidate."""
    verdict = _first_frame(ctx, m, mentions, k, decided)
    if isinstance(verdict, Candidate):
        return refine(ctx, verdict)
    return verdict


def refine(ctx: Context, cand: Candidate) -> Candidate | str:
    """Vetoes that hold whatever frame accepted the mention: what is hosted, and for whom.

    * the reader's site or app ("hébergez votre site chez X", "host your app on X"): a tutorial or an offer;
    * an offer ("l'hébergement proposé par X", "the hosting offered by X"): what X sells, not who hosts;
    * a label naming another function ("Suivi de l'usage du site : X", "Formulaire : X"): not the host.
    """
    m = cand.mention
    sent = ctx.sent_of(m.start)
    doc = ctx.doc
    lo = max(sent.start, min(m.start, cand.cue if cand.cue is not None else m.start) - 8)
    around = strip_accents(doc[lo : min(sent.end, m.end + 6)].text).casefold()
    if cues.READER_OBJECT.search(around) and cand.rule not in {"label", "table-kv"}:
        return "reject:reader-site"
    if cand.cue is not None and cand.cue < m.start and cand.rule in {"verb-prep", "noun-prep", "apposition"}:
        between = strip_accents(doc[cand.cue + 1 : m.start].text).casefold()
        if cues.OFFER_VERB.search(between):
            return "reject:offer"
    if cand.cue is not None and cand.rule in _FRAME_RULES:
        # the words right around the hosting word: what is hosted ("le meetup est hébergé par", "hosts the event")
        near = strip_accents(doc[max(sent.start, cand.cue - 4) : min(sent.end, cand.cue + 6)].text).casefold()
        if cues.EVENT_OR_LODGING.search(near):
            return "reject:event-or-lodging"
    li = ctx.line_of(m.span(doc).start_char)
    other_org_section = ctx.line_sections[li][0] in {"creator", "registrar", "editor"}
    if (
        cand.rule in _FRAME_RULES
        and other_org_section
        and not any(cues.OBJ_SITE.match(t.text) or cues.OBJ_DATA.match(t.text) for t in doc[sent.start : m.start])
    ):
        return "reject:other-org-section"  # "Développement : Agence X, hébergée chez Y": the agency's host
    line = cand.line
    if cand.rule == "label" and line is not None and line.value_start is not None:
        raw_label = ctx.text[line.start : line.value_start]
        if _DNS_LABEL.search(strip_accents(raw_label).casefold()):
            return "reject:dns-label"  # "Name Server: NS1.OVH.NET" (a WHOIS record): DNS, not the host
        if _CODE_LABEL.search(raw_label.rstrip(" \t*_:=：\"'")):
            return "reject:code-label"  # 'brevo-api@{shape: stadium, label: "API Brevo"}' is code, not a label
        label = strip_accents(raw_label).casefold()
        if cand.role == "host" and cues.NONHOST_FUNCTION.search(label) and not re.search(r"h[e]berg|\bhost", label):
            return "reject:label-function"
        if _COST_LABEL.search(label):
            return "reject:cost-label"  # "Hosting costs: AWS $120/month": a budget line, not a disclosure
    framed = cand.rule in _FRAME_RULES and cand.cue is not None and cand.cue < m.start
    if cand.role == "host" and framed and _function_object(ctx, cand.cue, sent):  # type: ignore[arg-type]
        cand.role = "other"  # "logiciel de suivi de l'usage …, hébergé par X": a hosted tool, not the site
    if cand.role == "host" and cand.rule not in _FRAME_RULES:
        after = strip_accents(ctx.text[span_end(ctx, m) : line.end if line is not None else None][:80]).casefold()
        if cues.DATA_HOSTING.search(after) and not _SITE_WORD.search(after):
            cand.role = "data-storage"  # "X (Image hosting)", "X — hébergement des données"
    return cand


_SITE_WORD = re.compile(r"\b(?:site|website|sites|plateforme|platform|application|app|frontend|backend)\b")


_FRAME_RULES = frozenset(["verb-prep", "noun-prep", "active", "servers-by", "recourse"])
_COST_LABEL = re.compile(r"\b(?:costs?|couts?|prix|prices?|pricing|budgets?|tarifs?|billing|facturation|estimat\w*)\b")
_DNS_LABEL = re.compile(r"\b(?:name ?servers?|serveurs? (?:de noms|dns)|nserver|ns\d?)\b")
_CODE_LABEL = re.compile(r"@\{|[<>]|=")  # mermaid / markup / assignment syntax before the colon


def span_end(ctx: Context, m: Mention) -> int:
    return m.span(ctx.doc).end_char


def _function_object(ctx: Context, cue: int, sent: Any) -> bool:
    """The clause before the hosting verb names a tool's function before any site or data word."""
    doc = ctx.doc
    start = cue - 1
    while (
        start > sent.start
        and doc[start].text not in {".", ";", "!", "?", "|", ":"}
        and "\n" not in doc[start].text_with_ws
        and cue - start < 20
    ):
        start -= 1
    clause = strip_accents(doc[start:cue].text).casefold()
    fn = cues.TOOL_FUNCTION.search(clause)
    if fn is None:
        return False
    site = re.search(r"\b(?:site|website|plateforme|platform|application|app|donnees|data)\b", clause)
    return site is None or fn.start() < site.start()


def _first_frame(
    ctx: Context, m: Mention, mentions: list[Mention], k: int, decided: dict[int, Candidate | str]
) -> Candidate | str:
    doc = ctx.doc
    span = m.span(doc)
    sent = ctx.sent_of(m.start)
    li = ctx.line_of(span.start_char)
    line = ctx.lines[li]
    section = ctx.line_sections[li][0]

    def cand(rule: str, role: str, cue: int | None = None) -> Candidate | str:
        if role.startswith("reject"):
            return role
        return Candidate(m, role, rule, CONFIDENCE.get(rule, 0.6), cue, line)

    head = ctx.line_sections[li][1]
    head_text = strip_accents(ctx.lines[head].core).casefold() if head is not None else ""
    option_section = bool(head_text) and _OPTION_HEADING.search(head_text) is not None
    if option_section and (line.kind != "label" or not _CHOSEN_HEADING.search(head_text)):
        return "reject:option-section"  # "### Options de déploiement", "Comparatif", "## Compétences"
    hit = label_decision(ctx, m, line)
    if hit:
        return cand(*hit)
    in_value = line.kind == "label" and span.start_char >= (line.value_start or 0)
    if in_value and label_is_options(line.core.split(":")[0]):
        return "reject:options-label"  # "Coût selon hébergeur : Scaleway, Hetzner", "Privilégier un hébergeur : X"
    if in_value and line.label_role in {"registrar", "email"}:
        return f"reject:{line.label_role}-line"  # "Domaine : x.fr est hébergé chez o2switch" is the domain
    if _alternative(ctx, m, mentions, k):
        return "reject:alternatives"  # "Scalingo ou CleverCloud", "AWS or Azure": a choice, not a fact
    hit = table_decision(ctx, m, line, section == "processors" or _table_is_processors(ctx, li))
    if hit:
        return cand(*hit)
    frame = sentence_decision(ctx, m, sent)
    if frame:
        rule, cue, verdict = frame
        veto = sentence_veto(ctx, m, sent, cue)
        if veto:
            return f"reject:{veto}"
        if verdict.startswith("reject"):
            return verdict
        role = verdict
        if rule == "servers-of":
            before, after = doc[sent.start : cue].text, doc[cue : sent.end].text
            served = _SERVED_OBJECT.search(before) or _SERVED_PURPOSE.search(after)
            if cue + 1 < len(doc) and doc[cue + 1].lower_ in {"chez", "bei", "auprès", "aupres"}:
                served = served or _SERVED_OBJECT.search(after)  # "nos serveurs chez X … la plateforme"
            if not served or QUANTIFIED.search(strip_accents(sent.text).casefold()):
                return "reject:servers-without-object"  # "un datacenter d'OVH ... des milliers de sites"
            obj = nearest_object_role(ctx, cue, sent)
            if obj and obj.startswith("reject"):
                return obj
            role = obj if obj in {"data-storage", "other"} else "host"
        if rule in {"verb-prep", "active", "noun-prep"}:
            obj = hosted_object_role(ctx, cue, m, sent)
            if obj == "reject:code" and _runs_code(ctx, m):
                obj = "host"  # "le code est hébergé par Heroku": code deployed on a PaaS is the application
            if obj == "data-storage" and _data_word_in_name(ctx, cue, sent):
                obj = None  # "Le Health Data Hub est hébergé par X": a name, not the data
            gap = _gapped_object(ctx, cue, m, mentions, k)
            if gap:
                obj = gap  # "the database is hosted on X and the frontend on Y": Y hosts the frontend
            if obj and obj.startswith("reject"):
                return obj
            if obj == "data-storage" and _SITE_AND_DATA.search(strip_accents(doc[sent.start : cue].text).casefold()):
                obj = "host"  # "le site et ses données sont hébergés chez X": the site's host
            if obj and (verdict != "data-storage" or gap):
                role = obj
        return cand(rule, role, cue)
    hit = dash_decision(ctx, m, li)
    if hit:
        return cand(*hit)
    # coordination with an accepted neighbour: "GitHub et Netlify", "Heroku - AWS Frankfurt", "X (Y)"
    if k > 0:
        prev = decided.get(k - 1)
        if (
            isinstance(prev, Candidate)
            and ctx.sent_of(prev.mention.start) == sent
            and _coord(ctx, prev.mention, m)
            and prev.rule not in {"block", "entity-address"}
        ):
            if sentence_veto(ctx, m, sent, prev.cue):
                return "reject:coordination-veto"
            c = cand("coordination", prev.role, prev.cue)
            if isinstance(c, Candidate):
                c.status_hint = prev.status_hint
            return c
    enum = _enumeration(ctx, m, sent)
    if enum:
        return cand(*enum)
    return "undecided"


def _coord(ctx: Context, left: Mention, right: Mention) -> bool:
    return coordinated(ctx, left, right)


def _table_is_processors(ctx: Context, li: int) -> bool:
    """A table whose header row names providers/sub-processors, even without a heading above it."""
    for j in range(li - 1, max(-1, li - 40), -1):
        line = ctx.lines[j]
        if line.kind != "table":
            return False
        head = strip_accents(line.text).casefold()
        if re.search(
            r"sub-?processor|sub-?contractor|sous-?traitant|prestataire|provider|fournisseur|entity|"
            r"processor|vendor|supplier",
            head,
        ):
            return True
    return False


def _enumeration(ctx: Context, m: Mention, sent: Any) -> tuple[str, str, int] | None:
    """'hébergés chez plusieurs fournisseurs, dont GitHub et Netlify' -> the named members of the NP."""
    doc = ctx.doc
    i = m.start - 1
    if i < sent.start or doc[i].lower_ not in {"dont", "including", "notamment", "namely", "among"}:
        return None
    j = i - 1
    while j >= sent.start and doc[j].text in {",", "»", '"', "”", ")", "'"}:
        j -= 1
    pseudo = Mention(j + 1, j + 1, None, "pseudo")
    hit = verbal_frame(ctx, pseudo, sent)
    if hit and not hit[2].startswith("reject"):
        return ("enumeration", hit[2], hit[1])
    return None


_SERVED_OBJECT = re.compile(
    r"\b(?:site|sites|donn[ée]es|data|application|plateforme|platform|sauvegardes?|backups?|fichiers|"
    r"website|contenus?|ip|domaine|domain|pointe|points)\b",
    re.I,
)
_SERVED_PURPOSE = re.compile(
    r"\b(?:pour|for)\s+(?:son|sa|ses|leur|leurs|le|la|les|its|their|the|our|notre|nos)\s+"
    r"(?:site|sites|website|application|plateforme|platform|donn[ée]es|data)\b",
    re.I,
)


_SITE_AND_DATA = re.compile(
    r"\b(?:site|website|plateforme|platform|application|app)s?\s+(?:et|and|und|y|e|en|ainsi que|as well as)\s+"
    r"(?:ses |leurs |les |its |their |the |seine |ihre |sus |i suoi )?(?:donnees|data|daten|datos|dati|gegevens)\b|"
    r"\b(?:donnees|data|daten|datos|dati|gegevens)\s+(?:et|and|und|y|e|en)\s+(?:le |la |the |die |el |il )?"
    r"(?:site|website|plateforme|platform|application|app)s?\b"
)


def _gapped_object(ctx: Context, cue: int, m: Mention, mentions: list[Mention], k: int) -> str | None:
    """Object named between an earlier provider of the same frame and this one (gapping).

    "Our database is hosted on Supabase and the frontend on Netlify": the verb's object is "database"
    for Supabase; "the frontend" names Netlify's.
    """
    if k == 0 or not cue < mentions[k - 1].start < m.start:
        return None
    gap = ctx.doc[mentions[k - 1].end : m.start]
    words = [t.lower_ for t in gap]
    # only "X and the <object> on Y": a purpose of X ("chez X pour le routage mail et chez Y") is X's
    if not words or words[0] not in {"et", "and", "und", "y", "e", "en", ",", ";"} or _PURPOSE & set(words):
        return None
    return _object_role(ctx, list(range(gap.start + 1, m.start)))


_PURPOSE = frozenset(["pour", "for", "para", "per", "für", "voor", "pentru"])


def _data_word_in_name(ctx: Context, cue: int, sent: Any) -> bool:
    """Every data word before the verb is capitalised inside a name ("Health Data Hub", "Data Lake Inc")."""
    doc = ctx.doc
    hits = [i for i in range(max(sent.start, cue - 12), cue) if cues.OBJ_DATA.match(doc[i].text)]

    def in_name(i: int) -> bool:
        neighbours = doc[i - 1].text[:1].isupper() or doc[i + 1].text[:1].isupper()
        return doc[i].text[:1].isupper() and i > sent.start and neighbours

    return bool(hits) and all(in_name(i) for i in hits)
