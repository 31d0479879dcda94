"""Layout decisions: a mention on a "Label : value" line, in a table row, or opening a dash list item."""

from __future__ import annotations

import re

from soustrace.catalog import strip_accents
from soustrace.extraction import languages
from soustrace.extraction.layout import Line, label_role
from soustrace.extraction.mentions import Context, Mention
from soustrace.extraction.objects import _PROSE_AFTER, role_from_description

_UNDECIDED_VALUE = re.compile(r"\b(?:a decider|a definir|a choisir|to be decided|tbd|tbc)\b")
GENERIC_LABEL = re.compile(
    r"^(?:fournisseur|provider|prestataire|service provider|supplier|vendor|anbieter|proveedor|fornitore|"
    r"leverancier|furnizor|societe|company|company name|nom|name|raison sociale|denomination|entreprise)$"
)


def label_is_options(ctx: Context, line: Line) -> bool:
    """A label value that lists alternatives ("Scalingo ou CleverCloud", "vercel, aws, or other")."""
    if line.value_start is None:
        return False
    value = strip_accents(ctx.text[line.value_start : line.end]).casefold()
    value = re.split(r"\s[—–-]\s", value, maxsplit=1)[0]  # a comment after a dash is not the value
    return options_value(ctx, value)


def options_value(ctx: Context, folded: str) -> bool:
    """Alternatives ("A ou B", in the document's language) or an open choice ("à définir", "TBD")."""
    return bool(languages.alternatives_regex(ctx.lang).search(folded) or _UNDECIDED_VALUE.search(folded))


def generic_label_role(ctx: Context, line: Line, li: int) -> str | None:
    """'Fournisseur : X', 'Company name: X' under a hosting heading: the role the heading names."""
    label = strip_accents(line.core.split(":")[0].split("=")[0]).casefold().strip(" *-")
    if not GENERIC_LABEL.match(label):
        return None
    section, head = ctx.line_sections[li]
    if head is None:
        return None
    if section == "processors":
        return "sub-processor"
    role = label_role(ctx.lines[head].core)  # "### Base de données" -> data-storage, "Hébergement front" -> host
    if role in {"host", "data-storage", "cdn"}:
        return role
    return "host" if section == "hosting" else None


_INLINE_LABEL = re.compile(r"(?:^|[.;|•·]\s+|\s[-–—]\s+)(?P<label>[^.;:|•·\n]{2,50}?)\s*(?:\*\*)?\s*:\s*(?:\*\*)?\s*$")


def inline_label_decision(ctx: Context, m: Mention, line: Line) -> tuple[str, str] | None:
    """A second label on the same line: "Éditeur : X. Hébergeur : GitHub", "Site hosting: … Data hosting: Y".

    The label is the clause right before the mention ending with ':' (after a sentence end or a bullet);
    its role decides as a label line's would. Only host / data-storage / cdn labels speak here.
    """
    span = m.span(ctx.doc)
    before = ctx.text[line.core_start : span.start_char]
    if ":" not in before:
        return None
    lm = _INLINE_LABEL.search(before)
    if lm is None or len(lm.group("label").split()) > 6:
        return None
    role = label_role(lm.group("label"))
    if role not in {"host", "data-storage", "cdn"}:
        return None
    if _PROSE_AFTER.match(ctx.text[span.end_char : line.end]):
        return None
    value_end = re.search(r"[.;|](?:\s|$)", ctx.text[span.end_char : line.end])
    value = ctx.text[span.end_char : span.end_char + (value_end.start() if value_end else line.end - span.end_char)]
    if options_value(ctx, strip_accents(value).casefold()):
        return ("label", "reject:options")
    return ("label", role)


def label_decision(ctx: Context, m: Mention, line: Line) -> tuple[str, str] | None:
    """Mention at the start of a "Label : value" line -> (rule, role or reject:*)."""
    if line.kind in {"label", "text"}:
        span = m.span(ctx.doc)
        if line.kind == "text" or span.start_char > (line.value_start or 0) + 30:
            return inline_label_decision(ctx, m, line)
    if line.kind != "label" or line.value_start is None:
        return None
    role = line.label_role
    if role is None:
        role = generic_label_role(ctx, line, ctx.line_of(line.start))
        if role is None:
            return None
    span = m.span(ctx.doc)
    prefix = ctx.text[line.value_start : span.start_char]
    if len(prefix) > 30 or re.search(r"[,;(]|\.(?=\s|$)", prefix.replace("**", "")):
        return None  # a clause before the name; a dot inside a word ("Next.js on X") is no sentence end
    if _PROSE_AFTER.match(ctx.text[span.end_char : line.end]):
        return None  # "Hébergement : Scaleway interpelle les candidats" is a headline, not a label
    if role in {"registrar", "email", "creator", "editor"}:
        return ("label", f"reject:{role}")
    if label_is_options(ctx, line):
        return ("label", "reject:options")
    if role == "host-component":
        role = "host"
    return ("label", role)


_PROVIDER_HEAD = re.compile(
    r"\b(?:provider|providers|prestataire|prestataires|sous-?traitants?|sub-?processors?|subprocessors?|"
    r"processors?|fournisseurs?|vendors?|suppliers?|entity|entite|entity name|company|societe|"
    r"organisation|organization|hebergeurs?|hosts?|hoster|anbieter|dienstleister|auftragsverarbeiter|"
    r"proveedor(?:es)?|encargados?|fornitor[ei]|responsabili|leverancier|verwerker|furnizor\w*|"
    r"name|nom|raison sociale|partner|partenaire)\b"
)
_ROLE_HEAD = re.compile(
    r"\b(?:purpose|purposes|finalites?|role|roles|function|fonction|services?|usage|utilisation|use|"
    r"usages?|type|nature|activity|activite|description|objet|category|categorie|zweck|funktion|"
    r"leistung|finalidad|servicio|finalita|servizio|doel|dienst|scop|serviciu|tache|mission|"
    r"composant|component|layer|couche|brique|besoin|prestation|traitement|processing)\b"
)


