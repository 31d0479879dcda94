"""eForms notices (UBL 2.3 + eForms extensions, as published on TED since 2023) -> `NoticeRecord`.

One parser for every eForms notice type; it works on an lxml root element (`notice_from_root`) so the
BOAMP JSON adapter (`boamp_json`) rebuilds a tree and reuses it unchanged. Parsing is namespace-aware
(2023 notices carry a prefixed root, `<urn:ContractAwardNotice>`).

This module holds the entry points, the notice kind and the notice-level facts (buyers, links, platform
relations, texts, websites). Beside it: `values` (id, country, amount, date and name helpers, also
used by the TED R2.0.9 parser; re-exported here), `doc` (XML access and the notice indexed by
section) and `contracts` (one contract per awarded lot, and how its winners are found).
"""

from __future__ import annotations

from lxml import etree

from soustrace.parsers.eforms.contracts import _contracts
from soustrace.parsers.eforms.doc import (
    _EXT,
    EXTRACTOR,
    EXTRACTOR_VERSION,
    NS,
    _all,
    _Doc,
    _evidence,
    _in_language,
    _Org,
    _text,
    _texts,
    notice_subtype,
)
from soustrace.parsers.eforms.values import (
    FRENCH_ID_COUNTRIES,
    ISO3_TO_ISO2,
    Amount,
    clean_name,
    combine_amounts,
    company_id,
    iso2_country,
    normalise_publication_number,
    normalise_url,
    parse_date,
    parse_decimal,
    party_name,
)
from soustrace.parsers.xml import flatten_text, local_name, parse_xml
from soustrace.records import (
    ContractRecord,
    NoticeKind,
    NoticeLink,
    NoticeRecord,
    OrgRef,
    ParseError,
    RelationRecord,
    Source,
)

__all__ = [
    "EXTRACTOR", "EXTRACTOR_VERSION", "FRENCH_ID_COUNTRIES", "ISO3_TO_ISO2", "NOTICE_URL", "NS", "ROOT_NAMESPACES",
    "Amount", "clean_name", "combine_amounts", "company_id", "is_eforms_root", "iso2_country",
    "normalise_publication_number", "normalise_url", "notice_from_root", "notice_kind", "notice_subtype", "parse_date",
    "parse_decimal", "parse_eforms", "party_name", "websites_of",
]

ROOT_NAMESPACES = {
    name: f"urn:oasis:names:specification:ubl:schema:xsd:{name}-2"
    for name in ("ContractAwardNotice", "ContractNotice", "PriorInformationNotice")
}
NOTICE_URL = "https://ted.europa.eu/en/notice/{}/xml"

_AWARD_TYPES = ("can-", "veat")
_CALL_TYPES = ("cn-", "pin-cfc", "qu-sy", "subco")
_AWARD_SUBTYPES = frozenset({str(n) for n in range(25, 38)} | {"E4", "T02"})
_MODIF_SUBTYPES = frozenset({"38", "39", "40"})
_CALL_SUBTYPES = frozenset({str(n) for n in range(16, 25)} | {"E3"})


def parse_eforms(raw: bytes) -> NoticeRecord:
    """Parse an eForms notice XML (TED) into a NoticeRecord; ParseError when it is not one."""
    return notice_from_root(parse_xml(raw), raw=raw)


def is_eforms_root(root: etree._Element) -> bool:
    """True for the three eForms document roots, prefixed or not."""
    qname = etree.QName(root)
    namespace = ROOT_NAMESPACES.get(qname.localname)
    return namespace is not None and namespace == qname.namespace


