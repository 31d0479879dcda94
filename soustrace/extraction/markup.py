"""Offset-preserving view of HTML/PHP/JSX markup: tags blanked out, human-readable attributes kept.

Why: crawled pages and repository files arrive as markup, and some disclosures live only in attributes
(an affiliate badge `<img alt="Hébergé par PlanetHoster">`). Blanking tags with spaces (a newline where a
block element starts) keeps every character offset valid, so relation offsets still slice the input.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"<!--.*?-->|<\?.*?\?>|<(/?)([a-zA-Z][\w:-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)/?>", re.S)
_SCRIPT = re.compile(r"<(script|style|svg)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_KEEP_ATTR = re.compile(r"\b(?:alt|title|aria-label)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "dd",
        "dt",
        "dl",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
        "address",
        "tbody",
        "thead",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "blockquote",
        "pre",
        "hr",
    ]
)
_LOOKS_LIKE_MARKUP = re.compile(r"<(?:[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|/[a-zA-Z][\w:-]*|\?[^>]*\?)>")


_MD_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\((?:[^()\s]|\([^()\s]*\))*\)")


def _mask_md_links(text: str) -> str:
    """Markdown links keep their text, their brackets and target become spaces: '[OVH](https://…)' -> ' OVH '.

    Why: the tokenizer glues 'DigitalOcean](https://www.digitalocean.com/…' into one URL-like token, so
    the provider name inside a sub-processor list item was never matched.
    """
    if "](" not in text:
        return text
    return _MD_LINK.sub(lambda m: " " + m.group(1) + " " * (len(m.group(0)) - len(m.group(1)) - 1), text)


def mask_markup(text: str) -> str:
    """`text` with tags replaced by spaces (same length); alt/title/aria-label values are kept in place."""
    text = _mask_md_links(text)
    if "<" not in text or not _LOOKS_LIKE_MARKUP.search(text):
        return text
    out = list(text)
    for m in _SCRIPT.finditer(text):  # code and CSS are not prose: blank them whole
        for i in range(m.start(), m.end()):
            if out[i] != "\n":
                out[i] = " "
    in_cell = False  # inside an HTML <td>/<th>: the row stays one line, cells open with '|'
    for m in _TAG.finditer(text):
        start, end = m.span()
        name = (m.group(2) or "").casefold()
        keep: list[tuple[int, int]] = []
        if m.group(3):
            base = m.start(3)
            for a in _KEEP_ATTR.finditer(m.group(3)):
                g = 1 if a.group(1) is not None else 2
                keep.append((base + a.start(g), base + a.end(g)))
        for i in range(start, end):
            if out[i] != "\n":
                out[i] = " "
        # a markdown table row with inline HTML must stay one line, or its cells fall apart
        line_start = text.rfind("\n", 0, start) + 1
        in_table = text[line_start:start].lstrip().startswith("|")
        for a, b in keep:
            out[a:b] = text[a:b]
            if a - 1 >= start and not in_table:
                out[a - 1] = "\n"  # each kept value reads as its own line
        if name in _CELL:
            in_cell = not m.group(1)
            if in_cell:
                out[start] = "|"  # '<tr><td>OVH</td><td>Hébergement</td></tr>' reads as the row '|OVH |Hébergement'
            continue
        if name in _ROW:
            in_cell = False
        elif in_cell:
            continue  # a <p> or <br> inside a cell does not break the row
        if (name in _BLOCK or keep) and not in_table:
            out[start] = "\n"
    return "".join(out)


_CELL = frozenset(["td", "th"])
_ROW = frozenset(["tr", "table", "thead", "tbody", "tfoot"])