def table_header(ctx: Context, li: int) -> list[str] | None:
    """Header cells of the table holding line `li`: the row above the |---| rule, else the block's first row."""
    j = li
    while j - 1 >= 0 and ctx.lines[j - 1].kind == "table":
        j -= 1
    rows = [k for k in range(j, li + 1)]
    for k in rows:
        if _is_rule_row(ctx, ctx.lines[k]):
            return _cell_texts(ctx, ctx.lines[k - 1]) if k > j else None
    return None


def _is_rule_row(ctx: Context, line: Line) -> bool:
    return bool(line.cells) and set("".join(_cell_texts(ctx, line)).replace(" ", "")) <= set("-:|")


def _cell_texts(ctx: Context, line: Line) -> list[str]:
    return [strip_accents(ctx.text[a:b]).casefold().strip(" *_`") for a, b in line.cells]


def header_columns(header: list[str]) -> tuple[int | None, int | None]:
    """(provider column, purpose column) of a header row, None where no header cell names one."""
    prov = next((k for k, h in enumerate(header) if _PROVIDER_HEAD.search(h)), None)
    role = next((k for k, h in enumerate(header) if k != prov and _ROLE_HEAD.search(h)), None)
    return prov, role


def _headed_row(
    ctx: Context, idx: int, cell_texts: list[str], header: list[str], in_processors: bool
) -> tuple[str, str] | None:
    """A provider in a table whose header names the provider column (and maybe a purpose column)."""
    prov, purpose = header_columns(header)
    if prov is None or len(header) != len(cell_texts):
        return None
    if idx != prov:
        return ("table-other-cell", "reject:second-tier")  # "Location: Europe (AWS)", a parent in a note
    role = role_from_description(cell_texts[purpose]) if purpose is not None else None
    if role is None:
        # "| Composant | Hébergeur |": the provider column's own header or the row's key names the role
        key = cell_texts[0] if prov != 0 else ""
        role = next(
            (r for r in (label_role(header[prov]), label_role(key)) if r in {"host", "data-storage", "cdn"}), None
        )
    if role is None and purpose is None:
        return None  # no purpose column ("| ASN | Provider | IPs | Risk |"): the cell-by-cell reading decides
    if role is None:
        return ("table-row", "sub-processor") if in_processors else None
    if role.startswith("reject") and not in_processors:
        return None
    return ("table-row", role)


def _service_role(ctx: Context, m: Mention, hit: tuple[str, str] | None) -> tuple[str, str] | None:
    """Role 'other' (e-mail relay, video) only for a provider in that trade; a host's mailbox is no relation.

    "Brevo — e-mails transactionnels" is an 'other' relation; "IONOS — messagerie" is the e-mail side of a
    hosting company, which the samples leave out.
    """
    if hit is None or hit[1] != "other":
        return hit
    prov = ctx.catalog.get(m.pid) if m.pid else None
    if prov is not None and "other" in prov.kind:
        return hit
    return (hit[0], "reject:email")


def table_decision(ctx: Context, m: Mention, line: Line, in_processors: bool) -> tuple[str, str] | None:
    """Row of a table: by its header's provider/purpose columns, else first-cell provider -> role from the
    other cells; key/value rows by their key."""
    hit = _table_decision(ctx, m, line, in_processors)
    hit = _service_role(ctx, m, hit)
    if hit is not None and hit[1] == "reject:email" and not in_processors:
        return None
    return hit


def _table_decision(ctx: Context, m: Mention, line: Line, in_processors: bool) -> tuple[str, str] | None:
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
    li = ctx.line_of(line.start)
    header = table_header(ctx, li)
    if header is not None:
        if li + 1 < len(ctx.lines) and _is_rule_row(ctx, ctx.lines[li + 1]):
            return None  # the header row itself
        hit = _headed_row(ctx, idx, cell_texts, header, in_processors)
        if hit is not None:
            return hit
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


_PAREN_PURPOSE = re.compile(r"^\s*\(([^()]{3,200})\)\s*[.;,]?\s*$")


def dash_decision(ctx: Context, m: Mention, line_idx: int) -> tuple[str, str] | None:
    """ "Name (country) — purpose" list items: the provider opens the line, its purpose follows a dash."""
    line = ctx.lines[line_idx]
    span = m.span(ctx.doc)
    if span.start_char > line.core_start + 3:
        return None
    rest = re.sub(r"^\]?\([^)]*\)|^\]", "", ctx.text[span.end_char : line.end])  # "[X](url) - purpose"
    k = line_idx + 1
    while k < len(ctx.lines) and ctx.lines[k].kind == "text" and ctx.lines[k].core[:1].islower():
        rest += " " + ctx.lines[k].core
        k += 1
    dm = _DASH.match(rest)
    desc = dm.group(1) if dm else None
    if desc is None and ctx.line_sections[line_idx][0] == "processors":
        pm = _PAREN_PURPOSE.match(rest)  # "- Brevo (e-mails transactionnels, UE)." in a sub-processor list
        desc = pm.group(1) if pm else None
    if desc is None:
        return None
    role = role_from_description(desc[:200])
    if role is None:
        return None
    return _service_role(ctx, m, ("dash-list", role))