def notice_from_root(
    root: etree._Element,
    *,
    raw: bytes,
    source: Source = "ted",
    source_id: str | None = None,
    content_type: str = "application/xml",
) -> NoticeRecord:
    """The eForms parser proper, on an lxml root element (shared by the XML and JSON entry points).

    `source_id` defaults to the OJS publication number; a notice not (yet) published on TED has none and
    falls back to its notice UUID and version ("<uuid>-<version>", the form eForms uses to reference a
    notice it changes). Only a `ted` notice with a publication number gets the TED URL.
    """
    if not is_eforms_root(root):
        raise ParseError(f"not an eForms notice: root element {root.tag!r}")
    doc = _Doc.index(root)
    pubno = normalise_publication_number(
        _text(root, f"{_EXT}/efac:Publication/efbc:NoticePublicationID[@schemeName='ojs-notice-id']")
        or _text(root, f"{_EXT}/efac:Publication/efbc:NoticePublicationID")
    )
    notice_id = source_id or pubno or _notice_uuid(root)
    if not notice_id:
        raise ParseError("eForms notice without publication number nor notice identifier")
    kind = notice_kind(root)
    record = NoticeRecord(
        source=source,
        source_id=notice_id,
        raw=raw,
        url=NOTICE_URL.format(pubno) if source == "ted" and pubno and notice_id == pubno else None,
        publication_date=parse_date(_text(root, f"{_EXT}/efac:Publication/efbc:PublicationDate")),
        kind=kind,
        schema_version=_text(root, "cbc:CustomizationID"),
        content_type=content_type,
    )
    buyers = _buyers(doc)
    record.buyer = buyers[0].ref if buyers else None
    record.links = _links(root)
    record.relations = _platform_relations(doc, buyers)
    record.texts = _texts_for_nlp(doc)
    if kind in ("award", "modification"):
        record.contracts, record.lot_errors = _contracts(doc, buyers[1:])
    record.websites = _websites(buyers, record.contracts)
    return record


def _notice_uuid(root: etree._Element) -> str | None:
    uuid = _text(root, "cbc:ID[@schemeName='notice-id']") or _text(root, "cbc:ID")
    if uuid is None:
        return None
    version = _text(root, "cbc:VersionID")
    return f"{uuid}-{version}" if version else uuid


def notice_kind(root: etree._Element) -> NoticeKind:
    """award / modification / call / other, from the notice type code, else the subtype, else the root."""
    notice_type = (_text(root, "cbc:NoticeTypeCode") or "").lower()
    subtype = notice_subtype(root)
    if notice_type == "can-modif" or subtype in _MODIF_SUBTYPES:
        return "modification"
    if notice_type.startswith(_AWARD_TYPES) or subtype in _AWARD_SUBTYPES:
        return "award"
    if notice_type.startswith(_CALL_TYPES) or subtype in _CALL_SUBTYPES:
        return "call"
    if not notice_type and subtype is None and local_name(root) == "ContractAwardNotice":
        return "award"
    return "other"


def _buyers(doc: _Doc) -> list[_Org]:
    """The organisations of `cac:ContractingParty`, lead buyer first (joint procurement lists several)."""
    party_ids = _texts(doc.root, "cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID")
    return [doc.orgs[party_id] for party_id in dict.fromkeys(party_ids) if party_id in doc.orgs]


def _links(root: etree._Element) -> list[NoticeLink]:
    """Modified notice (can-modif), changed notice version (efac:Changes), previous procedure notices."""
    found: list[tuple[str, str]] = []
    for path, kind in (
        (f"{_EXT}/efac:ContractModification/efbc:ChangedNoticeIdentifier", "modification"),
        (f"{_EXT}/efac:Changes/efbc:ChangedNoticeIdentifier", "rectification"),
        ("cac:TenderingProcess/cac:NoticeDocumentReference/cbc:ID", "previous"),
        ("cac:ProcurementProjectLot/cac:TenderingProcess/cac:NoticeDocumentReference/cbc:ID", "previous"),
    ):
        for value in _texts(root, path):
            target = normalise_publication_number(value) or value
            if all(target != known for _, known in found):
                found.append((kind, target))
    return [NoticeLink(kind=kind, source="ted", source_id=target) for kind, target in found]


