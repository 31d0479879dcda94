"""Legacy BOAMP `donnees` (V110 2006-2015, V230 2015-2021, V240 2022-2023), XML mirrored as JSON.

The buyer is in `IDENTITE` (`IDENT` in V110), lot facts in `OBJET`, and awards in `ATTRIBUTION/DECISION[]`:
one DECISION per lot, where `TITULAIRE` and `RENSEIGNEMENT` are siblings in sequence, paired by order
(the i-th RENSEIGNEMENT holds the amount of the i-th TITULAIRE), each one object or a list. An award
without ATTRIBUTION/DECISION (V110, other shapes) falls back on the generic winner scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from soustrace.parsers.boamp.envelope import _Envelope
from soustrace.parsers.boamp.roles import _name, _roles, _segment_extra
from soustrace.parsers.boamp.text import (
    _as_list,
    _first_dict,
    _first_marker,
    _first_text,
    _flag,
    _leaf_texts,
    _line,
    _lot_key,
    _marker_keys_of,
    _para,
    _put_text,
    _text,
)
from soustrace.parsers.boamp.values import (
    _add_platform,
    _address,
    _amount,
    _country,
    _cpv,
    _decimal,
    _email,
    _evidence,
    _first_date,
    _first_int,
    _int,
    _national_id,
    _nuts,
    _url,
)
from soustrace.parsers.boamp.winners import _scan_winners, _unique_lots
from soustrace.records import ContractRecord, NoticeRecord, OrgRef, PartyRecord

# Decision markers (empty elements in a DECISION) that say the lot was not awarded.
_NOT_AWARDED = ("INFRUCTUEUX", "SANS_SUITE", "NON_ATTRIBUE", "ABANDON")


@dataclass(slots=True)
class _LotInfo:
    """What the notice's OBJET says about one lot, used to complete the award's DECISION."""

    title: str | None = None
    cpv: str | None = None
    place: str | None = None
    duration_months: int | None = None


@dataclass(slots=True)
class _LegacyContext:
    prefix: str
    lots: dict[str, _LotInfo]
    notice_title: str | None
    cpv: str | None
    place: str | None
    procedure: str | None


def _parse_legacy(doc: dict[str, Any], prefix: str, envelope: _Envelope, notice: NoticeRecord) -> None:
    _legacy_buyer(doc, prefix, notice)
    _legacy_texts(doc, notice)
    objet = _first_dict(doc.get("OBJET"))
    ctx = _LegacyContext(
        prefix=prefix,
        lots=_legacy_lots(objet),
        notice_title=_line(objet.get("TITRE_MARCHE")) or _line(objet.get("OBJET_COMPLET")) or envelope.summary,
        cpv=_cpv(objet.get("CPV")),
        place=_nuts(objet.get("LIEU_EXEC_LIVR")) or _nuts(objet),
        procedure=_legacy_procedure(doc.get("PROCEDURE")) or envelope.procedure,
    )
    if "ATTRIBUTION" in doc:
        notice.contracts.extend(_legacy_contracts(doc["ATTRIBUTION"], ctx, notice))
    elif notice.kind != "call":  # V110 awards and other shapes without ATTRIBUTION/DECISION
        notice.contracts.extend(_scan_winners(doc, prefix, notice))
    _unique_lots(notice.contracts)


def _legacy_buyer(doc: dict[str, Any], prefix: str, notice: NoticeRecord) -> None:
    """IDENTITE (V230/V240) or IDENT (V110): name, SIRET, address, site; its URLs become platform edges."""
    key = "IDENTITE" if "IDENTITE" in doc else "IDENT"
    ident = _first_dict(doc.get(key))
    path = f"{prefix}/{key}"
    name = _name(_first_text(ident, ("DENOMINATION", "NOM", "ORGANISME", "RAISON_SOCIALE")))
    national_id, scheme = _national_id(_first_text(ident, ("CODE_IDENT_NATIONAL", "SIRET", "SIREN")))
    if not (name or national_id):
        return
    buyer = OrgRef(
        name=name, national_id=national_id, id_scheme=scheme,
        country=_country(ident.get("ADJUDICATEUR_NUTS") or ident.get("CODE_NUTS") or ident.get("PAYS"), scheme),
        email=_email(ident.get("MEL") or ident.get("EMAIL")), address=_address(ident),
        website=_url(ident.get("URL")),
    )
    notice.buyer = buyer
    for site_key in ("URL", "URL_ACHETEUR"):
        url = _url(ident.get(site_key))
        if url:
            notice.websites.append((buyer, url))
    for url_key, role in (("URL_PROFIL_ACHETEUR", "buyer-profile"), ("URL_DOCUMENT", "documents"),
                          ("URL_PARTICIPATION", "participation"), ("URL_OUTIL_LOGICIEL", "tools")):
        _add_platform(notice, ident.get(url_key), f"{path}/{url_key}", role)
    documents = _first_dict(doc.get("DOCUMENTS"))  # V110: DOCUMENTS/URL is where the tender file is
    _add_platform(notice, documents.get("URL"), f"{prefix}/DOCUMENTS/URL", "documents")


def _legacy_texts(doc: dict[str, Any], notice: NoticeRecord) -> None:
    """Free text for the NLP stage: object, lots, complementary information and conditions."""
    objet = _first_dict(doc.get("OBJET"))
    _put_text(notice, "title", objet.get("TITRE_MARCHE"))
    _put_text(notice, "object", objet.get("OBJET_COMPLET"))
    for lot in _as_list(_first_dict(objet.get("LOTS")).get("LOT")):
        if isinstance(lot, dict):
            num = _line(lot.get("NUM")) or ""
            _put_text(notice, _lot_key(num, "title"), lot.get("INTITULE"))
            _put_text(notice, _lot_key(num, "description"), lot.get("DESCRIPTION"))
            _put_text(notice, _lot_key(num, "info"), lot.get("INFO_COMPL"))
    v110_lots = _first_dict(doc.get("LOTS"))
    _put_text(notice, "lots", "\n".join(_leaf_texts(v110_lots.get("AUTRES"))))
    info = [*_leaf_texts(doc.get("RENSEIGNEMENTS_COMPLEMENTAIRES"), skip=("ADRESSES_COMPLEMENTAIRES",)),
            *_leaf_texts(doc.get("RENSEIGNEMENTS"))]
    _put_text(notice, "additional_info", "\n".join(t for t in info if _is_prose(t)))
    conditions = [text for key in sorted(doc) if key.startswith("CONDITION") for text in _leaf_texts(doc[key])]
    _put_text(notice, "conditions", "\n".join(t for t in conditions if _is_prose(t)))
    changes = [text for key in ("RECTIF", "RECTIFICATIF", "ANNULATION") for text in _leaf_texts(doc.get(key))]
    _put_text(notice, "rectification", "\n".join(t for t in changes if _is_prose(t)))


def _is_prose(text: str) -> bool:
    """Sentences, not the dates, counts and codes that sit beside them in the same blocks."""
    letters = 0
    for c in text:  # stops at the 12th letter: most texts are long sentences
        if c.isalpha():
            letters += 1
            if letters >= 12:
                return True
    return False


def _legacy_lots(objet: dict[str, Any]) -> dict[str, _LotInfo]:
    lots: dict[str, _LotInfo] = {}
    for lot in _as_list(_first_dict(objet.get("LOTS")).get("LOT")):
        if isinstance(lot, dict):
            lots[_line(lot.get("NUM")) or ""] = _LotInfo(
                title=_line(lot.get("INTITULE")), cpv=_cpv(lot.get("CPV")),
                place=_nuts(lot) or _line(lot.get("LIEU_PRINCIPAL")), duration_months=_int(lot.get("DUREE_MOIS")),
            )
    return lots


def _legacy_procedure(value: Any) -> str | None:
    """PROCEDURE/TYPE_PROCEDURE's marker element (V230), or the `@type` attribute (V110)."""
    procedure = _first_dict(value)
    return _first_marker(procedure.get("TYPE_PROCEDURE")) or _line(procedure.get("@type"))


