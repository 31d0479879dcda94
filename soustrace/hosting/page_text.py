"""Main text of a disclosure page: boilerplate out, but the legal footer in.

Menus, headers, cookie banners and link lists would drown the extractor in provider-looking words
("Cloud", "Hébergement" menu entries) and move every span when a menu changes. But French *mentions
légales* very often live IN the footer ("Site hébergé par OVH"), sometimes only in an image's alt text
(an "Hébergé par PlanetHoster" badge). So footers are dropped only when they carry no legal marker, and
a kept footer's image alt texts are read too.

Pages rendered by JavaScript carry little static text; they are flagged, because an empty extraction
there means "not read", not "no host named".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

JS_NOTE = "mostly JavaScript: only the static HTML was read"

LEGAL_MARKERS = re.compile(
    r"h[ée]berg|hosted|hosting|\bhost\b|h[ée]bergeur|siren|siret|\brcs\b|capital social|"
    r"directeu?r(?:rice)? de (?:la )?publication|[ée]diteur|publisher|impressum|sous-traitant|sub-?processor",
    re.IGNORECASE,
)
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head", "button", "select", "canvas")
_BOILERPLATE_TAGS = ("nav", "header", "aside")
_BOILERPLATE_ROLES = ("navigation", "banner", "search", "dialog", "alertdialog")
_BOILERPLATE_ATTR = re.compile(
    r"(?:^|[\s_-])(cookies?|consent|tarteaucitron|breadcrumbs?|navbar|menu|skip-?link|sidebar|share|social)"
    r"(?:$|[\s_-])", re.IGNORECASE)
_FOOTER_ATTR = re.compile(r"(?:^|[\s_-])(footer|pied(?:-de-page)?)(?:$|[\s_-])", re.IGNORECASE)
_BLOCK = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article",
          "main", "footer", "address", "dt", "dd", "dl", "blockquote", "pre", "br", "hr", "form", "fieldset",
          "figure", "figcaption", "body", "caption", "tbody", "thead"}
_CELL = {"td", "th"}
_APP_ROOT = re.compile(r"<div[^>]+id=[\"'](?:root|app|__next|__nuxt|q-app)[\"'][^>]*>\s*</div>", re.IGNORECASE)


@dataclass(slots=True)
class PageText:
    text: str
    lang: str | None
    title: str | None
    mostly_js: bool
    note: str | None


def _attrs(el: etree._Element) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _is_footer(el: etree._Element) -> bool:
    return el.tag == "footer" or el.get("role") == "contentinfo" or bool(_FOOTER_ATTR.search(_attrs(el)))


def _is_boilerplate(el: etree._Element) -> bool:
    if el.tag in _BOILERPLATE_TAGS or (el.get("role") or "") in _BOILERPLATE_ROLES:
        return True
    return bool(_BOILERPLATE_ATTR.search(_attrs(el))) and el.tag not in ("body", "main", "article")


def _raw_text(el: etree._Element) -> str:
    parts = [el.text_content()]
    parts += [img.get("alt") or "" for img in el.iter("img")]
    return " ".join(parts)


def _strip(root: etree._Element) -> None:
    """Remove scripts and navigation; remove footers and cookie banners unless they hold legal text."""
    for el in list(root.iter(*_DROP_TAGS)):
        _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _is_footer(el):
            if not LEGAL_MARKERS.search(_raw_text(el)):
                _drop(el)
        elif _is_boilerplate(el) and not (el.tag == "header" and _inside_article(el)):
            if LEGAL_MARKERS.search(_raw_text(el)) and el.tag not in ("nav",) and "cookie" not in _attrs(el).lower():
                continue  # an <aside> or header block that states the host is content, not chrome
            _drop(el)


def _inside_article(el: etree._Element) -> bool:
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text (it belongs to the parent)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _render(el: etree._Element, out: list[str], in_cell: bool = False) -> None:
    """Blocks on their own lines; table rows as `| cell | cell |` lines (sub-processor lists are tables)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    block = tag in _BLOCK and tag != "tr"
    if tag == "tr":
        out.append("\n|")
    elif block:
        out.append(" " if in_cell else "\n")
    if tag in _CELL:
        out.append(" ")
    if tag == "img":
        alt = (el.get("alt") or el.get("title") or "").strip()
        if alt and LEGAL_MARKERS.search(alt):
            out.append(f" {alt} ")
    if el.text and isinstance(el.tag, str):
        out.append(el.text)
    for child in el:
        _render(child, out, in_cell or tag in _CELL)
    if tag in _CELL:
        out.append(" |")
    elif block:
        out.append(" " if in_cell else "\n")
    if el.tail:
        out.append(el.tail)


def _normalize(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u202f]+", " ", line).strip() for line in text.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _pick_main(body: etree._Element) -> etree._Element:
    for xpath in ("//main", "//*[@role='main']", "//article"):
        found = body.xpath(xpath)
        if found and len(found[0].text_content().strip()) >= 200:
            return found[0]
    return body


def _outer_footers(body: etree._Element, main: etree._Element) -> list[etree._Element]:
    """Footers that are neither inside `main` nor around it, nor inside another such footer."""
    found: list[etree._Element] = []
    for el in body.iter():
        if not isinstance(el.tag, str) or not _is_footer(el):
            continue
        ancestors = list(el.iterancestors())
        if el is main or main in ancestors or any(a is el for a in main.iterancestors()):
            continue
        if any(f in ancestors for f in found):
            continue
        found.append(el)
    return found


def extract_page_text(html: str | bytes) -> PageText:
    """Readable main text, the page language, and whether the page is mostly JavaScript."""
    raw = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not raw.strip():
        return PageText("", None, None, False, "empty page")
    try:
        root = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError):
        return PageText("", None, None, False, "not HTML")
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").split("-")[0] or None
    title_el = root.find(".//title")
    title = title_el.text_content().strip() if title_el is not None else None
    script_chars = sum(len(s.text or "") for s in root.iter("script"))
    external_scripts = sum(1 for s in root.iter("script") if s.get("src"))
    _strip(root)
    body = root.find("body") if root.find("body") is not None else root
    main = _pick_main(body)
    out: list[str] = []
    _render(main, out)
    if main is not body:  # legal footers outside <main> still count
        for footer in _outer_footers(body, main):
            _render(footer, out)
    text = _normalize("".join(out))
    mostly_js = len(text) < 200 and (script_chars > 2000 or external_scripts > 0 or bool(_APP_ROOT.search(raw)))
    note = f"{JS_NOTE} ({len(text)} characters of static text)" if mostly_js else None
    return PageText(text, lang, title, mostly_js, note)
