"""The parties of a DECP record: titulaires (winners) and the subcontractors of its subcontract acts.

DECP never says which titulaire signed a subcontract act: every titulaire is a main contractor of every
act, with extra["main_contractor_ambiguous"] = True when there are several.
"""

from __future__ import annotations

import dataclasses

from soustrace.parsers.decp.item import (
    _ID_SEPARATORS,
    EXTRACTOR,
    MAX_PLAUSIBLE_AMOUNT,
    PARSER_VERSION,
    FileContext,
    SourceItem,
    _date_text_into,
)
from soustrace.parsers.decp.values import (
    canonical_json,
    clean_id,
    clean_str,
    country_of,
    fix_text,
    id_issue,
    infer_scheme,
    normalize_scheme,
    parse_amount,
    parse_date,
    parse_int,
    unwrap_items,
)
from soustrace.records import (
    ContractRecord,
    EvidenceRecord,
    OrgRef,
    PartyRecord,
)


def _org(obj: dict) -> tuple[OrgRef | None, dict[str, object]]:
    """An OrgRef with the id as written (stripped) and its scheme in the 2022 spelling, plus notes."""
    national_id = clean_id(obj.get("id"))
    raw_scheme = clean_str(obj.get("typeIdentifiant"))
    scheme = normalize_scheme(raw_scheme)
    notes: dict[str, object] = {}
    if scheme is None and (inferred := infer_scheme(national_id)):
        scheme = inferred
        notes["id_scheme_inferred"] = True
    if raw_scheme and scheme != raw_scheme:
        notes["id_scheme_raw"] = raw_scheme
    name = fix_text(obj.get("denominationSociale") or obj.get("nom"))
    issue = id_issue(national_id, scheme)
    if issue:
        notes["id_issue"] = issue
    if national_id is None and name is None:
        return None, notes
    return OrgRef(name=name, national_id=national_id, id_scheme=scheme,
                  country=country_of(national_id, scheme)), notes


def _org_key(org: OrgRef) -> tuple[str | None, str | None]:
    if org.national_id:
        return org.id_scheme, _ID_SEPARATORS.sub("", org.national_id).upper()
    return None, (org.name or "").upper()


def _evidence(item: SourceItem, key: str, suffix: str, obj: object) -> EvidenceRecord:
    path, text = item.evidence.get(f"{key}{suffix}") or (item.child_path(key, suffix), "")
    return EvidenceRecord(text=text or canonical_json(obj).decode("utf-8"), path=path,
                          extractor=EXTRACTOR, extractor_version=PARSER_VERSION)


def _skip(contract: ContractRecord, path: str, reason: str) -> None:
    """A party entry that cannot be used is reported in extra, never silently dropped."""
    skipped = contract.extra.setdefault("skipped_parties", [])
    if isinstance(skipped, list):
        skipped.append({"path": path, "reason": reason})


def _count_duplicate(contract: ContractRecord) -> None:
    count = contract.extra.get("duplicate_parties", 0)
    contract.extra["duplicate_parties"] = (count if isinstance(count, int) else 0) + 1


def _winners(rec: dict, item: SourceItem, ctx: FileContext, concession: bool,
             contract: ContractRecord) -> list[PartyRecord]:
    """titulaires (concessionnaires for concessions) → role "winner", one per distinct organisation."""
    order = (("concessionnaires", "concessionnaire"), ("titulaires", "titulaire"))
    key, wrapper = next(((k, w) for k, w in (order if concession else order[::-1]) if rec.get(k)), order[1])
    winners: list[PartyRecord] = []
    seen: set[tuple[str | None, str | None]] = set()
    for suffix, obj in unwrap_items(rec.get(key), wrapper):
        path = item.child_path(key, suffix)
        if not isinstance(obj, dict):
            _skip(contract, path, f"{wrapper} is not an object: {str(obj)[:60]!r}")
            continue
        org, notes = _org(obj)
        if org is None:
            _skip(contract, path, f"{wrapper} without id or name")
            continue
        if _org_key(org) in seen:
            _count_duplicate(contract)
            continue
        seen.add(_org_key(org))
        notes["source_file"] = ctx.name
        winners.append(PartyRecord(role="winner", org=org, evidence=_evidence(item, key, suffix, obj), extra=notes))
    return winners


def _subcontractors(rec: dict, item: SourceItem, ctx: FileContext, mains: list[OrgRef],
                    contract: ContractRecord) -> list[PartyRecord]:
    """Each acteSousTraitance → role "subcontractor" working for the contract's titulaires."""
    parties: list[PartyRecord] = []
    seen: set[tuple[object, ...]] = set()
    for suffix, act in unwrap_items(rec.get("actesSousTraitance"), "acteSousTraitance"):
        path = item.child_path("actesSousTraitance", suffix)
        if not isinstance(act, dict):
            _skip(contract, path, f"acteSousTraitance is not an object: {str(act)[:60]!r}")
            continue
        sub = act.get("sousTraitant")
        org, notes = _org(sub) if isinstance(sub, dict) else (None, {})
        if org is None:
            _skip(contract, path, "acteSousTraitance without sousTraitant id or name")
            continue
        key = (clean_str(act.get("id")), *_org_key(org), clean_str(act.get("dateNotification")))
        if key in seen:
            _count_duplicate(contract)
            continue
        seen.add(key)
        parties.append(_subcontract_party(act, org, notes, mains, _evidence(item, "actesSousTraitance", suffix, act),
                                          ctx))
    return parties


def _subcontract_party(act: dict, org: OrgRef, notes: dict[str, object], mains: list[OrgRef],
                       evidence: EvidenceRecord, ctx: FileContext) -> PartyRecord:
    party = PartyRecord(role="subcontractor", org=org, evidence=evidence, currency="EUR",
                        main_contractors=[dataclasses.replace(m) for m in mains], extra=notes)
    act_id = clean_str(act.get("id"))
    if act_id:
        notes["act_id"] = act_id
    try:
        amount = parse_amount(act.get("montant"))
    except ValueError:
        amount, notes["amount_raw"] = None, str(act.get("montant"))[:100]
    if amount is not None and (amount > MAX_PLAUSIBLE_AMOUNT or amount <= 0):
        notes["amount_raw"], notes["amount_issue"], amount = str(amount), "suspicious-amount", None
    party.amount = amount
    try:
        party.start_date = parse_date(act.get("dateNotification"))
    except ValueError:
        notes["dateNotification_raw"] = str(act.get("dateNotification"))[:100]
    try:
        party.duration_months = parse_int(act.get("dureeMois"))
    except ValueError:
        notes["dureeMois_raw"] = str(act.get("dureeMois"))[:100]
    variation = fix_text(act.get("variationPrix"))
    if variation:
        notes["variationPrix"] = variation
    _date_text_into(act.get("datePublicationDonnees"), "datePublicationDonnees", notes)
    if len(mains) > 1:
        notes["main_contractor_ambiguous"] = True
    elif not mains:
        notes["main_contractor_unknown"] = True
    notes["source_file"] = ctx.name
    return party


