"""One DECP record (a dict, whatever file flavour it came from) → one NoticeRecord, or a RejectRecord.

Readers (`json_stream`, `xml_stream`, `flat`) only decode files into `SourceItem`s; every rule about what
a field means lives here, so a record gives the same result whether it came from the 2019 JSON, the 2024
JSON, the XML flavour or a flat CSV export, and `reprocess` can rebuild it from the stored raw bytes.

Choices made here (see also `values`):
* uid = buyer SIRET + contract id (the national key used by every DECP consolidation; a SIRET written
  with spaces is compacted); the record's own `uid` is kept in extra["uid_given"] when it disagrees.
  Real files publish different lots under one id, so the uid alone would make them revisions of each
  other: source_id = uid + "~" + a short hash of (dateNotification, sorted titulaire ids), the dedup key
  of decp-processing. The same contract seen in several files or rows keeps one source_id and is stored
  once; extra["uid"] keeps the uid for joins;
* the CPV code is the 8 digits without check digit (extra["cpv_check_digit"]), see `normalize_cpv`;
* award_date = dateNotification (dateSignature for concessions), the first notification; a record whose
  award date is present but unreadable is rejected, because the date filter and every time series
  depend on it; other unreadable dates are kept as written in extra;
* amounts above 10 bn EUR or ≤ 0 are placeholders or typos: the contract gets no amount (nothing sums
  it), the flag "suspicious-amount" and the value in extra["amount_raw"];
* DECP never says which titulaire signed a subcontract act: every titulaire is a main contractor of
  every act, with extra["main_contractor_ambiguous"] = True when there are several.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from soustrace.parsers.decp.item import (
    _BOOL_FIELDS,
    _ID_SEPARATORS,
    _LIST_FIELDS,
    _NUMBER_FIELDS,
    _SHORT_FIELD_MAX,
    _TEXT_FIELDS,
    MAX_PLAUSIBLE_AMOUNT,
    PLAUSIBLE_YEARS,
    SOURCE_ID_MAX,
    FileContext,
    Rejected,
    SourceItem,
    _date_text_into,
)
from soustrace.parsers.decp.modifications import _modifications
from soustrace.parsers.decp.parties import _subcontractors, _winners
from soustrace.parsers.decp.values import (
    canonical_json,
    clean_id,
    clean_str,
    excerpt,
    fix_text,
    id_issue,
    normalize_cpv,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    string_list,
)
from soustrace.records import (
    ContractRecord,
    NoticeRecord,
    OrgRef,
    RejectRecord,
)


def build_notice(item: SourceItem, ctx: FileContext) -> NoticeRecord | RejectRecord | None:
    """The NoticeRecord of one record; a RejectRecord when unusable; None when outside the date range."""
    if item.refusal is not None:
        refusal = item.refusal
        return RejectRecord(source="decp", record_id=refusal.record_id, stage="parse",
                            reason=f"{ctx.name} {item.path}: {refusal.reason}", excerpt=refusal.excerpt,
                            url=f"{ctx.url}#{item.path}")
    try:
        return _build(item, ctx)
    except Rejected as exc:
        raw = item.raw if item.raw is not None else canonical_json(item.record)
        return RejectRecord(source="decp", record_id=(exc.record_id or None) and exc.record_id[:300],
                            stage="parse", reason=exc.reason, excerpt=excerpt(raw), url=f"{ctx.url}#{item.path}")


def _build(item: SourceItem, ctx: FileContext) -> NoticeRecord | None:
    rec = item.record
    if not isinstance(rec, dict):
        raise Rejected(f"record is not an object but a {type(rec).__name__}")
    concession = _is_concession(rec, item.container)
    uid, buyer_obj, uid_given = _identity(rec, concession)
    date_field = _first_key(rec, ("dateSignature", "dateNotification") if concession else ("dateNotification",))
    try:
        award_date = parse_date(rec.get(date_field))
    except ValueError as exc:
        raise Rejected(f"field '{date_field}': {exc}", uid) from None
    if not ctx.keeps(award_date):
        return None
    contract = _contract(rec, item, ctx, concession, award_date)
    if award_date and not PLAUSIBLE_YEARS[0] <= award_date.year <= PLAUSIBLE_YEARS[1]:
        contract.flags.append("implausible-date")  # "0201-06-11", "2201-06-11": typed by hand
    if uid_given:
        contract.extra["uid_given"] = uid_given
    contract.extra["uid"] = uid
    publication_date = _optional_date(rec, "datePublicationDonnees", contract)
    buyer = _buyer(buyer_obj, contract)
    return NoticeRecord(
        source="decp", source_id=_variant_key(uid, award_date, contract),
        raw=item.raw if item.raw is not None else canonical_json(rec),
        url=f"{ctx.url}#{item.path}", publication_date=publication_date, kind="award",
        schema_version=item.schema_version, content_type="application/json", buyer=buyer,
        contracts=[contract], texts={"object": contract.title} if contract.title else {},
    )


# ---- identity ----------------------------------------------------------------------------------------


def _variant_key(uid: str, award_date: dt.date | None, contract: ContractRecord) -> str:
    """uid~hash(date, titulaires): lots reusing one contract id stay apart, re-publications collapse."""
    holders = sorted(f"{p.org.id_scheme or ''}:{p.org.national_id or ''}" for p in contract.parties
                     if p.role == "winner")
    digest = hashlib.sha1(f"{award_date}|{'|'.join(holders)}".encode()).hexdigest()[:8]
    return f"{uid}~{digest}"


def _is_concession(rec: dict, container: str | None) -> bool:
    """A concession by its container (2024), its `_type` (2019) or its concession-only buyer key."""
    if container:
        return "concession" in container.lower()
    kind = rec.get("_type")
    if isinstance(kind, str) and kind.strip():
        return "concession" in kind.lower()
    return isinstance(rec.get("autoriteConcedante"), dict) and not isinstance(rec.get("acheteur"), dict)


def _identity(rec: dict, concession: bool) -> tuple[str, dict, str | None]:
    """(uid, buyer object, the record's own uid when it disagrees) or Rejected naming the missing field."""
    contract_id = clean_id(rec.get("id"))
    keys = ("autoriteConcedante", "acheteur") if concession else ("acheteur", "autoriteConcedante")
    buyer_obj = next((rec[k] for k in keys if isinstance(rec.get(k), dict) and clean_id(rec[k].get("id"))), None)
    buyer_id = clean_id(buyer_obj.get("id")) if buyer_obj else None
    if contract_id is None:
        raise Rejected(f"missing field 'id' (contract id{f' of buyer {buyer_id}' if buyer_id else ''}): "
                        "no uid can be built", clean_id(rec.get("uid")))
    if buyer_id is None:
        raise Rejected(f"missing field '{keys[0]}.id' (buyer SIRET): no uid can be built", contract_id)
    compact = _ID_SEPARATORS.sub("", buyer_id)
    uid = (compact if len(compact) == 14 and compact.isdigit() else buyer_id) + contract_id  # "217 500 016 00019"
    if len(uid) > SOURCE_ID_MAX:
        raise Rejected(f"field 'id' is {len(contract_id)} characters long: uid over {SOURCE_ID_MAX}", uid[:300])
    given = clean_id(rec.get("uid"))
    return uid, buyer_obj, given if given and given != uid else None


def _buyer(buyer_obj: dict, contract: ContractRecord) -> OrgRef:
    """The buyer (acheteur / autorité concédante): a SIRET, with a name only in the 2019 format."""
    buyer_id = clean_id(buyer_obj.get("id"))
    issue = id_issue(buyer_id, "SIRET")
    if issue:
        contract.extra["buyer_id_issue"] = issue
    return OrgRef(name=fix_text(buyer_obj.get("nom")), national_id=buyer_id, id_scheme="SIRET", country="FR")


def _first_key(rec: dict, keys: tuple[str, ...]) -> str:
    return next((k for k in keys if rec.get(k) not in (None, "")), keys[0])


# ---- contract ----------------------------------------------------------------------------------------


def _contract(rec: dict, item: SourceItem, ctx: FileContext, concession: bool,
              award_date: dt.date | None) -> ContractRecord:
    contract = ContractRecord(lot="", title=fix_text(rec.get("objet")), award_date=award_date)
    contract.extra.update({"contract_type": "concession" if concession else "marché",
                           "source_file": ctx.name, "record_path": item.path})
    procedure = fix_text(rec.get("procedure"))
    contract.procedure = procedure[:_SHORT_FIELD_MAX] if procedure else None
    _cpv(rec, contract)
    _amount(rec.get(_first_key(rec, ("valeurGlobale", "montant") if concession else ("montant", "valeurGlobale"))),
            contract)
    contract.duration_months = _optional_int(rec, "dureeMois", contract)
    contract.offers_received = _optional_int(rec, "offresRecues", contract)
    _place(rec.get("lieuExecution"), contract)
    _descriptive(rec, contract)
    _framework(rec, contract)
    declared = parse_bool(rec.get("sousTraitanceDeclaree"))
    if declared is not None:
        contract.subcontracting["declared"] = declared
    if concession:
        _date_text_into(rec.get("dateDebutExecution"), "dateDebutExecution", contract.extra)
    winners = _winners(rec, item, ctx, concession, contract)
    contract.parties.extend(winners)
    contract.parties.extend(_subcontractors(rec, item, ctx, [w.org for w in winners], contract))
    if not winners:
        contract.flags.append("no-winner")
    _modifications(rec, item, contract)
    return contract


def _cpv(rec: dict, contract: ContractRecord) -> None:
    code, extra, flags = normalize_cpv(rec.get("codeCPV"))
    contract.cpv = code
    contract.extra.update(extra)
    contract.flags.extend(flags)


def _amount(value: object, contract: ContractRecord) -> None:
    """Set the amount unless it is unreadable or implausible; then flag it and keep it in extra."""
    try:
        amount = parse_amount(value)
    except ValueError:
        contract.flags.append("bad-amount")
        contract.extra["amount_raw"] = str(value)[:100]
        return
    if amount is None:
        return
    contract.currency = "EUR"
    if amount > MAX_PLAUSIBLE_AMOUNT or amount <= 0:
        contract.flags.append("suspicious-amount")
        contract.extra["amount_raw"] = str(amount)
        return
    contract.amount = amount


def _optional_int(rec: dict, key: str, contract: ContractRecord) -> int | None:
    try:
        return parse_int(rec.get(key))
    except ValueError:
        contract.extra[f"{key}_raw"] = str(rec.get(key))[:100]
        return None


def _optional_date(rec: dict, key: str, contract: ContractRecord) -> dt.date | None:
    try:
        return parse_date(rec.get(key))
    except ValueError:
        contract.extra[f"{key}_raw"] = str(rec.get(key))[:100]
        contract.flags.append("bad-date")
        return None


def _place(value: object, contract: ContractRecord) -> None:
    """`lieuExecution` mixes postcodes, departments, communes and countries: keep the type with the code."""
    if not isinstance(value, dict):
        text = clean_str(value)
        contract.place = text[:_SHORT_FIELD_MAX] if text else None
        return
    code, kind, name = clean_str(value.get("code")), clean_str(value.get("typeCode")), fix_text(value.get("nom"))
    if code:
        contract.place = (f"{code} ({kind})" if kind else code)[:_SHORT_FIELD_MAX]
    elif name:
        contract.place = name[:_SHORT_FIELD_MAX]
    place = {k: v for k, v in (("code", code), ("typeCode", kind), ("nom", name)) if v}
    if place:
        contract.extra["place"] = place


def _descriptive(rec: dict, contract: ContractRecord) -> None:
    """Fields nobody joins on but a reader wants to see, kept in extra only when present."""
    extra = contract.extra
    nature = fix_text(rec.get("nature"))
    if nature:
        extra["nature"] = nature
    for key in _TEXT_FIELDS:
        text = fix_text(rec.get(key))
        if text:
            extra[key] = text
    for key, inner in _LIST_FIELDS.items():
        values = string_list(rec.get(key), inner)
        if values:
            extra[key] = values
    for key in _BOOL_FIELDS:
        flag = parse_bool(rec.get(key))
        if flag is not None:
            extra[key] = flag
    for key in _NUMBER_FIELDS:
        try:
            number = parse_amount(rec.get(key))
        except ValueError:
            number = None
        if number is not None:
            extra[key] = str(number)


def _framework(rec: dict, contract: ContractRecord) -> None:
    """Framework agreements announce a maximum, not a spend: flag them so nobody sums them as spend."""
    framework_id = clean_str(rec.get("idAccordCadre"))
    if framework_id:
        contract.framework_agreement_id = framework_id[:_SHORT_FIELD_MAX]
        if len(framework_id) > _SHORT_FIELD_MAX:
            contract.extra["idAccordCadre"] = framework_id
    techniques = [t.lower().replace(" ", "-") for t in string_list(rec.get("techniques"), "technique")]
    nature = str(contract.extra.get("nature", "")).lower().replace(" ", "-")
    if framework_id or "accord-cadre" in techniques or nature == "accord-cadre":
        contract.flags.append("framework-maximum")
