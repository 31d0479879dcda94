"""TED XML export R2.0.9 (`TED_EXPORT`: 2014 standard forms, notices until 2023) -> `NoticeRecord`.

Decisions, general rules for every R2.0.9 notice:

* source_id is the TED publication number without zero padding, like eForms: `NO_DOC_OJS`
  "2021/S 005-008298" -> "8298-2021" (the `DOC_ID` attribute as fallback); URL on ted.europa.eu.
* A notice may hold several language versions of its form, and even several `CATEGORY="ORIGINAL"` ones
  (bilingual buyers). Only one is read, so each award appears once: the form in the first `LG_ORIG`
  language, else the first original, else the first form.
* Contracts: one `ContractRecord` per lot (`LOT_NO`, "" when the notice has no lots). Several awarded
  `AWARD_CONTRACT` items of one lot (framework with several suppliers, one item per contract) are merged
  into that lot's record: every contractor once, each `PartyRecord` keeping its item's value, date and
  contract number in `extra`. The lot amount follows `eforms.combine_amounts` (identical item values are
  a framework value repeated per supplier and counted once, different ones are added). Items with
  `NO_AWARDED_CONTRACT` (unsuccessful, discontinued) make no contract.
* Roles: a contractor of a `NO_AWARDED_TO_GROUP` award is "winner". R2.0.9 does not say who leads a
  group, so every contractor of an `AWARDED_TO_GROUP` award is "member"; a "(mandataire)" or
  "(cotraitant)" written in the name is kept as a hint in `extra["name_role_hint"]`, never as the role.
* Subcontractors are never named in R2.0.9: only `LIKELY_SUBCONTRACTED`, `VAL_SUBCONTRACTING`,
  `PCT_SUBCONTRACTING` and `INFO_ADD_SUBCONTRACTING` go to `ContractRecord.subcontracting`.
* `VAL_RANGE_TOTAL` (lowest / highest offer) is not the contract value: it goes to `extra`, not to
  `amount_min` / `amount_max`.
* Buyer = `ADDRESS_CONTRACTING_BODY`; joint procurement `ADDRESS_CONTRACTING_BODY_ADDITIONAL` buyers
  become "buyer" parties of every contract. `URL_BUYER` (buyer profile) and `URL_PARTICIPATION`
  (submission) are uses-platform relations; `URL_GENERAL` is the buyer's website.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from soustrace.parsers.eforms.notice import (
    NOTICE_URL,
    Amount,
    clean_name,
    combine_amounts,
    company_id,
    iso2_country,
    normalise_publication_number,
    normalise_url,
    parse_date,
    parse_decimal,
    websites_of,
)
from soustrace.parsers.xml import element_path, flatten_text, local_name, parse_xml
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
)

EXTRACTOR = "ted-xml"
EXTRACTOR_VERSION = "1.0"
TED_NS_PREFIX = "http://publications.europa.eu/resource/schema/ted/"

_FORM_TAG = re.compile(r"^(F\d{2})(?:_\d{4})?$")
_AWARD_FORMS = frozenset({"F03", "F06", "F13", "F15", "F18", "F25"})
_CALL_FORMS = frozenset({"F02", "F05", "F07", "F12", "F17", "F19", "F24"})
_PLANNING_FORMS = frozenset({"F01", "F04", "F08", "F16"})
# R2.0.9 procedure elements -> the eForms procedure codes, so both formats fill `procedure` alike.
_PROCEDURES = {
    "PT_OPEN": "open",
    "PT_RESTRICTED": "restricted",
    "PT_COMPETITIVE_NEGOTIATION": "neg-w-call",
    "PT_NEGOTIATED_WITH_PRIOR_CALL": "neg-w-call",
    "PT_NEGOTIATED_WITH_COMPETITION": "neg-w-call",
    "PT_COMPETITIVE_DIALOGUE": "comp-dial",
    "PT_INNOVATION_PARTNERSHIP": "innovation",
    "PT_AWARD_CONTRACT_WITHOUT_CALL": "neg-wo-call",
    "PT_AWARD_CONTRACT_WITHOUT_PUBLICATION": "neg-wo-call",
    "PT_NEGOTIATED_WITHOUT_PUBLICATION": "neg-wo-call",
}
_LEAD_HINT = re.compile(r"\bmandataire\b", re.IGNORECASE)
_MEMBER_HINT = re.compile(r"\bco-?traitant\b", re.IGNORECASE)


_COMPILED: dict[tuple[str, str], etree.XPath] = {}  # (path, TED namespace): a few hundred entries


@dataclass
class _Ctx:
    """The namespace of this export and the form being read."""

    ns: dict[str, str]
    root: etree._Element
    form: etree._Element
    form_name: str

    def xpath(self, path: str) -> etree.XPath:
        """The compiled XPath of `path` in this export's namespace (compiling at every call was the cost)."""
        key = (path, self.ns["t"])
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = etree.XPath(path, namespaces=self.ns)
        return compiled

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return self.xpath(path)(el)

    def one(self, el: etree._Element | None, path: str) -> etree._Element | None:
        if el is None:
            return None
        found = self.xpath(path)(el)
        return found[0] if found else None

    def text(self, el: etree._Element | None, path: str) -> str | None:
        found = self.one(el, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def flat(self, el: etree._Element | None, path: str) -> str:
        return flatten_text(self.one(el, path))


def _evidence(el: etree._Element, ctx: _Ctx) -> EvidenceRecord:
    return EvidenceRecord(text=el.text or "", path=element_path(el, {ctx.ns["t"]: ""}),
                          extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)


# ---- entry points ----------------------------------------------------------------------------------------


def is_ted_export_root(root: etree._Element) -> bool:
    qname = etree.QName(root)
    return qname.localname == "TED_EXPORT" and (qname.namespace or "").startswith(TED_NS_PREFIX)


def parse_ted_export(raw: bytes) -> NoticeRecord:
    """Parse a TED R2.0.9 `TED_EXPORT` notice into a NoticeRecord; ParseError when it is not one."""
    return notice_from_ted_root(parse_xml(raw), raw=raw)


def notice_from_ted_root(root: etree._Element, *, raw: bytes) -> NoticeRecord:
    """The R2.0.9 parser proper, on the parsed root (the TED dispatcher parses the bytes only once)."""
    if not is_ted_export_root(root):
        raise ParseError(f"not a TED_EXPORT notice: root element {root.tag!r}")
    namespace = etree.QName(root).namespace or ""
    if "/R2.0.9/" not in namespace:
        raise ParseError(f"unsupported TED_EXPORT schema {namespace!r}: only R2.0.9 (2014 forms) is read")
    ns = {"t": namespace}
    form = _pick_form(root, ns)
    form_name = _form_name(form)
    ctx = _Ctx(ns=ns, root=root, form=form, form_name=form_name)
    pubno = (normalise_publication_number(ctx.text(root, "t:CODED_DATA_SECTION/t:NOTICE_DATA/t:NO_DOC_OJS"))
             or normalise_publication_number(root.get("DOC_ID")))
    if pubno is None:
        raise ParseError("TED_EXPORT without publication number (NO_DOC_OJS / DOC_ID)")
    version = root.get("VERSION") or "R2.0.9"
    record = NoticeRecord(
        source="ted",
        source_id=pubno,
        raw=raw,
        url=NOTICE_URL.format(pubno),
        publication_date=parse_date(ctx.text(root, "t:CODED_DATA_SECTION/t:REF_OJS/t:DATE_PUB")),
        kind=_kind(ctx),
        schema_version=f"ted-{version}/{local_name(form)}",
        content_type="application/xml",
    )
    buyer_els = ctx.all(form, "t:CONTRACTING_BODY/t:ADDRESS_CONTRACTING_BODY"
                              " | t:CONTRACTING_BODY/t:ADDRESS_CONTRACTING_BODY_ADDITIONAL")
    buyers = [(el, _org(el, ctx)) for el in buyer_els]
    record.buyer = buyers[0][1] if buyers else None
    record.links = _links(ctx, record.kind)
    record.relations = _platform_relations(ctx, buyers)
    record.texts = _texts_for_nlp(ctx)
    record.contracts = _contracts(ctx, buyers[1:])
    record.websites = _websites(buyers, record.contracts)
    return record


def _pick_form(root: etree._Element, ns: dict[str, str]) -> etree._Element:
    forms = [el for el in root.xpath("t:FORM_SECTION/*", namespaces=ns) if el.get("LG") or el.get("FORM")]
    if not forms:
        raise ParseError("TED_EXPORT without a form in FORM_SECTION")
    originals = [el for el in forms if el.get("CATEGORY") == "ORIGINAL"] or forms
    languages = [lg.text.strip() for lg in root.xpath("t:CODED_DATA_SECTION/t:NOTICE_DATA/t:LG_ORIG",
                                                       namespaces=ns) if lg.text and lg.text.strip()]
    for el in originals:
        if languages and el.get("LG") == languages[0]:
            return el
    return originals[0]


def _form_name(form: etree._Element) -> str:
    match = _FORM_TAG.match(local_name(form))
    return form.get("FORM") or (match.group(1) if match else local_name(form))


def _kind(ctx: _Ctx) -> NoticeKind:
    """From the form number; forms used for several purposes (F21-F23, MOVE) by their content."""
    name = ctx.form_name
    if name == "F20":
        return "modification"
    if name == "F14":
        return "rectification"
    if name in _AWARD_FORMS or ctx.one(ctx.form, "t:AWARD_CONTRACT/t:AWARDED_CONTRACT") is not None:
        return "award"
    if name in _CALL_FORMS:
        return "call"
    if name in _PLANNING_FORMS:
        return "other"
    return "call" if ctx.one(ctx.form, "t:PROCEDURE") is not None else "other"


# ---- organisations, links, relations, texts ----------------------------------------------------------


def _org(address: etree._Element, ctx: _Ctx) -> OrgRef:
    """OrgRef of an ADDRESS_* element (buyer or contractor)."""
    country_el = ctx.one(address, "t:COUNTRY")
    country = iso2_country(country_el.get("VALUE") if country_el is not None else None)
    national_id, scheme = company_id(ctx.text(address, "t:NATIONALID"), country)
    street = ctx.text(address, "t:ADDRESS")
    city = " ".join(part for part in (ctx.text(address, "t:POSTAL_CODE"), ctx.text(address, "t:TOWN"))
                    if part)
    return OrgRef(
        name=clean_name(ctx.text(address, "t:OFFICIALNAME")),
        national_id=national_id,
        id_scheme=scheme,
        country=country,
        website=normalise_url(ctx.text(address, "t:URL_GENERAL") or ctx.text(address, "t:URL")),
        email=ctx.text(address, "t:E_MAIL"),
        address=", ".join(part for part in (street, city) if part) or None,
    )


def _links(ctx: _Ctx, kind: NoticeKind) -> list[NoticeLink]:
    """Earlier notices (REF_NOTICE, NOTICE_NUMBER_OJ): the modified (F20) or corrected (F14) one, or
    the previous notices of the procedure."""
    values = ctx.all(ctx.root, "t:CODED_DATA_SECTION/t:NOTICE_DATA/t:REF_NOTICE/t:NO_DOC_OJS")
    values += ctx.all(ctx.form, "t:PROCEDURE/t:NOTICE_NUMBER_OJ")
    link_kind = kind if kind in ("modification", "rectification") else "previous"
    targets = dict.fromkeys(target for el in values if (target := normalise_publication_number(el.text)))
    return [NoticeLink(kind=link_kind, source="ted", source_id=target) for target in targets]


def _platform_relations(ctx: _Ctx, buyers: list[tuple[etree._Element, OrgRef]]) -> list[RelationRecord]:
    """uses-platform edges from URL_BUYER (buyer profile) and URL_PARTICIPATION, one per distinct URL."""
    relations: list[RelationRecord] = []
    seen: set[str] = set()
    candidates = [(el, "buyer-profile", None if index == 0 else ref)
                  for index, (address, ref) in enumerate(buyers)
                  for el in ctx.all(address, "t:URL_BUYER")]
    candidates += [(el, "submission-url", None)
                   for el in ctx.all(ctx.form, "t:CONTRACTING_BODY/t:URL_PARTICIPATION")]
    for el, role, src in candidates:
        url = normalise_url(el.text)
        if url is None or url.lower().rstrip("/") in seen:
            continue
        seen.add(url.lower().rstrip("/"))
        relations.append(RelationRecord(kind="uses-platform", src=src, target_url=url, role=role,
                                        evidence=_evidence(el, ctx)))
    return relations


def _texts_for_nlp(ctx: _Ctx) -> dict[str, str]:
    """Title, short description and additional information, per notice and per lot, markup flattened."""
    texts: dict[str, str] = {}
    entries = [("title", "t:OBJECT_CONTRACT/t:TITLE"), ("description", "t:OBJECT_CONTRACT/t:SHORT_DESCR"),
               ("additional_info", "t:COMPLEMENTARY_INFO/t:INFO_ADD")]
    for key, path in entries:
        if text := ctx.flat(ctx.form, path):
            texts[key] = text
    for descr in ctx.all(ctx.form, "t:OBJECT_CONTRACT/t:OBJECT_DESCR"):
        lot = ctx.text(descr, "t:LOT_NO")
        prefix = f"lot:{lot}" if lot else f"item:{descr.get('ITEM') or ''}"
        for key, path in (("title", "t:TITLE"), ("description", "t:SHORT_DESCR"),
                          ("additional_info", "t:INFO_ADD")):
            if text := ctx.flat(descr, path):
                texts[f"{prefix}:{key}"] = text
    return texts


def _websites(
    buyers: list[tuple[etree._Element, OrgRef]], contracts: list[ContractRecord]
) -> list[tuple[OrgRef, str]]:
    parties = [party.org for contract in contracts for party in contract.parties]
    return websites_of([ref for _, ref in buyers] + parties)


# ---- contracts -----------------------------------------------------------------------------------------


def _contracts(ctx: _Ctx, co_buyers: list[tuple[etree._Element, OrgRef]]) -> list[ContractRecord]:
    by_lot: dict[str, list[etree._Element]] = {}
    for award in ctx.all(ctx.form, "t:AWARD_CONTRACT"):
        if ctx.one(award, "t:AWARDED_CONTRACT") is not None:
            by_lot.setdefault(ctx.text(award, "t:LOT_NO") or "", []).append(award)
    contracts = []
    for lot, awards in by_lot.items():
        contract = _contract(ctx, lot, awards)
        contract.parties += [PartyRecord(role="buyer", org=ref, evidence=_name_evidence(address, ctx))
                             for address, ref in co_buyers]
        contracts.append(contract)
    return contracts


def _contract(ctx: _Ctx, lot: str, awards: list[etree._Element]) -> ContractRecord:
    descr = _object_descr(ctx, lot)
    values: list[Amount] = []
    parties: list[PartyRecord] = []
    dates: list[dt.date] = []
    offers: int | None = None
    for award in awards:
        awarded = ctx.one(award, "t:AWARDED_CONTRACT")
        value_el = ctx.one(awarded, "t:VALUES/t:VAL_TOTAL")
        value: Amount = (None, None)
        if value_el is not None:
            value = (parse_decimal(value_el.text), value_el.get("CURRENCY"))
        values.append(value)
        conclusion = parse_date(ctx.text(awarded, "t:DATE_CONCLUSION_CONTRACT"))
        dates += [conclusion] if conclusion else []
        tenders = ctx.text(awarded, "t:TENDERS/t:NB_TENDERS_RECEIVED")
        if offers is None and tenders and tenders.isdigit():
            offers = int(tenders)
        parties += _award_parties(ctx, award, awarded, value, conclusion)
    amount, currency, flags = combine_amounts(values)
    contract = ContractRecord(
        lot=lot,
        title=_title(ctx, awards, descr),
        cpv=_cpv(ctx),
        procedure=_procedure(ctx),
        award_date=min(dates) if dates else None,
        amount=amount,
        currency=currency,
        offers_received=offers,
        duration_months=_duration_months(ctx, descr),
        place=_place(ctx, descr),
        parties=parties,
        subcontracting=_subcontracting(ctx, awards),
        flags=flags,
        extra=_contract_extra(ctx, awards, descr),
    )
    if ctx.one(ctx.form, "t:PROCEDURE/t:FRAMEWORK") is not None:
        contract.flags.append("framework-agreement")
    if not parties:
        contract.flags.append("winner-not-named")
    return contract


def _award_parties(
    ctx: _Ctx, award: etree._Element, awarded: etree._Element,
    value: Amount, conclusion: dt.date | None,
) -> list[PartyRecord]:
    contractors = ctx.all(awarded, ".//t:CONTRACTOR")
    group = ctx.one(awarded, ".//t:AWARDED_TO_GROUP") is not None
    parties = []
    for contractor in contractors:
        address = ctx.one(contractor, "t:ADDRESS_CONTRACTOR")
        if address is None or ctx.one(address, "t:OFFICIALNAME") is None:
            continue
        role: PartyRoleName = "member" if group else "winner"
        extra: dict[str, object] = {"award_item": award.get("ITEM"),
                                    "contract_no": ctx.text(award, "t:CONTRACT_NO"),
                                    "conclusion_date": conclusion.isoformat() if conclusion else None}
        if group:
            extra["group"] = award.get("ITEM")
        name = ctx.text(address, "t:OFFICIALNAME") or ""
        hint = "lead" if _LEAD_HINT.search(name) else "member" if _MEMBER_HINT.search(name) else None
        if hint:
            extra["name_role_hint"] = hint
        if ctx.one(contractor, "t:SME") is not None:
            extra["sme"] = True
        parties.append(PartyRecord(role=role, org=_org(address, ctx), evidence=_name_evidence(address, ctx),
                                   amount=value[0], currency=value[1],
                                   extra={key: val for key, val in extra.items() if val is not None}))
    return parties


def _name_evidence(address: etree._Element, ctx: _Ctx) -> EvidenceRecord:
    name_el = ctx.one(address, "t:OFFICIALNAME")
    return _evidence(name_el if name_el is not None else address, ctx)


def _object_descr(ctx: _Ctx, lot: str) -> etree._Element | None:
    """The OBJECT_DESCR of a lot (the only one when the notice has no lots)."""
    descrs = ctx.all(ctx.form, "t:OBJECT_CONTRACT/t:OBJECT_DESCR")
    for descr in descrs:
        if lot and ctx.text(descr, "t:LOT_NO") == lot:
            return descr
    return descrs[0] if len(descrs) == 1 else None


def _title(ctx: _Ctx, awards: list[etree._Element], descr: etree._Element | None) -> str | None:
    for el, path in (*((award, "t:TITLE") for award in awards), (descr, "t:TITLE"),
                     (ctx.form, "t:OBJECT_CONTRACT/t:TITLE")):
        if el is not None and (title := ctx.flat(el, path)):
            return title
    return None


def _cpv(ctx: _Ctx) -> str | None:
    cpv = ctx.one(ctx.form, "t:OBJECT_CONTRACT/t:CPV_MAIN/t:CPV_CODE")
    return cpv.get("CODE") if cpv is not None else None


def _procedure(ctx: _Ctx) -> str | None:
    found = ctx.one(ctx.form, "t:PROCEDURE//*[starts-with(local-name(), 'PT_')]")
    if found is not None:
        name = local_name(found)
        return _PROCEDURES.get(name, name.removeprefix("PT_").lower())
    return ctx.text(ctx.root, "t:CODED_DATA_SECTION/t:CODIF_DATA/t:PR_PROC")


def _duration_months(ctx: _Ctx, descr: etree._Element | None) -> int | None:
    duration = ctx.one(descr, "t:DURATION")
    value = parse_decimal(duration.text) if duration is not None else None
    if value is None:
        return None
    months = {"MONTH": value, "YEAR": value * 12}.get((duration.get("TYPE") or "").upper())
    return int(months) if months is not None else None


def _place(ctx: _Ctx, descr: etree._Element | None) -> str | None:
    for el in (descr, ctx.one(ctx.form, "t:CONTRACTING_BODY/t:ADDRESS_CONTRACTING_BODY")):
        nuts = ctx.one(el, "*[local-name()='NUTS']")
        if nuts is not None and nuts.get("CODE"):
            return nuts.get("CODE")
    return None


def _subcontracting(ctx: _Ctx, awards: list[etree._Element]) -> dict[str, object]:
    """LIKELY_SUBCONTRACTED / VAL_SUBCONTRACTING / PCT_SUBCONTRACTING / INFO_ADD_SUBCONTRACTING, merged."""
    summary: dict[str, object] = {}
    values: list[Amount] = []
    percents: list[Decimal] = []
    descriptions: list[str] = []
    for award in awards:
        awarded = ctx.one(award, "t:AWARDED_CONTRACT")
        if ctx.one(awarded, "t:LIKELY_SUBCONTRACTED") is not None:
            summary["likely"] = True
        value_el = ctx.one(awarded, "t:VAL_SUBCONTRACTING")
        if value_el is not None:
            values.append((parse_decimal(value_el.text), value_el.get("CURRENCY")))
        percent = parse_decimal(ctx.text(awarded, "t:PCT_SUBCONTRACTING"))
        if percent is not None:
            percents.append(percent)
        if description := ctx.flat(awarded, "t:INFO_ADD_SUBCONTRACTING"):
            descriptions.append(description)
    value, currency, _ = combine_amounts(values)
    if value is not None:
        summary["value"], summary["currency"] = value, currency
    if percents and len(set(percents)) == 1:
        summary["percent"] = percents[0]
    elif percents:
        summary["percents"] = percents
    if descriptions:
        summary["description"] = "\n".join(dict.fromkeys(descriptions))
    return summary


def _contract_extra(
    ctx: _Ctx, awards: list[etree._Element], descr: etree._Element | None
) -> dict[str, object]:
    extra: dict[str, object] = {
        "form": local_name(ctx.form),
        "form_language": ctx.form.get("LG"),
        "award_items": [award.get("ITEM") for award in awards],
        "contract_numbers": [no for award in awards if (no := ctx.text(award, "t:CONTRACT_NO"))],
    }
    if descr is not None:
        extra["cpv_additional"] = [el.get("CODE") for el in ctx.all(descr, "t:CPV_ADDITIONAL/t:CPV_CODE")]
    estimated = [ctx.one(award, "t:AWARDED_CONTRACT/t:VALUES/t:VAL_ESTIMATED_TOTAL") for award in awards]
    if (first := next((el for el in estimated if el is not None), None)) is not None:
        extra["estimated_value"], extra["estimated_currency"] = first.text, first.get("CURRENCY")
    ranges = [ctx.one(award, "t:AWARDED_CONTRACT/t:VALUES/t:VAL_RANGE_TOTAL") for award in awards]
    offer_ranges = [{"low": ctx.text(el, "t:LOW"), "high": ctx.text(el, "t:HIGH"),
                     "currency": el.get("CURRENCY")} for el in ranges if el is not None]
    if offer_ranges:
        extra["offer_range"] = offer_ranges[0] if len(offer_ranges) == 1 else offer_ranges
    modification = "t:MODIFICATIONS_CONTRACT/t:INFO_MODIFICATIONS/t:VALUES"
    for key, path in (("value_before_modification", f"{modification}/t:VAL_TOTAL_BEFORE"),
                      ("value_after_modification", f"{modification}/t:VAL_TOTAL_AFTER")):
        el = ctx.one(ctx.form, path)
        if el is not None:
            extra[key] = el.text
    return {key: value for key, value in extra.items() if value not in (None, [], "")}