def _legacy_contracts(value: Any, ctx: _LegacyContext, notice: NoticeRecord) -> list[ContractRecord]:
    attributions = [a for a in _as_list(value) if isinstance(a, dict)]
    contracts: list[ContractRecord] = []
    for index, attribution in enumerate(attributions):
        path = f"{ctx.prefix}/ATTRIBUTION" + (f"[{index}]" if len(attributions) > 1 else "")
        decisions = [d for d in _as_list(attribution.get("DECISION")) if isinstance(d, dict)]
        markers = _marker_keys_of(attribution)
        for number, decision in enumerate(decisions):
            contract = _decision(decision, f"{path}/DECISION[{number}]", attribution, ctx, notice)
            contract.extra["decision_index"] = number
            if markers:
                contract.extra["attribution_markers"] = markers
            if len(decisions) == 1:
                _single_decision_totals(contract, attribution)
                contract.title = contract.title or ctx.notice_title
            contracts.append(contract)
    if not contracts:  # an ATTRIBUTION without DECISION elements: find its winners by key name
        return _scan_winners({"ATTRIBUTION": value}, ctx.prefix, notice)
    return contracts


def _decision(decision: dict[str, Any], path: str, attribution: dict[str, Any], ctx: _LegacyContext,
              notice: NoticeRecord) -> ContractRecord:
    """One DECISION → one contract: TITULAIRE[i] is paired with RENSEIGNEMENT[i] by order."""
    lot = _line(decision.get("NUM_LOT")) or ""
    only = next(iter(ctx.lots.values())) if len(ctx.lots) == 1 and (lot == "" or "" in ctx.lots) else None
    info = ctx.lots.get(lot) or only or _LotInfo()
    renseignements = [r if isinstance(r, dict) else {} for r in _as_list(decision.get("RENSEIGNEMENT"))]
    sources = [*renseignements, decision]  # facts sit in RENSEIGNEMENT, sometimes in DECISION itself
    contract = ContractRecord(
        lot=lot,
        title=_line(decision.get("INTITULE")) or info.title,
        cpv=_cpv(decision.get("CPV")) or info.cpv or ctx.cpv,
        procedure=ctx.procedure,
        award_date=_first_date([s.get("DATE_ATTRIBUTION") for s in sources]
                               + [decision.get("DATE_DECISION"), attribution.get("DATE_DECISION"),
                                  attribution.get("DATE_ATTRIBUTION")]),
        offers_received=_first_int([s.get("NB_OFFRE_RECU") for s in sources]),
        duration_months=info.duration_months,
        place=info.place or ctx.place,
    )
    markers = _marker_keys_of(decision)
    if markers:
        contract.extra["decision"] = markers
    if any(marker.startswith(_NOT_AWARDED) for marker in markers):
        contract.flags.append("not-awarded")
    if any("MONTANT_INDEFINI" in s for s in sources):
        contract.extra["amount_undefined"] = True
    _put_text(notice, _lot_key(lot, "title"), decision.get("INTITULE"))
    _put_text(notice, _lot_key(lot, "description"), decision.get("DESCRIPTION"))
    for index, titulaire in enumerate(_as_list(decision.get("TITULAIRE"))):
        renseignement = renseignements[index] if index < len(renseignements) else {}
        contract.parties.extend(_titulaire(titulaire, f"{path}/TITULAIRE[{index}]", renseignement, notice))
    if "TITULAIRE" not in decision:  # winners under another name (TITULAIRES/..., ATTRIBUTAIRE)
        found = _scan_winners({k: v for k, v in decision.items() if k != "RENSEIGNEMENT"}, path, notice)
        contract.parties.extend(party for scanned in found for party in scanned.parties)
    _contract_amounts(contract, sources)
    _subcontracting(contract, sources)
    return contract


