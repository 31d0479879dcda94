"""An eForms notice as the parser reads it: namespace-aware XML access and the notice indexed by section.

Organisations, TenderingParties, LotTenders, SettledContracts and lots are indexed once by id (`_Doc`),
each organisation with its `OrgRef` built once and shared by all its roles; a reference to something the
notice does not define raises `_LotError`, which fails that lot only. Evidence paths are written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from soustrace.parsers.eforms.values import Amount, company_id, iso2_country, normalise_url, parse_decimal, party_name
from soustrace.parsers.xml import element_path
from soustrace.records import EvidenceRecord, OrgRef

EXTRACTOR = "eforms"
EXTRACTOR_VERSION = "1.0"

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}
_PREFIXES = {uri: prefix for prefix, uri in NS.items()}
_EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
_RESULT = f"{_EXT}/efac:NoticeResult"


_COMPILED: dict[str, etree.XPath] = {}


def xpath(path: str) -> etree.XPath:
    """The compiled XPath of `path` (a notice asks ~140 paths; compiling each at every call was the cost)."""
    compiled = _COMPILED.get(path)
    if compiled is None:
        compiled = _COMPILED[path] = etree.XPath(path, namespaces=NS)
    return compiled


def _all(el: etree._Element, path: str) -> list[etree._Element]:
    return xpath(path)(el)


def _one(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    found = xpath(path)(el)
    return found[0] if found else None


def _text(el: etree._Element | None, path: str) -> str | None:
    """Trimmed text of the first match, None when missing or blank."""
    found = _one(el, path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _texts(el: etree._Element, path: str) -> list[str]:
    return [found.text.strip() for found in _all(el, path) if found.text and found.text.strip()]


def _in_language(elements: list[etree._Element], language: str | None) -> etree._Element | None:
    """The element in the notice language when the field is repeated per language, else the first."""
    for el in elements:
        if language and el.get("languageID") == language and (el.text or "").strip():
            return el
    for el in elements:
        if (el.text or "").strip():
            return el
    return None


def _amount(el: etree._Element | None) -> Amount:
    if el is None:
        return None, None
    return parse_decimal(el.text), (el.get("currencyID") or None)


def _evidence(el: etree._Element, text: str | None = None) -> EvidenceRecord:
    return EvidenceRecord(
        text=el.text if text is None else text,
        path=element_path(el, _PREFIXES),
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
    )


class _LotError(Exception):
    """A lot whose result chain cannot be followed; it goes to `NoticeRecord.lot_errors`."""


@dataclass
class _Org:
    """An `efac:Organization/efac:Company`, with its OrgRef built once and shared by all its roles."""

    local_id: str
    company: etree._Element
    ref: OrgRef
    name_el: etree._Element | None


@dataclass
class _Doc:
    root: etree._Element
    language: str | None
    orgs: dict[str, _Org] = field(default_factory=dict)
    parties: dict[str, etree._Element] = field(default_factory=dict)
    tenders: dict[str, etree._Element] = field(default_factory=dict)
    contracts: dict[str, etree._Element] = field(default_factory=dict)
    lots: dict[str, etree._Element] = field(default_factory=dict)

    @classmethod
    def index(cls, root: etree._Element) -> _Doc:
        doc = cls(root=root, language=_text(root, "cbc:NoticeLanguageCode"))
        for company in _all(root, f"{_EXT}/efac:Organizations/efac:Organization/efac:Company"):
            org = _org(company, doc.language)
            if org is not None:
                doc.orgs.setdefault(org.local_id, org)
        doc.parties = _by_id(_all(root, f"{_RESULT}/efac:TenderingParty"))
        doc.tenders = _by_id(_all(root, f"{_RESULT}/efac:LotTender"))
        doc.contracts = _by_id(_all(root, f"{_RESULT}/efac:SettledContract"))
        doc.lots = _by_id(_all(root, "cac:ProcurementProjectLot"))
        return doc

    def org(self, local_id: str | None, what: str) -> _Org:
        org = self.orgs.get(local_id or "")
        if org is None:
            raise _LotError(f"{what} references organisation {local_id!r}, which the notice does not define")
        return org

    def tender_lot(self, tender_id: str) -> str | None:
        return _text(self.tenders.get(tender_id), "efac:TenderLot/cbc:ID")


def _by_id(elements: list[etree._Element]) -> dict[str, etree._Element]:
    indexed: dict[str, etree._Element] = {}
    for el in elements:
        key = _text(el, "cbc:ID")
        if key is not None:
            indexed.setdefault(key, el)
    return indexed


def _org(company: etree._Element, language: str | None) -> _Org | None:
    local_id = _text(company, "cac:PartyIdentification/cbc:ID")
    if local_id is None:
        return None
    name_el = _in_language(_all(company, "cac:PartyName/cbc:Name"), language)
    country = iso2_country(_text(company, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"))
    national_id, scheme = company_id(_text(company, "cac:PartyLegalEntity/cbc:CompanyID"), country)
    ref = OrgRef(
        name=party_name(name_el.text) if name_el is not None else None,
        national_id=national_id,
        id_scheme=scheme,
        country=country,
        website=normalise_url(_text(company, "cbc:WebsiteURI")),
        email=_text(company, "cac:Contact/cbc:ElectronicMail"),
        address=_address(_one(company, "cac:PostalAddress")),
        local_ref=local_id,
    )
    return _Org(local_id=local_id, company=company, ref=ref, name_el=name_el)


def _address(postal: etree._Element | None) -> str | None:
    """"street, additional street, postcode city" as one line (the country is in OrgRef.country)."""
    if postal is None:
        return None
    street = [_text(postal, "cbc:StreetName"), _text(postal, "cbc:AdditionalStreetName")]
    city = " ".join(part for part in (_text(postal, "cbc:PostalZone"), _text(postal, "cbc:CityName")) if part)
    parts = [" ".join(part.split()) for part in (*street, city) if part]
    return ", ".join(parts) or None


def notice_subtype(root: etree._Element) -> str | None:
    return _text(root, f"{_EXT}/efac:NoticeSubType/cbc:SubTypeCode")
