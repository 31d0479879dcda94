"""One DECP record (a dict, whatever file flavour it came from) → one NoticeRecord, or a RejectRecord.

Readers (`decp_json`, `decp_xml`, `decp_csv`) only decode files into `SourceItem`s; every rule about what
a field means lives here, so a record gives the same result whether it came from the 2019 JSON, the 2024
JSON, the XML flavour or a flat CSV export, and `reprocess` can rebuild it from the stored raw bytes.

Choices made here (see also `decp_values`):
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

import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from soustrace.parsers.decp.values import (
    canonical_json,
    clean_id,
    clean_str,
    country_of,
    excerpt,
    fix_text,
    id_issue,
    infer_scheme,
    normalize_cpv,
    normalize_scheme,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    string_list,
    unwrap_items,
)
from soustrace.records import (
    ContractRecord,
    EvidenceRecord,
    NoticeRecord,
    OrgRef,
    PartyRecord,
    RejectRecord,
)

PARSER_VERSION = "decp-1.0"
EXTRACTOR = "decp"
MAX_PLAUSIBLE_AMOUNT = Decimal("10000000000")  # 10 bn EUR: above that DECP amounts are placeholders
SOURCE_ID_MAX = 190  # notice.source_id column (200) less the "~" + 8-character variant
PLAUSIBLE_YEARS = (1990, 2100)
_SHORT_FIELD_MAX = 120  # contract.place / framework_agreement_id / procedure columns
_ID_SEPARATORS = re.compile(r"[\s.\-]")
_INDEX = re.compile(r"\[(\d+)\]")

_LIST_FIELDS = {
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}
_TEXT_FIELDS = ("formePrix", "ccag", "typeGroupementOperateurs", "source")
_BOOL_FIELDS = ("marcheInnovant", "attributionAvance")
_NUMBER_FIELDS = ("tauxAvance", "origineUE", "origineFrance", "montantSubventionPublique")


@dataclass(slots=True)
class SourceItem:
    """One record as a reader found it, before any interpretation.

    `path` locates it in the file (`marches[12]`, `marches.marche[3]`, `marches/marche[2]`, `rows[4-6]`);
    `raw` is given by readers whose payload is not the record dict itself (a CSV group keeps its rows);
    `evidence` overrides the path/text of a party (`"titulaires[0]"` → (path, text)) for flat rows.
    """

    record: object
    path: str
    container: str | None = None  # "marche" / "contrat-concession" when the file structure says so
    schema_version: str = "decp"
    raw: bytes | None = None
    evidence: dict[str, tuple[str, str]] = field(default_factory=dict)
    xpath: bool = False  # XML records: child paths as XPath steps (1-based), not JSON dots

    def child_path(self, key: str, suffix: str) -> str:
        """Path of `key` + an `unwrap_items` suffix: `marches[3].titulaires[0]` / `.../titulaires/titulaire[1]`."""
        if not self.path:  # a record rebuilt from its stored raw payload
            return f"{key}{suffix}"
        if not self.xpath:
            return f"{self.path}.{key}{suffix}"
        steps = _INDEX.sub(lambda m: f"[{int(m.group(1)) + 1}]", suffix).replace(".", "/")
        return f"{self.path}/{key}{steps}"


@dataclass(slots=True, frozen=True)
class FileContext:
    """Where the records come from and which award dates to keep ([date_from, date_until], inclusive)."""

    url: str
    name: str
    date_from: dt.date | None = None
    date_until: dt.date | None = None

    def keeps(self, day: dt.date | None) -> bool:
        """Records without an award date are dropped as soon as a date bound is given."""
        if self.date_from is None and self.date_until is None:
            return True
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and (
            self.date_until is None or day <= self.date_until)


class _Rejected(Exception):
    """Internal: the record cannot be used; carries the reason and the best id known so far."""

    def __init__(self, reason: str, record_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.record_id = record_id


def build_notice(item: SourceItem, ctx: FileContext) -> NoticeRecord | RejectRecord | None:
    """The NoticeRecord of one record; a RejectRecord when unusable; None when outside the date range."""
    try:
        return _build(item, ctx)
    except _Rejected as exc:
        raw = item.raw if item.raw is not None else canonical_json(item.record)
        return RejectRecord(source="decp", record_id=(exc.record_id or None) and exc.record_id[:300],
                            stage="parse", reason=exc.reason, excerpt=excerpt(raw), url=f"{ctx.url}#{item.path}")


def _build(item: SourceItem, ctx: FileContext) -> NoticeRecord | None:
    rec = item.record
    if not isinstance(rec, dict):
        raise _Rejected(f"record is not an object but a {type(rec).__name__}")
    concession = _is_concession(rec, item.container)
    uid, buyer_obj, uid_given = _identity(rec, concession)
    date_field = _first_key(rec, ("dateSignature", "dateNotification") if concession else ("dateNotification",))
    try:
        award_date = parse_date(rec.get(date_field))
    except ValueError as exc:
        raise _Rejected(f"field '{date_field}': {exc}", uid) from None
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
    """(uid, buyer object, the record's own uid when it disagrees) or _Rejected naming the missing field."""
    contract_id = clean_id(rec.get("id"))
    keys = ("autoriteConcedante", "acheteur") if concession else ("acheteur", "autoriteConcedante")
    buyer_obj = next((rec[k] for k in keys if isinstance(rec.get(k), dict) and clean_id(rec[k].get("id"))), None)
    buyer_id = clean_id(buyer_obj.get("id")) if buyer_obj else None
    if contract_id is None:
        raise _Rejected(f"missing field 'id' (contract id{f' of buyer {buyer_id}' if buyer_id else ''}): "
                        "no uid can be built", clean_id(rec.get("uid")))
    if buyer_id is None:
        raise _Rejected(f"missing field '{keys[0]}.id' (buyer SIRET): no uid can be built", contract_id)
    compact = _ID_SEPARATORS.sub("", buyer_id)
    uid = (compact if len(compact) == 14 and compact.isdigit() else buyer_id) + contract_id  # "217 500 016 00019"
    if len(uid) > SOURCE_ID_MAX:
        raise _Rejected(f"field 'id' is {len(contract_id)} characters long: uid over {SOURCE_ID_MAX}", uid[:300])
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


# ---- parties -----------------------------------------------------------------------------------------


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


# ---- modifications -----------------------------------------------------------------------------------


def _date_text_into(value: object, key: str, target: dict[str, object]) -> None:
    """An ISO date string when readable, else the value as written (never dropped, never fatal)."""
    try:
        day = parse_date(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if day is not None:
        target[key] = day.isoformat()


def _int_into(value: object, key: str, target: dict[str, object]) -> None:
    try:
        number = parse_int(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if number is not None:
        target[key] = number


def _number_text_into(value: object, key: str, target: dict[str, object]) -> None:
    try:
        number = parse_amount(value)
    except ValueError:
        target[key] = str(value)[:100]
        return
    if number is not None:
        target[key] = str(number)


def _modifications(rec: dict, item: SourceItem, contract: ContractRecord) -> None:
    """`modifications` and `modificationsActesSousTraitance` as plain dicts in extra (ids, dates, amounts)."""
    mods = [_modification(m, item.child_path("modifications", s))
            for s, m in unwrap_items(rec.get("modifications"), "modification") if isinstance(m, dict)]
    if mods:
        contract.extra["modifications"] = mods
        first = contract.award_date
        if first and any(str(m.get("date", "9999")) < first.isoformat() for m in mods):
            contract.flags.append("modification-before-notification")
    act_mods = [_act_modification(m, item.child_path("modificationsActesSousTraitance", s))
                for s, m in unwrap_items(rec.get("modificationsActesSousTraitance"), "modificationActeSousTraitance")
                if isinstance(m, dict)]
    if act_mods:
        contract.extra["modificationsActesSousTraitance"] = act_mods


def _modification(mod: dict, path: str) -> dict[str, object]:
    out: dict[str, object] = {"path": path}
    if clean_str(mod.get("id")):
        out["id"] = clean_str(mod.get("id"))
    text = fix_text(mod.get("objetModification"))
    if text:
        out["object"] = text
    _date_text_into(mod.get("dateNotificationModification") or mod.get("dateSignatureModification"), "date", out)
    _date_text_into(mod.get("datePublicationDonneesModification"), "publication_date", out)
    _int_into(mod.get("dureeMois"), "duration_months", out)
    _number_text_into(mod.get("montant") if mod.get("montant") is not None else mod.get("valeurGlobale"),
                      "amount", out)
    holders = []
    for key, wrapper in (("titulaires", "titulaire"), ("concessionnaires", "concessionnaire")):
        for _suffix, obj in unwrap_items(mod.get(key), wrapper):
            if isinstance(obj, dict):
                org, _notes = _org(obj)
                if org is not None:
                    holders.append({k: v for k, v in (("id", org.national_id), ("typeIdentifiant", org.id_scheme),
                                                      ("name", org.name)) if v})
    if holders:
        out["titulaires"] = holders
    return out


def _act_modification(mod: dict, path: str) -> dict[str, object]:
    out: dict[str, object] = {"path": path}
    if clean_str(mod.get("id")):
        out["id"] = clean_str(mod.get("id"))
    _date_text_into(mod.get("dateNotificationModificationSousTraitance"), "date", out)
    _date_text_into(mod.get("datePublicationDonnees"), "publication_date", out)
    _int_into(mod.get("dureeMois"), "duration_months", out)
    _number_text_into(mod.get("montant"), "amount", out)
    return out


_WRAPPED = (("titulaires", "titulaire"), ("concessionnaires", "concessionnaire"),
            ("actesSousTraitance", "acteSousTraitance"), ("modifications", "modification"))
_FORMAT_2024_KEYS = frozenset({"sousTraitanceDeclaree", "actesSousTraitance", "offresRecues", "ccag", "typesPrix",
                               "techniques", "modalitesExecution", "typeGroupementOperateurs"})


def record_format(rec: object) -> str:
    """"2024" for the arrêtés of 22/12/2022 (wrapped lists, subcontracting fields), else "2019"."""
    if not isinstance(rec, dict):
        return "unknown"
    for key, wrapper in _WRAPPED:
        value = rec.get(key)
        if isinstance(value, dict) and wrapper in value:
            return "2024"
        if isinstance(value, list) and value and isinstance(value[0], dict) and wrapper in value[0]:
            return "2024"
    return "2024" if _FORMAT_2024_KEYS.intersection(rec) else "2019"