def _titulaire(value: Any, path: str, renseignement: dict[str, Any], notice: NoticeRecord) -> list[PartyRecord]:
    """One TITULAIRE: its name (role markers stripped), SIRET, address, site, and its paired amount."""
    node = value if isinstance(value, dict) else {}
    name_key = next((k for k in ("DENOMINATION", "NOM", "RAISON_SOCIALE") if _text(node.get(k))), None)
    raw_name = _text(node.get(name_key)) if name_key else _text(value)
    if not raw_name or not raw_name.strip():
        return []
    name_path = f"{path}/{name_key}" if name_key else path
    national_id, scheme = _national_id(_first_text(node, ("CODE_IDENT_NATIONAL", "SIRET", "SIREN")))
    amount, currency = _amount(renseignement.get("MONTANT"))
    extra: dict[str, object] = {}
    pme = _flag(node, "PME")
    if pme is not None:
        extra["sme"] = pme
    parties = []
    for name, role, segment in _roles(raw_name):
        org = OrgRef(
            name=name, national_id=national_id, id_scheme=scheme, address=_address(node),
            country=_country(node.get("CODE_NUTS") or node.get("PAYS"), scheme),
            email=_email(node.get("MEL")), website=_url(node.get("URL")),
        )
        party_extra = {**extra, **_segment_extra(segment, raw_name)}
        parties.append(PartyRecord(role=role, org=org, evidence=_evidence(raw_name, name_path),
                                   amount=amount, currency=currency if amount is not None else None,
                                   extra=party_extra))
        if org.website:
            notice.websites.append((org, org.website))
    return parties


