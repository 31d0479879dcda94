"""eForms notices (UBL 2.3 + eForms extensions, as published on TED since 2023) -> `NoticeRecord`.

One parser for every eForms notice type; it works on an lxml root element (`notice_from_root`) so the
BOAMP JSON adapter (`eforms_json`) rebuilds a tree and reuses it unchanged. Parsing is namespace-aware
(2023 notices carry a prefixed root, `<urn:ContractAwardNotice>`).

How a winner is found (eForms spreads it over four sections, all under `efac:NoticeResult`):
LotResult (BT-142 `selec-w`) -> LotTender -> TenderingParty -> Tenderer / SubContractor -> Organization.
Decisions, all general rules rather than fixes for a given notice:

* Which tenders won a lot. A LotResult may list every tender of the lot, not only the winners (eForms
  allows publishing all tenders; the winner has a contract). So: tenders the LotResult lists whose own
  `efac:TenderLot` names another lot are dropped (data entry errors exist in real notices); if none is
  left, the tenders submitted for the lot are used; among those, the ones a SettledContract references
  (BT-3202) win when there are any, else those ranked 1 (BT-171) when ranks are given, else all.
* Roles: a TenderingParty with one Tenderer -> "winner" (even when it sets GroupLeadIndicator); with
  several -> the GroupLeadIndicator one is "lead", the others "member" (none flagged -> all "member");
  `efac:SubContractor` -> "subcontractor" with its `efac:MainContractor`s.
* Amount of a lot = PayableAmount (BT-720) of its winning tender. Several winning tenders: identical
  amounts are taken once (a framework's value repeated per supplier, flag `amount-same-for-each-winner`),
  different ones are summed (flag `amount-summed-over-winners`); each party keeps its tender's amount.
* Award date = SettledContract AwardDate (BT-1451); when absent, its IssueDate (conclusion, BT-145) with
  the flag `award-date-from-conclusion`. `cac:TenderResult/cbc:AwardDate` is a 2000-01-01 placeholder
  and never read.
* Offers received = the `tenders` statistic only (BT-759 with code `tenders`); the other statistics
  (t-esubm, t-sme...) are kept in `extra["received_submissions"]`.
* A LotResult with no TenderResultCode is read as awarded (VEAT and modification notices omit it);
  an explicit other code (`clos-nw`, `open-nw`) means no winner and no contract.
* A lot whose chain points at something the notice does not define (TenderingParty, LotTender,
  Organization) goes to `lot_errors` with the reason; the other lots still parse.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from soustrace.identity import strip_role_markers
from soustrace.pipelines.safe_xml import element_path, flatten_text, local_name, parse_xml
from soustrace.records import (
    ContractRecord,
    EvidenceRecord,
    NoticeKind,
    NoticeLink,
    NoticeRecord,
    OrgRef,
    ParseError,
    PartyRecord,
    PartyRoleName,
    RelationRecord,
    Source,
)

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
ROOT_NAMESPACES = {
    name: f"urn:oasis:names:specification:ubl:schema:xsd:{name}-2"
    for name in ("ContractAwardNotice", "ContractNotice", "PriorInformationNotice")
}
_PREFIXES = {uri: prefix for prefix, uri in NS.items()}
_EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
_RESULT = f"{_EXT}/efac:NoticeResult"

NOTICE_URL = "https://ted.europa.eu/en/notice/{}/xml"

# ISO 3166 alpha-3 -> alpha-2 (eForms country codes are alpha-3; Kosovo is XKX in the eForms list).
_ISO3 = (
    "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU AUTAT AZEAZ "
    "BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB "
    "BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM "
    "CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER "
    "ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH GIBGI GINGN "
    "GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU "
    "IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG "
    "KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO "
    "MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR "
    "MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP NRUNR "
    "NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA "
    "REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM "
    "SRBRS SSDSS STPST SURSR SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK "
    "TKMTM TLSTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC "
    "VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW XKXXK"
)
ISO3_TO_ISO2 = {pair[:3]: pair[3:] for pair in _ISO3.split()}
# TED's own two-letter codes that are not ISO 3166 (R2.0.9 writes UK and EL).
_ISO2_FIXES = {"UK": "GB", "EL": "GR"}
# Where a 14-digit SIRET / 9-digit SIREN is the national company id (metropolitan France and the DOMs).
FRENCH_ID_COUNTRIES = frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF"})

_PUBNO = re.compile(r"^\s*0*(\d+)\s*-\s*(\d{4})\s*$")
_OJS_NO = re.compile(r"(\d{4})\s*/\s*S\s*\d+\s*-\s*0*(\d+)")
_ID_SEPARATORS = re.compile(r"[\s.\u00a0\u202f]")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_DIGITS = re.compile(r"\d+", re.ASCII)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

_AWARD_TYPES = ("can-", "veat")
_CALL_TYPES = ("cn-", "pin-cfc", "qu-sy", "subco")
_AWARD_SUBTYPES = frozenset({str(n) for n in range(25, 38)} | {"E4", "T02"})
_MODIF_SUBTYPES = frozenset({"38", "39", "40"})
_CALL_SUBTYPES = frozenset({str(n) for n in range(16, 25)} | {"E3"})


# ---- small shared helpers (also used by the TED R2.0.9 parser) -----------------------------------------


def normalise_publication_number(text: str | None) -> str | None:
    """TED publication number "NNN-YYYY" without zero padding, the convention of the TED API and site.

    Accepts the eForms OJS id (`00000156-2025` -> `156-2025`) and the R2.0.9 `NO_DOC_OJS`
    (`2021/S 005-008298` -> `8298-2021`); anything else (a notice UUID) gives None.
    """
    if not text:
        return None
    match = _PUBNO.match(text)
    if match:
        return f"{int(match.group(1))}-{match.group(2)}"
    match = _OJS_NO.search(text)
    if match:
        return f"{int(match.group(2))}-{match.group(1)}"
    return None


def iso2_country(code: str | None) -> str | None:
    """ISO 3166 alpha-2 from an eForms alpha-3 code or a TED alpha-2 code (UK -> GB, EL -> GR)."""
    if not code:
        return None
    code = code.strip().upper()
    if len(code) == 3:
        return ISO3_TO_ISO2.get(code)
    if len(code) == 2 and code.isalpha():
        return _ISO2_FIXES.get(code, code)
    return None


def company_id(raw: str | None, country: str | None) -> tuple[str | None, str | None]:
    """(national_id, id_scheme) from a free-text company id.

    French ids are the one case recognised here: 14 digits (spaces, dots, leading blanks removed) is a
    SIRET, 9 a SIREN, when the organisation is French or its country unknown (a Norwegian organisation
    number also has 9 digits). Everything else is kept as written (trimmed) with no scheme: the store
    normalises and validates ids, and a TED `schemeID` such as "002" carries no meaning.
    """
    if raw is None or not raw.strip():
        return None, None
    value = raw.strip()
    compact = _ID_SEPARATORS.sub("", value)
    if (country is None or country in FRENCH_ID_COUNTRIES) and _DIGITS.fullmatch(compact):
        if len(compact) == 14:
            return compact, "SIRET"
        if len(compact) == 9:
            return compact, "SIREN"
    return value, None


def normalise_url(text: str | None) -> str | None:
    """A URL as written, trimmed, with `http://` added when the notice left the scheme out."""
    if not text or not text.strip():
        return None
    url = text.strip()
    return url if _SCHEME.match(url) else f"http://{url}"


Amount = tuple[Decimal | None, str | None]  # (value, currency)


def combine_amounts(amounts: list[Amount]) -> tuple[Decimal | None, str | None, list[str]]:
    """One lot amount from the amounts of its winners (tenders or award items): (amount, currency, flags).

    Identical amounts are a value repeated for each supplier of a framework and are taken once; different
    amounts are added. Mixed currencies give no amount. Flags say which rule applied.
    """
    known = [(amount, currency) for amount, currency in amounts if amount is not None]
    flags: list[str] = []
    if not known:
        return None, None, flags
    if len(known) < len(amounts):
        flags.append("amount-partial")
    currencies = {currency for _, currency in known}
    if len(currencies) > 1:
        return None, None, [*flags, "mixed-currencies"]
    currency = currencies.pop()
    values = [amount for amount, _ in known]
    if len(values) == 1:
        return values[0], currency, flags
    if len(set(values)) == 1:
        return values[0], currency, [*flags, "amount-same-for-each-winner"]
    return sum(values, Decimal(0)), currency, [*flags, "amount-summed-over-winners"]


def parse_decimal(text: str | None) -> Decimal | None:
    """A Decimal from an amount text ("224675", "8819.09", "1 700 000,50"), None when unreadable."""
    if not text:
        return None
    cleaned = _SPACES.sub("", text)
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_date(text: str | None) -> dt.date | None:
    """The date of an ISO date text with or without zone ("2024-10-16+02:00", "2023-08-29Z", "20210108")."""
    if not text:
        return None
    text = text.strip()
    for candidate, fmt in ((text[:10], "%Y-%m-%d"), (text[:8], "%Y%m%d")):
        try:
            return dt.datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    return None


def clean_name(text: str | None) -> str | None:
    """A name with its whitespace collapsed (names wrap over lines in some notices)."""
    if text is None:
        return None
    name = " ".join(text.split())
    return name or None


def party_name(text: str | None) -> str | None:
    """An organisation's name without the role written into it; the evidence keeps the text as written."""
    name = clean_name(text)
    return strip_role_markers(name) if name else None


