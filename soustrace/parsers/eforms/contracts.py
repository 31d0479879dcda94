"""eForms awards -> one `ContractRecord` per awarded lot, with its winners, amounts, dates and subcontracting.

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

from decimal import Decimal

from lxml import etree

from soustrace.parsers.eforms.doc import (
    _RESULT,
    _all,
    _amount,
    _Doc,
    _evidence,
    _in_language,
    _LotError,
    _one,
    _Org,
    _text,
    _texts,
    notice_subtype,
    xpath,
)
from soustrace.parsers.eforms.values import (
    Amount,
    clean_name,
    combine_amounts,
    iso2_country,
    parse_date,
    parse_decimal,
)
from soustrace.parsers.xml import flatten_text
from soustrace.records import ContractRecord, PartyRecord, PartyRoleName


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
                and xpath("string(cbc:ID/@schemeName)")(doc.lots[tender_lot]) != "LotsGroup")


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