def _platform_relations(doc: _Doc, buyers: list[_Org]) -> list[RelationRecord]:
    """uses-platform edges: buyer profile (BT-508), buyer eDelivery endpoint (BT-509), submission URL (BT-18).

    These URLs name the e-procurement platform the buyer works with (PLACE, achatpublic, ezamawiajacy...),
    which is the "platform vendor" link of the project. One edge per distinct URL.
    """
    candidates: list[tuple[etree._Element, str, OrgRef | None]] = []
    for party in _all(doc.root, "cac:ContractingParty"):
        for el in _all(party, "cbc:BuyerProfileURI"):
            candidates.append((el, "buyer-profile", _party_ref(doc, party, buyers)))
    for index, buyer in enumerate(buyers):
        for el in _all(buyer.company, "cbc:EndpointID"):
            candidates.append((el, "endpoint", None if index == 0 else buyer.ref))
    submission = "cac:ProcurementProjectLot/cac:TenderingTerms/cac:TenderRecipientParty/cbc:EndpointID"
    for el in _all(doc.root, submission):
        candidates.append((el, "submission-url", None))
    relations: list[RelationRecord] = []
    seen: set[str] = set()
    for el, role, src in candidates:
        url = normalise_url(el.text)
        if url is None or url.lower().rstrip("/") in seen:
            continue
        seen.add(url.lower().rstrip("/"))
        relations.append(RelationRecord(kind="uses-platform", src=src, target_url=url, role=role,
                                        evidence=_evidence(el)))
    return relations


def _party_ref(doc: _Doc, party: etree._Element, buyers: list[_Org]) -> OrgRef | None:
    """None (= the notice's buyer) for the lead buyer, the co-buyer's OrgRef otherwise."""
    org = doc.orgs.get(_text(party, "cac:Party/cac:PartyIdentification/cbc:ID") or "")
    if org is None or (buyers and org is buyers[0]):
        return None
    return org.ref


def _texts_for_nlp(doc: _Doc) -> dict[str, str]:
    """Title and description of the procedure and of each lot, flattened, in the notice language."""
    texts: dict[str, str] = {}
    _put_text(texts, "title", doc, doc.root, "cac:ProcurementProject/cbc:Name")
    _put_text(texts, "description", doc, doc.root, "cac:ProcurementProject/cbc:Description")
    _put_text(texts, "note", doc, doc.root, "cac:ProcurementProject/cbc:Note")
    for lot_id, lot in doc.lots.items():
        _put_text(texts, f"lot:{lot_id}:title", doc, lot, "cac:ProcurementProject/cbc:Name")
        _put_text(texts, f"lot:{lot_id}:description", doc, lot, "cac:ProcurementProject/cbc:Description")
    return texts


def _put_text(texts: dict[str, str], key: str, doc: _Doc, el: etree._Element, path: str) -> None:
    chosen = _in_language(_all(el, path), doc.language)
    text = flatten_text(chosen)
    if text:
        texts[key] = text


def _websites(buyers: list[_Org], contracts: list[ContractRecord]) -> list[tuple[OrgRef, str]]:
    """(org, website) of the buyers and of every party of the contracts."""
    refs = [buyer.ref for buyer in buyers]
    refs += [party.org for contract in contracts for party in contract.parties]
    return websites_of(refs)


def websites_of(refs: list[OrgRef]) -> list[tuple[OrgRef, str]]:
    """Each website once, with the first organisation that gives it.

    Joint procurement notices repeat the lead buyer's URL for dozens of co-buyers; the URL is the lead's
    site, not theirs, so later organisations giving the same URL are not paired with it again.
    """
    websites: list[tuple[OrgRef, str]] = []
    seen: set[str] = set()
    for ref in refs:
        key = (ref.website or "").lower().rstrip("/")
        if key and key not in seen:
            seen.add(key)
            websites.append((ref, ref.website or key))
    return websites