# ---- XML access -----------------------------------------------------------------------------------------


def _all(el: etree._Element, path: str) -> list[etree._Element]:
    return el.xpath(path, namespaces=NS)


def _one(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    found = el.xpath(path, namespaces=NS)
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


# ---- the notice as indexed sections ---------------------------------------------------------------------


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


# ---- entry points ----------------------------------------------------------------------------------------


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


def notice_subtype(root: etree._Element) -> str | None:
    return _text(root, f"{_EXT}/efac:NoticeSubType/cbc:SubTypeCode")


# ---- buyer, links, platform relations, texts, websites ---------------------------------------------------


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


# ---- contracts: one per awarded lot ----------------------------------------------------------------------


def _contracts(doc: _Doc, co_buyers: list[_Org]) -> tuple[list[ContractRecord], list[tuple[str, str]]]:
    results_by_lot: dict[str, list[etree._Element]] = {}
    for result in _all(doc.root, f"{_RESULT}/efac:LotResult"):
        results_by_lot.setdefault(_result_lot(doc, result), []).append(result)
    contracts: list[ContractRecord] = []
    errors: list[tuple[str, str]] = []
    for lot_id, results in results_by_lot.items():
        awarded = [result for result in results if _is_awarded(result)]
        if not awarded:
            continue
        try:
            contract = _contract(doc, lot_id, awarded)
        except _LotError as exc:
            errors.append((lot_id, str(exc)))
            continue
        contract.parties.extend(_co_buyer_parties(co_buyers))
        contracts.append(contract)
    return contracts, errors


def _result_lot(doc: _Doc, result: etree._Element) -> str:
    lot = _text(result, "efac:TenderLot/cbc:ID")
    if lot is None:
        for tender_id in _texts(result, "efac:LotTender/cbc:ID"):
            lot = doc.tender_lot(tender_id)
            if lot:
                break
    return lot or ""


def _is_awarded(result: etree._Element) -> bool:
    code = _text(result, "cbc:TenderResultCode")
    return code is None or code == "selec-w"


def _contract(doc: _Doc, lot_id: str, results: list[etree._Element]) -> ContractRecord:
    flags: list[str] = []
    if any(_text(result, "cbc:TenderResultCode") is None for result in results):
        flags.append("no-result-code")
    settled_ids = [cid for result in results for cid in _texts(result, "efac:SettledContract/cbc:ID")]
    tender_ids = _winning_tenders(doc, lot_id, results, settled_ids, flags)
    parties, tender_amounts = _tender_parties(doc, tender_ids)
    amount, currency, amount_flags = combine_amounts(list(tender_amounts.values()))
    flags += amount_flags
    lot = doc.lots.get(lot_id)
    contract = ContractRecord(
        lot=lot_id,
        title=_lot_title(doc, lot, settled_ids),
        cpv=_lot_cpv(doc, lot),
        procedure=_text(doc.root, "cac:TenderingProcess/cbc:ProcedureCode"),
        amount=amount,
        currency=currency,
        offers_received=_offers(results),
        duration_months=_duration_months(lot),
        place=_place(lot),
        parties=parties,
        subcontracting=_subcontracting(doc, tender_ids, parties),
        flags=flags,
    )
    contract.amount_max, max_currency = _amount(
        _one(results[0], "efac:FrameworkAgreementValues/cbc:MaximumValueAmount"))
    contract.currency = contract.currency or (max_currency if contract.amount_max is not None else None)
    contract.extra = _contract_extra(doc, results, tender_ids, settled_ids, tender_amounts)
    _dates(doc, contract, settled_ids, tender_ids)
    _framework(doc, contract, lot, settled_ids)
    if not parties:
        contract.flags.append("winner-not-named")
    return contract


def _winning_tenders(
    doc: _Doc, lot_id: str, results: list[etree._Element], settled_ids: list[str], flags: list[str]
) -> list[str]:
    """The winning LotTender ids of a lot (rules in the module docstring)."""
    listed = [tid for result in results for tid in _texts(result, "efac:LotTender/cbc:ID")]
    for tender_id in listed:
        if tender_id not in doc.tenders:
            raise _LotError(f"LotResult references LotTender {tender_id!r}, which the notice does not define")
    candidates = [tid for tid in dict.fromkeys(listed) if not _other_lot(doc, tid, lot_id)]
    if len(candidates) < len(set(listed)):
        flags.append("lot-tender-mismatch")
    if not candidates:
        candidates = [tid for tid in doc.tenders if lot_id and doc.tender_lot(tid) == lot_id]
        if candidates and listed:
            flags.append("tenders-from-lot")
    if len(candidates) <= 1:
        return candidates
    contracted = _contracted_tenders(doc, settled_ids)
    narrowed = [tid for tid in candidates if tid in contracted]
    if narrowed and len(narrowed) < len(candidates):
        flags.append("winners-from-contracts")
        return narrowed
    ranked = [tid for tid in candidates if _text(doc.tenders[tid], "cbc:RankCode") == "1"]
    if ranked and len(ranked) < len(candidates):
        flags.append("winners-from-rank")
        return ranked
    return candidates


def _other_lot(doc: _Doc, tender_id: str, lot_id: str) -> bool:
    """True when a tender's own lot is another *lot* of the notice (a group of lots is not a mismatch)."""
    tender_lot = doc.tender_lot(tender_id)
    return bool(lot_id and tender_lot and tender_lot != lot_id and tender_lot in doc.lots
                and doc.lots[tender_lot].xpath("string(cbc:ID/@schemeName)", namespaces=NS) != "LotsGroup")


def _contracted_tenders(doc: _Doc, settled_ids: list[str]) -> set[str]:
    """Tenders the lot's SettledContracts reference; when they reference none, any contract's tenders."""
    tenders = {tid for cid in settled_ids if cid in doc.contracts
               for tid in _texts(doc.contracts[cid], "efac:LotTender/cbc:ID")}
    if tenders:
        return tenders
    return {tid for contract in doc.contracts.values() for tid in _texts(contract, "efac:LotTender/cbc:ID")}


def _tender_parties(
    doc: _Doc, tender_ids: list[str]
) -> tuple[list[PartyRecord], dict[str, Amount]]:
    """PartyRecords of the winning tenders, and each tender's PayableAmount."""
    parties: list[PartyRecord] = []
    amounts: dict[str, Amount] = {}
    seen: set[tuple[str, str]] = set()
    for tender_id in tender_ids:
        tender = doc.tenders[tender_id]
        amount, currency = _amount(_one(tender, "cac:LegalMonetaryTotal/cbc:PayableAmount"))
        amounts[tender_id] = (amount, currency)
        tpa_id = _text(tender, "efac:TenderingParty/cbc:ID")
        if tpa_id is None:
            raise _LotError(f"LotTender {tender_id!r} names no TenderingParty")
        tpa = doc.parties.get(tpa_id)
        if tpa is None:
            raise _LotError(f"LotTender {tender_id!r} references TenderingParty {tpa_id!r}, "
                            "which the notice does not define")
        for party in _tpa_parties(doc, tpa, tpa_id, tender_id, amount, currency):
            key = (party.org.local_ref or "", party.role)
            if key not in seen:
                seen.add(key)
                parties.append(party)
    return parties, amounts


def _tpa_parties(
    doc: _Doc, tpa: etree._Element, tpa_id: str, tender_id: str, amount: Decimal | None, currency: str | None
) -> list[PartyRecord]:
    tenderers = _all(tpa, "efac:Tenderer")
    if not tenderers:
        raise _LotError(f"TenderingParty {tpa_id!r} lists no Tenderer")
    group = len(tenderers) > 1
    extra: dict[str, object] = {"tendering_party": tpa_id, "tender": tender_id}
    group_name = _in_language(_all(tpa, "cbc:Name"), doc.language)
    if group and group_name is not None:
        extra["group_name"] = clean_name(group_name.text)
    parties: list[PartyRecord] = []
    for tenderer in tenderers:
        org = doc.org(_text(tenderer, "cbc:ID"), f"TenderingParty {tpa_id!r}")
        lead = (_text(tenderer, "efbc:GroupLeadIndicator") or "").lower() == "true"
        role: PartyRoleName = ("lead" if lead else "member") if group else "winner"
        parties.append(_party(org, role, amount, currency, dict(extra)))
    for sub in _all(tpa, "efac:SubContractor"):
        org = doc.org(_text(sub, "cbc:ID"), f"SubContractor of TenderingParty {tpa_id!r}")
        mains = [doc.org(main_id, f"MainContractor in TenderingParty {tpa_id!r}").ref
                 for main_id in _texts(sub, "efac:MainContractor/cbc:ID")]
        party = _party(org, "subcontractor", None, None, dict(extra))
        party.main_contractors = mains
        parties.append(party)
    return parties


def _party(org: _Org, role: PartyRoleName, amount: Decimal | None, currency: str | None,
           extra: dict[str, object]) -> PartyRecord:
    evidence = (_evidence(org.name_el) if org.name_el is not None
                else _evidence(org.company, text=org.ref.name or ""))
    company_raw = _text(org.company, "cac:PartyLegalEntity/cbc:CompanyID")
    if company_raw and company_raw != org.ref.national_id:
        extra["company_id_as_written"] = company_raw
    size = _text(org.company, "efbc:CompanySizeCode")
    if size:
        extra["company_size"] = size
    return PartyRecord(role=role, org=org.ref, evidence=evidence, amount=amount, currency=currency,
                       extra=extra)


def _co_buyer_parties(co_buyers: list[_Org]) -> list[PartyRecord]:
    """Joint procurement: the buyers after the first become "buyer" parties of every contract."""
    return [_party(org, "buyer", None, None, {}) for org in co_buyers]


# ---- contract fields -------------------------------------------------------------------------------------


def _lot_title(doc: _Doc, lot: etree._Element | None, settled_ids: list[str]) -> str | None:
    for el, path in ((lot, "cac:ProcurementProject/cbc:Name"),
                     *((doc.contracts.get(cid), "cbc:Title") for cid in settled_ids),
                     (doc.root, "cac:ProcurementProject/cbc:Name")):
        if el is not None:
            title = flatten_text(_in_language(_all(el, path), doc.language))
            if title:
                return title
    return None


def _lot_cpv(doc: _Doc, lot: etree._Element | None) -> str | None:
    path = "cac:ProcurementProject/cac:MainCommodityClassification/cbc:ItemClassificationCode"
    return _text(lot, path) or _text(doc.root, path)


def _offers(results: list[etree._Element]) -> int | None:
    for result in results:
        value = _text(result, "efac:ReceivedSubmissionsStatistics[efbc:StatisticsCode='tenders']"
                              "/efbc:StatisticsNumeric")
        if value is not None and value.isdigit():
            return int(value)
    return None


def _duration_months(lot: etree._Element | None) -> int | None:
    measure = _one(lot, "cac:ProcurementProject/cac:PlannedPeriod/cbc:DurationMeasure")
    value = parse_decimal(measure.text) if measure is not None else None
    if value is None:
        return None
    unit = (measure.get("unitCode") or "").upper()
    months = {"MONTH": value, "YEAR": value * 12}.get(unit)
    return int(months) if months is not None else None


def _place(lot: etree._Element | None) -> str | None:
    address = "cac:ProcurementProject/cac:RealizedLocation/cac:Address"
    nuts = _text(lot, f"{address}/cbc:CountrySubentityCode")
    return nuts or iso2_country(_text(lot, f"{address}/cac:Country/cbc:IdentificationCode"))


def _dates(doc: _Doc, contract: ContractRecord, settled_ids: list[str], tender_ids: list[str]) -> None:
    """Award date from the lot's SettledContracts (those of the LotResult, else those of its tenders)."""
    settled = [doc.contracts[cid] for cid in settled_ids if cid in doc.contracts]
    if not settled:
        settled = [contract_el for contract_el in doc.contracts.values()
                   if set(_texts(contract_el, "efac:LotTender/cbc:ID")) & set(tender_ids)]
    awarded = [d for d in (parse_date(_text(el, "cbc:AwardDate")) for el in settled) if d]
    concluded = [d for d in (parse_date(_text(el, "cbc:IssueDate")) for el in settled) if d]
    if awarded:
        contract.award_date = min(awarded)
    elif concluded:
        contract.award_date = min(concluded)
        contract.flags.append("award-date-from-conclusion")
    if concluded:
        contract.extra["conclusion_date"] = min(concluded).isoformat()


def _framework(
    doc: _Doc, contract: ContractRecord, lot: etree._Element | None, settled_ids: list[str]
) -> None:
    code = _text(lot, "cac:TenderingProcess/cac:ContractingSystem/"
                      "cbc:ContractingSystemTypeCode[@listName='framework-agreement']")
    settled_framework = any(
        (_text(doc.contracts.get(cid), "efbc:ContractFrameworkIndicator") or "") == "true"
        for cid in settled_ids)
    if (code and code != "none") or settled_framework:
        contract.flags.append("framework-agreement")


def _contract_extra(
    doc: _Doc, results: list[etree._Element], tender_ids: list[str], settled_ids: list[str],
    tender_amounts: dict[str, Amount],
) -> dict[str, object]:
    root = doc.root
    extra: dict[str, object] = {
        "notice_type": _text(root, "cbc:NoticeTypeCode"),
        "notice_subtype": notice_subtype(root),
        "notice_uuid": _text(root, "cbc:ID[@schemeName='notice-id']") or _text(root, "cbc:ID"),
        "procedure_id": _text(root, "cbc:ContractFolderID"),
        "lot_results": [rid for result in results for rid in _texts(result, "cbc:ID")],
        "tenders": tender_ids,
        "settled_contracts": settled_ids,
    }
    refs = [ref for cid in settled_ids if cid in doc.contracts
            for ref in _texts(doc.contracts[cid], "efac:ContractReference/cbc:ID")]
    if refs:
        extra["contract_references"] = refs
    if len(tender_ids) > 1:
        extra["tender_amounts"] = {tid: str(amount) for tid, (amount, _) in tender_amounts.items() if amount}
    total, total_currency = _amount(_one(root, f"{_RESULT}/cbc:TotalAmount"))
    if total is not None:
        extra["notice_total_amount"] = str(total)
        extra["notice_total_currency"] = total_currency
    for key, path in (("lowest_tender_amount", "cbc:LowerTenderAmount"),
                      ("highest_tender_amount", "cbc:HigherTenderAmount"),
                      ("framework_reestimated_amount",
                       "efac:FrameworkAgreementValues/efbc:ReestimatedValueAmount")):
        value, _ = _amount(_one(results[0], path))
        if value is not None:
            extra[key] = str(value)
    stats = {code: number for result in results
             for code, number in _statistics(result).items()}
    if stats:
        extra["received_submissions"] = stats
    return {key: value for key, value in extra.items() if value not in (None, [], {})}


def _statistics(result: etree._Element) -> dict[str, int]:
    stats: dict[str, int] = {}
    for stat in _all(result, "efac:ReceivedSubmissionsStatistics"):
        value = _text(stat, "efbc:StatisticsNumeric")
        if value is not None and value.isdigit():
            stats[_text(stat, "efbc:StatisticsCode") or "unspecified"] = int(value)
    return stats


def _subcontracting(doc: _Doc, tender_ids: list[str], parties: list[PartyRecord]) -> dict[str, object]:
    """BT-773 (likely: yes/no), BT-553 (value), BT-555 (percent), BT-554 (description), over the winners.

    Several winning tenders: likely if any says yes, not likely if all say no; values combined like lot
    amounts (`combine_amounts`); the per-tender terms are kept under "tenders". `declared` = a
    subcontractor is named.
    """
    terms = {tid: term for tid in tender_ids if (term := _term(doc, doc.tenders[tid]))}
    summary: dict[str, object] = {}
    if terms:
        likely = [term.get("likely") for term in terms.values()]
        if any(value is True for value in likely):
            summary["likely"] = True
        elif likely and all(value is False for value in likely):
            summary["likely"] = False
        values = [(term["value"], term.get("currency")) for term in terms.values() if "value" in term]
        value, currency, _ = combine_amounts(values)  # type: ignore[arg-type]
        if value is not None:
            summary["value"], summary["currency"] = value, currency
        percents = [term["percent"] for term in terms.values() if "percent" in term]
        if len(percents) == 1:
            summary["percent"] = percents[0]
        descriptions = list(dict.fromkeys(str(term["description"]) for term in terms.values()
                                          if "description" in term))
        if descriptions:
            summary["description"] = "\n".join(descriptions)
        if len(terms) > 1:
            summary["tenders"] = terms
    if any(party.role == "subcontractor" for party in parties):
        summary["declared"] = True
    return summary


def _term(doc: _Doc, tender: etree._Element) -> dict[str, object]:
    term_el = _one(tender, "efac:SubcontractingTerm[efbc:TermCode/@listName='applicability']")
    if term_el is None:
        term_el = _one(tender, "efac:SubcontractingTerm")
    if term_el is None:
        return {}
    term: dict[str, object] = {}
    code = _text(term_el, "efbc:TermCode")
    if code:
        term["applicability"] = code
        if code in ("yes", "no"):
            term["likely"] = code == "yes"
    value, currency = _amount(_one(term_el, "efbc:TermAmount"))
    if value is not None:
        term["value"], term["currency"] = value, currency
    percent = parse_decimal(_text(term_el, "efbc:TermPercent"))
    if percent is not None:
        term["percent"] = percent
    description = flatten_text(_in_language(_all(term_el, "efbc:TermDescription"), doc.language))
    if description:
        term["description"] = description
    return term
