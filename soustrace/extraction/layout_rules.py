"""Layout decisions: a mention on a "Label : value" line, in a table row, or opening a dash list item."""

from __future__ import annotations

import re

from soustrace.catalog import strip_accents
from soustrace.extraction.layout import Line, label_role
from soustrace.extraction.mentions import Context, Mention
from soustrace.extraction.objects import _PROSE_AFTER, role_from_description

_OPTION_VALUE = re.compile(
    r"\s(?:ou|or|oder|o|of|sau|and/or|et/ou)\s|\b(?:a decider|a definir|a choisir|to be decided|tbd|tbc)\b|"
    r"\b(?:ou|or) (?:autre|other)\b"
)
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
    return bool(_OPTION_VALUE.search(value))


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


def label_decision(ctx: Context, m: Mention, line: Line) -> tuple[str, str] | None:
    """Mention at the start of a "Label : value" line -> (rule, role or reject:*)."""
    if line.kind != "label" or line.value_start is None:
        return None
    role = line.label_role
    if role is None:
        role = generic_label_role(ctx, line, ctx.line_of(line.start))
        if role is None:
            return None
    span = m.span(ctx.doc)
    prefix = ctx.text[line.value_start : span.start_char]
    if len(prefix) > 30 or re.search(r"[,;.(]", prefix.replace("**", "")):
        return None
    if _PROSE_AFTER.match(ctx.text[span.end_char : line.end]):
        return None  # "Hébergement : Scaleway interpelle les candidats" is a headline, not a label
    if role in {"registrar", "email", "creator", "editor"}:
        return ("label", f"reject:{role}")
    if label_is_options(ctx, line):
        return ("label", "reject:options")
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
    rest = re.sub(r"^\]?\([^)]*\)|^\]", "", ctx.text[span.end_char : line.end])  # "[X](url) - purpose"
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