def _contract_amounts(contract: ContractRecord, sources: list[dict[str, Any]]) -> None:
    """The lot's amount from the paired RENSEIGNEMENT: one value, the lead's, or the sum of winners'.

    In a groupement only the mandataire's RENSEIGNEMENT usually carries the amount; several winners with
    their own different amounts (multi-attributaire) are summed and flagged so nothing is invented.
    """
    amounts = [_amount(s.get("MONTANT")) for s in sources]
    distinct = {a for a, _ in amounts if a is not None}
    currency = next((c for a, c in amounts if a is not None and c), None)
    if len(distinct) == 1:
        contract.amount = distinct.pop()
    elif distinct:
        lead = next((p.amount for p in contract.parties if p.role == "lead" and p.amount is not None), None)
        if lead is not None:
            contract.amount = lead
        else:
            contract.amount = sum((p.amount for p in contract.parties if p.amount is not None), Decimal(0))
            contract.flags.append("amount-sum-of-winners")
    for key, attr in (("MONTANT_MINI", "amount_min"), ("MONTANT_MAXI", "amount_max")):
        bounds = [_amount(s.get(key)) for s in sources]
        values = {a for a, _ in bounds if a is not None}
        if values:
            setattr(contract, attr, min(values) if attr == "amount_min" else max(values))
            currency = currency or next((c for a, c in bounds if a is not None and c), None)
        if len(values) > 1:
            contract.flags.append(f"{attr.replace('_', '-')}-varies-by-winner")
    contract.currency = currency


def _single_decision_totals(contract: ContractRecord, attribution: dict[str, Any]) -> None:
    """With one DECISION, ATTRIBUTION/VALEUR_TOTALE is that contract's value (MAPA awards give only it)."""
    if contract.amount is not None or contract.amount_min is not None or contract.amount_max is not None:
        return
    total, currency = _amount(attribution.get("VALEUR_TOTALE"))
    if total is not None:
        contract.amount = total
        contract.currency = contract.currency or currency
        contract.flags.append("amount-from-total-value")


def _subcontracting(contract: ContractRecord, sources: list[dict[str, Any]]) -> None:
    """SOUSTRAITANCE_OUI|NON is only a flag: likely or not, with value/percent when the element holds them."""
    answers = [(_flag(s, "SOUSTRAITANCE"), s) for s in sources]
    answers = [(answer, s) for answer, s in answers if answer is not None]
    if not answers:
        return
    contract.subcontracting["likely"] = any(answer for answer, _ in answers)
    for answer, source in answers:
        detail = source.get("SOUSTRAITANCE_OUI")
        if answer and isinstance(detail, dict):
            value, currency = _amount(detail.get("VALEUR") or detail.get("MONTANT"))
            if value is not None:
                contract.subcontracting["value"] = value
                contract.subcontracting["currency"] = currency
            percent = _decimal(detail.get("POURCENTAGE") or detail.get("PCT"))
            if percent is not None:
                contract.subcontracting["percent"] = percent
            description = _para(detail.get("DESCRIPTION"))
            if description:
                contract.subcontracting["description"] = description
