"""The notices inside a TED daily package, read member by member, and the cheap look that filters them.

A daily package is a gzipped tar with one folder `{yyyymmdd}_{nnn}/` and one XML file per notice, named
by publication number (`00497150_2026.xml`; 6 digits before eForms). The tar is read as a stream from the
file on disk, so only one notice's bytes are in memory at a time; a gzip or tar that ends early raises
`ArchiveError` (a truncated download), never a shorter list of notices.

`peek` is what `--country` and the notice-kind filter read: the root element decides the format (eForms
UBL or TED_EXPORT, several versions mixed in one package), then two or three compiled XPaths give the kind
and the buyer countries; the full parse happens later, in the item pipeline, only for the notices kept.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from soustrace.parsers.eforms.doc import NS
from soustrace.parsers.eforms.notice import is_eforms_root, notice_kind
from soustrace.parsers.eforms.values import iso2_country, normalise_publication_number
from soustrace.parsers.ted.export import _Ctx, _form_name, _kind, _pick_form, is_ted_export_root
from soustrace.parsers.xml import parse_xml
from soustrace.records import ParseError

_MEMBER = re.compile(r"(?:^|/)0*(\d+)_(\d{4})\.xml$", re.IGNORECASE)
_FOLDER = re.compile(r"^(?:\./)?(\d{8})_\d+/")
_EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
_BUYER_IDS = etree.XPath("cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID/text()", namespaces=NS)
_COMPANIES = etree.XPath(f"{_EXT}/efac:Organizations/efac:Organization/efac:Company", namespaces=NS)
_COMPANY_ID = etree.XPath("cac:PartyIdentification/cbc:ID/text()", namespaces=NS)
_COMPANY_COUNTRY = etree.XPath("cac:PostalAddress/cac:Country/cbc:IdentificationCode/text()", namespaces=NS)
_EFORMS_PUBNO = etree.XPath(f"{_EXT}/efac:Publication/efbc:NoticePublicationID/text()", namespaces=NS)


class ArchiveError(ValueError):
    """The package file is not a complete gzipped tar (truncated or corrupt download)."""


@dataclass
class Member:
    name: str
    raw: bytes

    @property
    def publication_number(self) -> str | None:
        """`497150-2026` from `20260103_002/00497150_2026.xml`: the API's spelling, the store's natural key."""
        match = _MEMBER.search(self.name)
        return f"{int(match.group(1))}-{match.group(2)}" if match else None

    @property
    def issue_date(self) -> dt.date | None:
        """The publication date its daily package's folder `{yyyymmdd}_{nnn}/` names."""
        match = _FOLDER.match(self.name)
        if not match:
            return None
        try:
            return dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            return None


def _stream(archive: tarfile.TarFile) -> Iterator[Member]:
    for info in archive:
        if not info.isfile():
            continue
        handle = archive.extractfile(info)
        if handle is not None:
            yield Member(info.name, handle.read())


def iter_members(path: Path) -> Iterator[Member]:
    """Every regular file of a daily package, in archive order, streamed from disk."""
    try:
        with tarfile.open(path, mode="r|gz") as archive:
            yield from _stream(archive)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(f"{path.name}: not a complete tar.gz ({type(exc).__name__}: {exc})") from exc


def iter_monthly_members(path: Path) -> Iterator[Member]:
    """Every notice of a monthly package (a tar.gz of daily tar.gz files), nested streams, one at a time.

    Inner files are recognised as daily packages by their gzip magic, not by their names (undocumented);
    each member keeps its daily folder in its name, so `issue_date` says which issue it belongs to.
    """
    try:
        with tarfile.open(path, mode="r|gz") as outer:
            for info in outer:
                handle = outer.extractfile(info) if info.isfile() else None
                if handle is None:
                    continue
                head = handle.read(2)
                if head != b"\x1f\x8b":
                    continue  # not a daily package (a listing or checksum file, if any)
                with tarfile.open(fileobj=_Prefixed(head, handle), mode="r|gz") as daily:
                    yield from _stream(daily)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(f"{path.name}: not a complete monthly tar.gz ({type(exc).__name__}: {exc})") from exc


class _Prefixed(io.RawIOBase):
    """A read-only stream of `head` then the rest of `tail` (the bytes read to sniff the gzip magic)."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self.head, self.tail = head, tail

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.tail.read(size)
        if size < 0:
            out, self.head = self.head + self.tail.read(), b""
            return out
        out, self.head = self.head[:size], self.head[size:]
        return out  # a short read: callers ask again


@dataclass
class Peek:
    """What the filters need: the notice's kind, its buyers' ISO 3166 alpha-2 countries, its number."""

    kind: str | None
    countries: set[str] = field(default_factory=set)
    publication_number: str | None = None
    root: str = ""


def peek(raw: bytes) -> Peek | None:
    """Kind and buyer countries of a TED notice; None when it is not XML (the parse stage will say why)."""
    try:
        root = parse_xml(raw)
    except ParseError:
        return None
    if is_eforms_root(root):
        return _peek_eforms(root)
    if is_ted_export_root(root):
        return _peek_ted_export(root)
    return Peek(kind=None, root=etree.QName(root).localname)


def _peek_eforms(root: etree._Element) -> Peek:
    buyers = set(_BUYER_IDS(root))
    countries: set[str] = set()
    for company in _COMPANIES(root):
        if buyers & set(_COMPANY_ID(company)):
            countries.update(c for code in _COMPANY_COUNTRY(company) if (c := iso2_country(code)))
    numbers = [n for text in _EFORMS_PUBNO(root) if (n := normalise_publication_number(text))]
    return Peek(notice_kind(root), countries, numbers[0] if numbers else None, etree.QName(root).localname)


def _peek_ted_export(root: etree._Element) -> Peek:
    ns = {"t": etree.QName(root).namespace or ""}
    kind: str | None
    try:
        form = _pick_form(root, ns)
        kind = _kind(_Ctx(ns=ns, root=root, form=form, form_name=_form_name(form)))
    except ParseError:
        kind = None
    codes = root.xpath("t:CODED_DATA_SECTION/t:NOTICE_DATA/t:ISO_COUNTRY/@VALUE", namespaces=ns)
    countries = {c for code in codes if (c := iso2_country(code))}
    number = normalise_publication_number(
        next(iter(root.xpath("t:CODED_DATA_SECTION/t:NOTICE_DATA/t:NO_DOC_OJS/text()", namespaces=ns)), None)
        or root.get("DOC_ID"))
    return Peek(kind, countries, number, "TED_EXPORT")


@dataclass(frozen=True)
class NoticeFilter:
    """`--country` (alpha-2 set, empty = all) and the kinds kept (empty = all)."""

    countries: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def keeps(self, found: Peek | None) -> bool:
        """Unreadable notices and unknown kinds are kept: the parse stage stores them raw and says why.

        A notice whose buyers name no country is not kept under `--country`, as the Search API's
        `buyer-country` filter would not return it either."""
        if found is None or found.kind is None:
            return True
        if self.kinds and found.kind not in self.kinds:
            return False
        return not self.countries or bool(found.countries & self.countries)
