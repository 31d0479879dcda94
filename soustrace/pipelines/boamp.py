"""BOAMP notices → `NoticeRecord`: one parser for every notice generation, fed by two inputs.

Inputs:

* `parse_boamp_record`: one flat record of the OpenDataSoft `/records` API (`idweb`, `nature`,
  `dateparution`, `titulaire`, ... and `donnees` / `gestion`, two JSON *strings*);
* `parse_boamp_xml`: DILA's raw XML notice (`<ANNONCE><GESTION/><DONNEES/></ANNONCE>`), converted to the
  very dict shape of `donnees` (element names as-is, repeated elements → list, empty element → "",
  attributes as "@NAME", text beside attributes as "#text") so the same code reads both.

Generations of `donnees`, told apart by its root keys:

* legacy XML-as-JSON (V110 2006-2015, V230 2015-2021, V240 2022-2023): `IDENTITE`/`IDENT`, `OBJET`,
  `ATTRIBUTION/DECISION[]` where `TITULAIRE` and `RENSEIGNEMENT` are *siblings in sequence* (paired by
  order), one object or a list;
* eForms era (`EFORMS`): handed to `soustrace.pipelines.eforms_json.parse_eforms_dict`, then re-labelled
  as the BOAMP notice;
* national simplified forms (`FNSimple`, `MAPA`, `DSP`): no real sample was available, so they are read
  by key names documented by third parties and by a defensive scan for winner blocks.

Whatever the generation, an award whose `donnees` names no winner falls back on the flat `titulaire`
list. Every party keeps its evidence: the path inside the payload and the exact text as written; role
markers such as "(Mandataire)" are removed from the name but stay in that evidence.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import ftfy
from lxml import etree

from soustrace.identity import GROUP_TAIL as _GROUP_TAIL
from soustrace.identity import ROLE_LEADING as _ROLE_LEADING
from soustrace.identity import ROLE_PAREN as _ROLE_PAREN
from soustrace.identity import ROLE_TRAILING as _ROLE_TRAILING
from soustrace.identity import ROLE_WORD as _ROLE_WORD
from soustrace.pipelines.safe_xml import parse_xml
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

EXTRACTOR = "boamp"
EXTRACTOR_VERSION = "1.0.0"
NOTICE_URL = "https://www.boamp.fr/pages/avis/?q=idweb:{idweb}"

# Root keys of a legacy `donnees` (the children of the XML `DONNEES` element, V110 to V240).
_LEGACY_KEYS = frozenset({
    "IDENTITE", "IDENT", "OBJET", "ATTRIBUTION", "PROCEDURE", "TYPE_ORGANISME", "TYPE_POUVOIR_ADJUDICATEUR",
    "ACTIVITE_PRINCIPALE", "RENSEIGNEMENTS_COMPLEMENTAIRES", "RENSEIGNEMENTS", "INFO", "CONDITIONS", "DELAI",
    "LOTS", "RECTIF", "CARACTERISTIQUES", "CONDITION_DELAI", "CONDITION_PARTICIPATION",
    "CONDITION_RELATIVE_MARCHE", "CONDITION_ADMINISTRATIVE", "ANNULATION", "RECTIFICATIF",
})
# Root keys of the national simplified forms published since the eForms switch (Oct 2023).
_NATIONAL_ROOTS = ("FNSimple", "MAPA", "DSP")

# Decision markers (empty elements in a DECISION) that say the lot was not awarded.
_NOT_AWARDED = ("INFRUCTUEUX", "SANS_SUITE", "NON_ATTRIBUE", "ABANDON")

# Notice kind from BOAMP's nature/status words, most specific first.
_KIND_RULES: tuple[tuple[str, NoticeKind], ...] = (
    ("RECTIF", "rectification"),
    ("ANNUL", "cancellation"),
    ("MODIF", "modification"),
    ("ATTRIBUTION", "award"),
    ("RESULTAT", "award"),
    ("APPEL", "call"),
    ("AVIS_DE_MARCHE", "call"),
)
_STATUS_KINDS = frozenset({"rectification", "cancellation", "modification"})


_SEGMENT_LEAD = re.compile(r"^[\s,;/+&\-–—]*(?:\bet\b\s*)?", re.IGNORECASE)

_MOJIBAKE = re.compile("[\x80-\x9f]|Ã[\x80-\xbf]|â€")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ABBREVIATION_END = re.compile(
    r"(?:\b[^\W\d_]\.){2,}$|\b(?:cie|co|ste|sté|inc|ltd|etc|bros|jr|sr|st|ets|éts)\.$", re.IGNORECASE
)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_FR_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_IDWEB = re.compile(r"^(?:\d{2}-\d{1,7}|[A-Z]{2,4}\d{6,}[0-9A-Z]*)$")
_CPV = re.compile(r"\b(\d{8})(?:-\d)?\b")
_URL_LIKE = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


# ---- public entry points ----------------------------------------------------------------------------


def parse_boamp_record(record: dict[str, Any], raw: bytes | None = None) -> NoticeRecord:
    """Parse one flat record of the BOAMP OpenDataSoft API (`/records` or `/exports`).

    `raw` is the payload as received; when absent the record's own JSON is stored, so the notice can
    always be re-parsed. Raises `ParseError` when the record has no `idweb` or when `donnees` is not
    JSON or has a root this parser does not know.
    """
    if not isinstance(record, dict):
        raise ParseError(f"BOAMP record must be a JSON object, not {type(record).__name__}")
    if "idweb" not in record and isinstance(record.get("fields"), dict):
        record = record["fields"]  # records API v1 wraps the flat fields
    if raw is None:
        raw = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
    envelope = _ods_envelope(record, raw)
    return _build_notice(envelope, _load_donnees(record.get("donnees")))


def parse_boamp_xml(raw: bytes) -> NoticeRecord:
    """Parse one DILA BOAMP XML notice (`<ANNONCE>`, V230/V240, or the eForms-era v3.2.5 files).

    The XML is parsed without DTD, network or entity expansion (`safe_xml`), turned into the `donnees`
    dict shape and read by the same code as API records. A file holding several notices is refused with
    a pointer to `iter_boamp_xml`.
    """
    root = parse_xml(raw)
    annonces = _annonce_elements(root)
    if len(annonces) != 1:
        raise ParseError(
            f"BOAMP XML holds {len(annonces)} ANNONCE elements; use iter_boamp_xml for multi-notice files"
        )
    return _parse_annonce(annonces[0], bytes(raw))


def iter_boamp_xml(raw: bytes) -> Iterator[NoticeRecord]:
    """Each notice of a BOAMP XML file that bundles several `<ANNONCE>`, each with its own raw bytes."""
    root = parse_xml(raw)
    annonces = _annonce_elements(root)
    if not annonces:
        raise ParseError(f"BOAMP XML has no ANNONCE element (root is <{_qname(root)}>)")
    for annonce in annonces:
        own = raw if annonce is root else etree.tostring(annonce, encoding="UTF-8", xml_declaration=True)
        yield _parse_annonce(annonce, bytes(own))


# ---- the envelope: what a notice says about itself outside `donnees` ------------------------------------


@dataclass(slots=True)
class _Envelope:
    """Facts from the flat API fields or the XML `GESTION` block, shared by every `donnees` generation."""

    source_id: str
    raw: bytes
    content_type: str
    prefix: str  # evidence path prefix of `donnees`: "donnees" (API) or "DONNEES" (XML)
    url: str | None = None
    publication_date: dt.date | None = None
    natures: list[str] = field(default_factory=list)
    status: str | None = None
    schema_version: str | None = None
    buyer_name: str | None = None
    summary: str | None = None
    procedure: str | None = None
    titulaires: list[str] = field(default_factory=list)
    linked_ids: list[str] = field(default_factory=list)
    previous_ids: list[str] = field(default_factory=list)


def _ods_envelope(record: dict[str, Any], raw: bytes) -> _Envelope:
    source_id = _line(record.get("idweb")) or _line(record.get("id"))
    if not source_id:
        raise ParseError("BOAMP record has no idweb (nor id)")
    gestion = _load_gestion(record.get("gestion"))
    reference = _dict(gestion.get("REFERENCE"))
    type_avis = _dict(reference.get("TYPE_AVIS"))
    natures = [str(v) for v in (record.get("nature"), record.get("nature_categorise"),
                                record.get("nature_libelle")) if v]
    natures += _marker_keys(type_avis.get("NATURE"))
    previous, linked = _gestion_links(gestion)
    envelope = _Envelope(
        source_id=source_id,
        raw=raw,
        content_type="application/json",
        prefix="donnees",
        url=_line(record.get("url_avis")) or NOTICE_URL.format(idweb=source_id),
        publication_date=_date(record.get("dateparution"))
        or _date(_dict(gestion.get("INDEXATION")).get("DATE_PUBLICATION")),
        natures=natures,
        status=_line(record.get("etat")) or _first_marker(type_avis.get("STATUT")),
        schema_version=_schema_version(record.get("source_schema")),
        buyer_name=_line(record.get("nomacheteur")),
        summary=_para(record.get("objet")),
        procedure=_line(record.get("type_procedure")) or _line(record.get("procedure_libelle")),
        titulaires=[v for v in _as_list(record.get("titulaire")) if isinstance(v, str) and v.strip()],
    )
    envelope.linked_ids = _notice_ids(record.get("annonce_lie")) + linked
    envelope.previous_ids = _notice_ids(record.get("annonces_anterieures")) + previous
    return envelope


def _parse_annonce(annonce: etree._Element, raw: bytes) -> NoticeRecord:
    value = _element_value(annonce)
    if not isinstance(value, dict):
        raise ParseError("BOAMP XML ANNONCE is empty")
    gestion = _dict(value.get("GESTION"))
    reference = _dict(gestion.get("REFERENCE"))
    source_id = _line(reference.get("IDWEB"))
    if not source_id:
        raise ParseError("BOAMP XML has no GESTION/REFERENCE/IDWEB")
    type_avis = _dict(reference.get("TYPE_AVIS"))
    indexation = _dict(gestion.get("INDEXATION"))
    previous, linked = _gestion_links(gestion)
    envelope = _Envelope(
        source_id=source_id,
        raw=raw,
        content_type="application/xml",
        prefix="DONNEES",
        url=NOTICE_URL.format(idweb=source_id),
        publication_date=_date(indexation.get("DATE_PUBLICATION")),
        natures=_marker_keys(type_avis.get("NATURE")),
        status=_first_marker(type_avis.get("STATUT")),
        schema_version=_schema_version(_schema_location(value)),
        buyer_name=_line(indexation.get("NOMORGANISME")) or _line(indexation.get("NOMACHETEUR_V1")),
        summary=_para(indexation.get("RESUME_OBJET")),
        previous_ids=previous,
        linked_ids=linked,
    )
    donnees = value.get("DONNEES")
    if donnees is None:
        raise ParseError(f"BOAMP XML {source_id} has no DONNEES element")
    return _build_notice(envelope, donnees if donnees != "" else {})


# ---- `donnees`: load and dispatch on its generation ------------------------------------------------


def _load_donnees(value: Any) -> dict[str, Any] | None:
    """`donnees` is a JSON string; absent means a flat-only record, anything unreadable is an error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ParseError(f"donnees is not valid JSON: {exc.msg} at char {exc.pos}") from exc
    if not isinstance(value, dict):
        raise ParseError(f"donnees must be a JSON object, got a JSON {type(value).__name__}")
    return value


def _load_gestion(value: Any) -> dict[str, Any]:
    """`gestion` only adds fallbacks (date, nature, links), so an unreadable one is ignored, not fatal."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def _build_notice(envelope: _Envelope, donnees: dict[str, Any] | None) -> NoticeRecord:
    notice = NoticeRecord(
        source="boamp", source_id=envelope.source_id, raw=envelope.raw, url=envelope.url,
        publication_date=envelope.publication_date, kind=_kind(envelope), schema_version=envelope.schema_version,
        content_type=envelope.content_type,
    )
    if donnees is not None:
        generation, doc, prefix = _generation(donnees, envelope.prefix)
        if generation == "eforms":
            notice = _parse_eforms(doc, prefix, envelope, notice)
        elif generation == "national":
            _parse_national(doc, prefix, envelope, notice)
        else:
            _parse_legacy(doc, prefix, envelope, notice)
    _finish(notice, envelope)
    return notice


def _generation(donnees: dict[str, Any], prefix: str) -> tuple[str, dict[str, Any], str]:
    """Which parser reads this `donnees`: by its root keys, never by guessing from its content."""
    if not donnees:
        raise ParseError("donnees is an empty object: no notice content")
    if set(donnees) == {"DONNEES"} and isinstance(donnees["DONNEES"], dict):
        return _generation(donnees["DONNEES"], f"{prefix}/DONNEES")
    if "EFORMS" in donnees:
        if not isinstance(donnees["EFORMS"], dict):
            raise ParseError("donnees/EFORMS is not an object")
        return "eforms", donnees, prefix
    keys = set(donnees)
    national = [key for key in _NATIONAL_ROOTS if key in keys]
    if national and not keys & _LEGACY_KEYS:
        if not isinstance(donnees[national[0]], dict):
            raise ParseError(f"donnees/{national[0]} is not an object")
        return "national", donnees, prefix
    if keys & _LEGACY_KEYS:
        return "legacy", donnees, prefix
    shown = ", ".join(sorted(keys)[:8])
    raise ParseError(f"donnees has an unknown root ({shown}); expected EFORMS, FNSimple, MAPA, DSP or "
                     "the legacy IDENTITE/OBJET/ATTRIBUTION keys")


# ---- legacy V110/V230/V240 --------------------------------------------------------------------------


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


def _add_platform(notice: NoticeRecord, value: Any, path: str, role: str) -> None:
    """A buyer-profile / documents URL names the e-procurement platform the buyer uses."""
    raw = _text(value)
    url = _url(value)
    if not url or any(rel.target_url == url for rel in notice.relations):
        return
    notice.relations.append(RelationRecord(
        kind="uses-platform", src=None, target_url=url, role=role, method="structured",
        evidence=_evidence(raw or url, path),
    ))


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
    return sum(c.isalpha() for c in text) >= 12


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


# ---- national simplified forms (FNSimple / MAPA / DSP), no real sample seen ---------------------------


_NATIONAL_TEXTS = (
    ("title", ("natureMarche/intitule", "description/objet", "descriptionMarche/titreMarche")),
    ("description", ("natureMarche/description", "caracteristiques/principales", "descriptionMarche/description")),
    ("additional_info", ("informComplementaire/autresInformComplementaire",)),
)
_NATIONAL_PLATFORMS = (("urlProfilAch", "buyer-profile"), ("urlDocConsul", "documents"))


def _parse_national(doc: dict[str, Any], prefix: str, envelope: _Envelope, notice: NoticeRecord) -> None:
    """Documented keys only (organisme, initial.natureMarche / description / communication), plus the
    generic winner scan; see the module docstring for why this path is defensive."""
    family = next(key for key in _NATIONAL_ROOTS if key in doc)
    body = doc[family]
    path = f"{prefix}/{family}"
    _national_buyer(_first_dict(body.get("organisme")), path, notice)
    blocks = {key: value for key, value in body.items() if key != "organisme" and isinstance(value, dict)}
    for text_key, paths in _NATIONAL_TEXTS:
        for block in blocks.values():
            _put_text(notice, text_key, _dig(block, paths))
    for key, block in blocks.items():
        communication = _first_dict(block.get("communication"))
        for url_key, role in _NATIONAL_PLATFORMS:
            _add_platform(notice, communication.get(url_key), f"{path}/{key}/communication/{url_key}", role)
    if notice.kind == "call":
        return
    cpv = next((c for c in (_cpv(_find_key(b, "objetPrincipal")) for b in blocks.values()) if c), None)
    notice.contracts.extend(_scan_winners(body, path, notice))
    for contract in notice.contracts:
        contract.cpv = contract.cpv or cpv
        contract.procedure = contract.procedure or envelope.procedure
        contract.title = contract.title or (notice.texts.get("title") if len(notice.contracts) == 1 else None)
    _unique_lots(notice.contracts)


def _national_buyer(organisme: dict[str, Any], path: str, notice: NoticeRecord) -> None:
    name = _name(_first_text(organisme, ("nomOfficiel", "acheteurPublic", "denomination", "nom")))
    national_id, scheme = _national_id(_first_text(organisme, ("codeIdentificationNational", "siret", "siren")))
    if not (name or national_id):
        return
    adr = _first_dict(organisme.get("adr"))
    street = _line(organisme.get("adresse")) or _line(_dig(adr, ("voie/nomvoie", "adresse")))
    city = " ".join(p for p in (_line(organisme.get("cp") or adr.get("cp")),
                                _line(organisme.get("ville") or adr.get("ville"))) if p)
    coord = _first_dict(organisme.get("coord"))
    buyer = OrgRef(name=name, national_id=national_id, id_scheme=scheme,
                   country="FR" if scheme in ("SIRET", "SIREN") else None,
                   email=_email(coord.get("mel") or organisme.get("mel")),
                   address=", ".join(p for p in (street, city) if p) or None,
                   website=_url(organisme.get("urlAcheteur") or organisme.get("url") or coord.get("url")))
    notice.buyer = buyer
    if buyer.website:
        notice.websites.append((buyer, buyer.website))
    _add_platform(notice, organisme.get("urlProfilAcheteur"), f"{path}/organisme/urlProfilAcheteur",
                  "buyer-profile")


# ---- generic winner scan (national forms, and legacy notices without ATTRIBUTION/DECISION) ------------

_NAME_KEYS = ("denomination", "denominationsociale", "raisonsociale", "nomofficiel", "nomtitulaire",
              "nomattributaire", "nom", "name", "libelle")
_ID_KEYS = ("codeidentnational", "codeidentificationnational", "siret", "siren", "numerosiret",
            "identifiantnational", "identifiant")
_LOT_KEYS = ("numlot", "numerolot", "lotnum", "idlot", "lot")
_LOT_TITLE_KEYS = ("intitule", "intitulelot", "titre", "objet")
_DATE_KEYS = ("dateattribution", "datedattribution", "datedecision", "datenotification", "dateconclusion",
              "datesignature")
_OFFER_KEYS = ("nboffrerecu", "nboffresrecues", "nombreoffres", "nboffres", "nombreoffresrecues")
_AMOUNT_KEYS = ("montant", "montantht", "montantattribution", "montantmarche", "montanttotal")


def _norm_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(key.split(":")[-1]).lower())


def _is_winner_key(key: str) -> bool:
    norm = _norm_key(key)
    return (norm.endswith(("titulaire", "titulaires", "attributaire", "attributaires", "laureat", "laureats"))
            and not norm.startswith(("nb", "nombre")))


_Ancestors = list[tuple[str, dict[str, Any]]]  # (key the node sits under, node), outermost first


def _scan_winners(doc: dict[str, Any], prefix: str, notice: NoticeRecord) -> list[ContractRecord]:
    """Find winner blocks by key name anywhere in `doc`; group them by the nearest lot number above."""
    contracts: dict[str, ContractRecord] = {}
    for item, path, ancestors in _walk_winners(doc, prefix, [("", doc)]):
        lot, lot_title = _scan_lot(ancestors)
        contract = contracts.setdefault(lot, ContractRecord(lot=lot, title=lot_title))
        parent = ancestors[-1][1]
        contract.parties.extend(_scan_party(item, path, notice))
        contract.award_date = contract.award_date or _first_date([_get_norm(parent, k) for k in _DATE_KEYS])
        contract.offers_received = contract.offers_received or _first_int(
            [_get_norm(parent, k) for k in _OFFER_KEYS])
        if contract.amount is None:  # an amount beside the winner block is the lot's, not one winner's
            contract.amount, contract.currency = _amount(_get_any(parent, _AMOUNT_KEYS))
    for contract in contracts.values():
        amounts = {p.amount for p in contract.parties if p.amount is not None}
        if contract.amount is None and len(amounts) == 1:
            contract.amount = amounts.pop()
            contract.currency = next((p.currency for p in contract.parties if p.currency), None)
    return [c for c in contracts.values() if c.parties]


def _walk_winners(node: Any, path: str, ancestors: _Ancestors) -> Iterator[tuple[Any, str, _Ancestors]]:
    if isinstance(node, list):
        key = ancestors[-1][0]
        for index, item in enumerate(node):
            inner = [*ancestors[:-1], (key, item)] if isinstance(item, dict) else ancestors
            yield from _walk_winners(item, f"{path}[{index}]", inner)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith(("@", "#")):
            continue
        if _is_winner_key(key) and value not in (None, "", [], {}):
            for index, item in enumerate(_as_list(value)):
                inner = f"{path}/{key}[{index}]" if isinstance(value, list) else f"{path}/{key}"
                yield from _unwrap_winner(item, inner, ancestors)
        elif isinstance(value, dict):
            yield from _walk_winners(value, f"{path}/{key}", [*ancestors, (key, value)])
        elif isinstance(value, list):
            yield from _walk_winners(value, f"{path}/{key}", [*ancestors, (key, {})])


def _unwrap_winner(item: Any, path: str, ancestors: _Ancestors) -> Iterator[tuple[Any, str, _Ancestors]]:
    """`{"titulaire": {...}}` wrappers (DECP-style lists) are opened; anything else is one winner."""
    if isinstance(item, dict) and len(item) == 1:
        ((key, inner),) = item.items()
        if _is_winner_key(key):
            for index, sub in enumerate(_as_list(inner)):
                suffix = f"[{index}]" if isinstance(inner, list) else ""
                yield from _unwrap_winner(sub, f"{path}/{key}{suffix}", ancestors)
            return
    yield item, path, ancestors


def _scan_party(item: Any, path: str, notice: NoticeRecord) -> list[PartyRecord]:
    """One winner block: a bare name, or an object with a name (maybe one level down), id, amount."""
    if not isinstance(item, dict):
        raw_name = _text(item)
        if not raw_name or not raw_name.strip():
            return []
        return [PartyRecord(role=role, org=OrgRef(name=name), evidence=_evidence(raw_name, path),
                            extra=_segment_extra(segment, raw_name))
                for name, role, segment in _roles(raw_name)]
    holder, holder_path, name_key = item, path, _find_norm_key(item, _NAME_KEYS)
    if name_key is None:  # name one level down: {"organisme": {"nom": ...}}, {"identite": {...}}
        for key, value in item.items():
            if isinstance(value, dict) and _find_norm_key(value, _NAME_KEYS):
                holder, holder_path, name_key = value, f"{path}/{key}", _find_norm_key(value, _NAME_KEYS)
                break
    raw_name = _text(holder.get(name_key)) if name_key else None
    if not raw_name or not raw_name.strip():
        return []
    national_id, scheme = _national_id(_text(_get_any(holder, _ID_KEYS)))
    amount, currency = _amount(_get_any(item, _AMOUNT_KEYS))
    parties = []
    for name, role, segment in _roles(raw_name):
        org = OrgRef(name=name, national_id=national_id, id_scheme=scheme,
                     country="FR" if scheme in ("SIRET", "SIREN") else None, address=_generic_address(holder),
                     email=_email(_get_any(holder, ("mel", "email", "courriel"))),
                     website=_url(_get_any(holder, ("url", "siteweb", "siteinternet"))))
        if org.website:
            notice.websites.append((org, org.website))
        parties.append(PartyRecord(role=role, org=org, evidence=_evidence(raw_name, f"{holder_path}/{name_key}"),
                                   amount=amount, currency=currency if amount is not None else None,
                                   extra=_segment_extra(segment, raw_name)))
    return parties


def _segment_extra(segment: str, raw_name: str) -> dict[str, object]:
    return {"segment": segment} if segment != (_line(raw_name) or raw_name) else {}


def _scan_lot(ancestors: _Ancestors) -> tuple[str, str | None]:
    """The nearest lot number above a winner: a `numLot`-like key, or `numero`/`id` inside a `lot` block."""
    for key, node in reversed(ancestors):
        names = _LOT_KEYS + (("numero", "num", "id", "reference") if "lot" in _norm_key(key) else ())
        lot_key = _find_norm_key(node, names)
        value = node.get(lot_key) if lot_key else None
        if lot_key and _line(value) and not isinstance(value, dict | list):
            return _line(value) or "", _line(node.get(_find_norm_key(node, _LOT_TITLE_KEYS) or ""))
    return "", None


def _generic_address(node: dict[str, Any]) -> str | None:
    adr = _get_any(node, ("adresse", "adr"))
    street = _line(_dig(adr, ("voie/nomvoie", "adresse"))) if isinstance(adr, dict) else _line(adr)
    city = " ".join(p for p in (_line(_get_any(node, ("cp", "codepostal"))), _line(_get_norm(node, "ville"))) if p)
    return ", ".join(p for p in (street, city) if p) or None


# ---- eForms era -------------------------------------------------------------------------------------


def _parse_eforms(doc: dict[str, Any], prefix: str, envelope: _Envelope, notice: NoticeRecord) -> NoticeRecord:
    """The eForms parser reads the UBL; the notice is then re-labelled as this BOAMP notice."""
    try:
        from soustrace.pipelines.eforms_json import parse_eforms_dict
    except ImportError as exc:
        raise ParseError("donnees/EFORMS needs soustrace.pipelines.eforms_json, which is not available") from exc
    parsed = parse_eforms_dict(doc, source="boamp", source_id=envelope.source_id, raw=envelope.raw)
    parsed.source = "boamp"
    parsed.source_id = envelope.source_id
    parsed.url = envelope.url
    parsed.raw = envelope.raw
    parsed.content_type = envelope.content_type
    parsed.publication_date = envelope.publication_date or parsed.publication_date
    parsed.schema_version = parsed.schema_version or envelope.schema_version
    if parsed.kind == "other":
        parsed.kind = notice.kind
    for ev in _all_evidence(parsed):
        if ev.path and not ev.path.startswith(prefix):
            ev.path = f"{prefix}/EFORMS/{ev.path.lstrip('/')}"
    return parsed


def _all_evidence(notice: NoticeRecord) -> Iterator[EvidenceRecord]:
    for contract in notice.contracts:
        for party in contract.parties:
            yield party.evidence
    for relation in notice.relations:
        yield relation.evidence


# ---- finishing touches common to every generation --------------------------------------------------------


def _finish(notice: NoticeRecord, envelope: _Envelope) -> None:
    """Links, buyer fallback, flat `titulaire` fallback, summary text, de-duplicated websites."""
    link_kind = notice.kind if notice.kind in _STATUS_KINDS else "related"
    known = {(link.source, link.source_id) for link in notice.links}
    for ids, kind in ((envelope.linked_ids, link_kind), (envelope.previous_ids, "previous")):
        for source_id in ids:
            if source_id != envelope.source_id and ("boamp", source_id) not in known:
                notice.links.append(NoticeLink(kind=kind, source="boamp", source_id=source_id))
                known.add(("boamp", source_id))
    if notice.buyer is None and envelope.buyer_name:
        notice.buyer = OrgRef(name=_name(envelope.buyer_name))
    elif notice.buyer is not None and not notice.buyer.name and envelope.buyer_name:
        notice.buyer.name = _name(envelope.buyer_name)
    _flat_winners(notice, envelope)
    if envelope.summary and envelope.summary not in notice.texts.values():
        notice.texts.setdefault("summary", envelope.summary)
    seen: set[tuple[str | None, str]] = set()
    websites = []
    for org, url in notice.websites:
        if (org.name, url) not in seen:
            seen.add((org.name, url))
            websites.append((org, url))
    notice.websites = websites


def _flat_winners(notice: NoticeRecord, envelope: _Envelope) -> None:
    """The flat `titulaire` names, used only when `donnees` named no winner at all."""
    if not envelope.titulaires or notice.kind == "call" or any(c.parties for c in notice.contracts):
        return
    if len(notice.contracts) == 1:
        contract = notice.contracts[0]
    else:
        contract = next((c for c in notice.contracts if c.lot == ""), None)
        if contract is None:
            contract = ContractRecord(lot="", title=notice.texts.get("title") or envelope.summary)
            notice.contracts.append(contract)
        if len(notice.contracts) > 1:
            contract.flags.append("winners-not-assigned-to-lots")
    for index, raw_name in enumerate(envelope.titulaires):
        for name, role, segment in _roles(raw_name):
            contract.parties.append(PartyRecord(
                role=role, org=OrgRef(name=name), evidence=_evidence(raw_name, f"titulaire[{index}]"),
                extra=_segment_extra(segment, raw_name),
            ))


_LOT_MAX = 60  # contract.lot column width
_ID_MAX = 60  # party national_id column width


def _unique_lots(contracts: list[ContractRecord]) -> None:
    """Contracts are keyed (notice, lot): lots sharing a number get `lot#n` (n = position in the notice),
    and a lot longer than the column is cut; the lot as written is then kept in `extra`."""
    counts: dict[str, int] = {}
    for contract in contracts:
        counts[contract.lot] = counts.get(contract.lot, 0) + 1
    for position, contract in enumerate(contracts):
        written = contract.lot
        if counts[written] > 1:
            suffix = f"#{position + 1}"
            contract.lot = written[: _LOT_MAX - len(suffix)] + suffix
        elif len(written) > _LOT_MAX:
            contract.lot = written[:_LOT_MAX]
        if contract.lot != written:
            contract.extra["lot_as_written"] = written


# ---- winner names and roles ---------------------------------------------------------------------------


def _roles(raw_name: str) -> list[tuple[str, PartyRoleName, str]]:
    """(name, role, segment) for each company written in one winner text.

    "X(Mandataire)" → lead, "Y (co-traitant)" → member, "Z sous-traitant" → subcontractor, else winner.
    A text naming several companies each with its own marker ("A (mandataire) / B (cotraitant)") is split;
    otherwise the first marker gives the role and the text stays one party.
    """
    text = _line(raw_name) or ""
    matches = list(_ROLE_WORD.finditer(text))
    if len(matches) > 1:
        split = _split_groupement(text, matches)
        if split:
            return split
    role = _role_of(matches[0]) if matches else "winner"
    name = _strip_role(text) if matches else text
    return [(_name(name) or _name(text) or text, role, text)]


def _split_groupement(text: str, matches: list[re.Match[str]]) -> list[tuple[str, PartyRoleName, str]]:
    """Cut "A (mandataire) / B (co-traitant)" after each marker; [] when a piece is not a clean name."""
    parts: list[tuple[str, PartyRoleName, str]] = []
    start = 0
    for match in matches:
        end = match.end()
        before = text[start:match.start()]
        if before.rfind("(") > before.rfind(")") or before.rfind("[") > before.rfind("]"):
            closing = re.search(r"[)\]]", text[end:])
            end += closing.end() if closing else len(text) - end
        else:
            tail = re.match(_GROUP_TAIL, text[end:], re.IGNORECASE)
            end += tail.end() if tail else 0
        segment = _SEGMENT_LEAD.sub("", text[start:end]).strip()
        name = _name(_strip_role(segment))
        if not name or len(re.sub(r"\W", "", name)) < 2 or _ROLE_WORD.search(name):
            return []
        parts.append((name, _role_of(match), segment))
        start = end
    if re.sub(r"[\s.,;:/+&\-–—)\]]", "", text[start:]):
        return []
    return parts


def _role_of(match: re.Match[str]) -> PartyRoleName:
    if match.group("subcontractor"):
        return "subcontractor"
    return "member" if match.group("member") else "lead"


def _strip_role(text: str) -> str:
    stripped = _ROLE_PAREN.sub("", text)
    stripped = _ROLE_LEADING.sub("", stripped)
    stripped = _ROLE_TRAILING.sub("", stripped)
    return stripped.strip() or text


def _name(value: str | None) -> str | None:
    """Clean an organisation name: entities decoded, spaces collapsed, trailing noise punctuation dropped.

    A final "." is noise ("ville de Chenôve.") unless it ends an abbreviation ("S.A.", "Cie.").
    """
    text = _line(value)
    while text:
        trimmed = re.sub(r"[\s,;:]+$", "", text)
        trimmed = re.sub(r"\s+[-–—/]+$", "", trimmed)
        if trimmed.endswith(".") and not trimmed.endswith("..") and not _ABBREVIATION_END.search(trimmed):
            trimmed = trimmed[:-1]
        if trimmed == text:
            break
        text = trimmed
    return text or None


# ---- small readers of the XML-as-JSON shape ---------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    """One element or a list of them (XML repetition); empty elements ("") and null give no items."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_dict(value: Any) -> dict[str, Any]:
    return next((v for v in _as_list(value) if isinstance(v, dict)), {})


def _text(value: Any) -> str | None:
    """The text of an element as written: a string, a number, or the "#text" of an element with attributes."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dict):
        for key in ("#text", "$", "_", "value"):
            if key in value:
                return _text(value[key])
        return None
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t and t.strip()), None)
    return None


def _unescape(text: str) -> str:
    """HTML entities left in the data (`&amp;`, `&#039;`, twice-encoded `&amp;amp;`) are decoded."""
    for _ in range(2):
        decoded = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if decoded == text:
            break
        text = decoded
    return text


def _repair(text: str) -> str:
    """Entities decoded, and Windows-1252 leftovers ("L\x92entité", "Ã©") repaired where they show."""
    text = _unescape(text)
    return ftfy.fix_text(text) if _MOJIBAKE.search(text) else text


def _line(value: Any) -> str | None:
    """A one-line value: repaired, all whitespace collapsed, None when empty."""
    text = _text(value)
    if text is None:
        return None
    text = " ".join(_repair(text).split())
    return text or None


def _para(value: Any) -> str | None:
    """Free text: repaired, spaces collapsed inside lines, line breaks kept."""
    text = _text(value)
    if text is None:
        return None
    lines = (" ".join(line.split()) for line in _repair(text).splitlines())
    text = "\n".join(line for line in lines if line)
    return text or None


def _first_text(node: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((t for t in (_text(node.get(k)) for k in keys) if t and t.strip()), None)


def _marker_keys(value: Any) -> list[str]:
    """Marker elements (`<NATURE><ATTRIBUTION><STANDARD/></ATTRIBUTION></NATURE>`) → ["ATTRIBUTION", ...]."""
    keys: list[str] = []
    for node in _as_list(value):
        if isinstance(node, dict):
            for key, inner in node.items():
                if not key.startswith(("@", "#")):
                    keys.append(key)
                    keys.extend(f"{key}/{sub}" for sub in _marker_keys(inner))
        elif isinstance(node, str) and node.strip():
            keys.append(node.strip())
    return keys


def _first_marker(value: Any) -> str | None:
    return next(iter(_marker_keys(value)), None)


def _marker_keys_of(node: dict[str, Any]) -> list[str]:
    """Empty child elements of a node, i.e. its flags (`<ATTRIBUE/>`, `<INFRUCTUEUX/>`, `<SANS_SUITE/>`)."""
    return [key for key, value in node.items() if value == "" and not key.startswith(("@", "#"))]


def _flag(node: dict[str, Any], stem: str) -> bool | None:
    """`<STEM_OUI/>` → True, `<STEM_NON/>` → False, neither → None."""
    if f"{stem}_OUI" in node:
        return True
    if f"{stem}_NON" in node:
        return False
    return None


def _leaf_texts(value: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """Every text leaf under a node, in document order, skipping the named subtrees and attributes."""
    if isinstance(value, dict):
        return [t for key, inner in value.items() if key not in skip and not key.startswith("@")
                for t in _leaf_texts(inner, skip)]
    if isinstance(value, list):
        return [t for inner in value for t in _leaf_texts(inner, skip)]
    text = _para(value)
    return [text] if text else []


def _put_text(notice: NoticeRecord, key: str, value: Any) -> None:
    text = _para(value)
    if text and key not in notice.texts:
        notice.texts[key] = text


def _lot_key(lot: str, what: str) -> str:
    return f"lot:{lot}:{what}" if lot else what


def _dig(node: Any, paths: tuple[str, ...]) -> Any:
    """The first value found at one of the slash-separated paths (through single elements)."""
    for path in paths:
        current = node
        for part in path.split("/"):
            current = _first_dict(current).get(part)
            if current is None:
                break
        if current not in (None, ""):
            return current
    return None


def _find_key(node: Any, key: str) -> Any:
    """The first value stored under `key` anywhere below `node` (depth-first, document order)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find_key(value, key)
            if found is not None:
                return found
    return None


def _find_norm_key(node: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first key of `node` whose normalised name is in `names` (in the order of `names`)."""
    normalised = {_norm_key(k): k for k in node if not k.startswith(("@", "#"))}
    return next((normalised[n] for n in names if n in normalised), None)


def _get_norm(node: dict[str, Any], name: str) -> Any:
    return _get_any(node, (name,))


def _get_any(node: dict[str, Any], names: tuple[str, ...]) -> Any:
    key = _find_norm_key(node, names)
    return node.get(key) if key else None


# ---- values: dates, numbers, amounts, ids, addresses, URLs ----------------------------------------------


def _date(value: Any) -> dt.date | None:
    """ISO dates, also not zero-padded ("2006-07-4") or with a time/offset, and French "26/12/2016"."""
    text = _line(value)
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FR_DATE.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _first_date(values: list[Any]) -> dt.date | None:
    return next((d for d in (_date(v) for v in values) if d), None)


def _int(value: Any) -> int | None:
    match = re.match(r"\s*(\d{1,9})(?!\d)(?![.,]\d)", _line(value) or "")
    return int(match.group(1)) if match else None


def _first_int(values: list[Any]) -> int | None:
    return next((i for i in (_int(v) for v in values) if i is not None), None)


def _decimal(value: Any) -> Decimal | None:
    """A number as BOAMP writes it: "159691.6", "348 852,00", "1.234.567", "12 000 EUR HT"."""
    text = _line(value)
    if not text:
        return None
    compact = re.sub(r"\s", "", text)
    compact = re.sub(r"(?i)(?:€|eur(?:os?)?|ht|ttc)+$", "", compact)
    if "," in compact and "." in compact:
        decimal_sep = "," if compact.rfind(",") > compact.rfind(".") else "."
        compact = compact.replace("." if decimal_sep == "," else ",", "").replace(",", ".")
    elif compact.count(",") == 1:
        compact = compact.replace(",", ".")
    elif compact.count(",") > 1 or compact.count(".") > 1:
        compact = compact.replace(",", "").replace(".", "")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", compact):
        return None
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


def _amount(value: Any) -> tuple[Decimal | None, str | None]:
    """`<MONTANT DEVISE="EUR">348852</MONTANT>` → (Decimal("348852"), "EUR")."""
    if value is None or value == "":
        return None, None
    node = _first_dict(value) if isinstance(value, list | dict) else {}
    currency = _line(node.get("@DEVISE") or node.get("DEVISE") or node.get("@currencyID") or node.get("@devise"))
    valid = currency and re.fullmatch(r"[A-Za-z]{3}", currency)
    return _decimal(value), currency.upper() if valid else None


def _national_id(value: str | None) -> tuple[str | None, str | None]:
    """The id as written, and its scheme by shape: 14 digits SIRET, 9 digits SIREN, FR+11 VAT, else None."""
    text = _line(value)
    if not text:
        return None, None
    separators = r"[\s.\-]" if re.fullmatch(r"[\d\s.\-]+", text) else r"\s"  # "123 456 789 00012"
    compact = re.sub(separators, "", text).upper()
    if compact.isdigit():
        return text, {14: "SIRET", 9: "SIREN"}.get(len(compact))
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", compact):
        return text, "TVA"
    for match in re.finditer(r"\d[\d ]{7,20}\d", text):  # "SIRET : 123 456 789 00012"
        digits = match.group(0).replace(" ", "")
        if len(digits) in (9, 14):
            return match.group(0), "SIRET" if len(digits) == 14 else "SIREN"
    return (text, None) if len(text) <= _ID_MAX else (None, None)


def _country(value: Any, scheme: str | None) -> str | None:
    """ISO alpha-2 from a NUTS code ("FR813" → "FR") or a 2-letter country; French ids imply FR."""
    text = _line(value)
    if text and re.fullmatch(r"[A-Za-z]{2}[0-9A-Za-z]{0,3}", text):
        code = text[:2].upper()
        return "GR" if code == "EL" else code
    return "FR" if scheme in ("SIRET", "SIREN") else None


def _nuts(node: Any) -> str | None:
    return _line(_first_dict(node).get("CODE_NUTS")) if node else None


def _address(node: dict[str, Any]) -> str | None:
    street = _line(node.get("ADRESSE"))
    city = " ".join(p for p in (_line(node.get("CP")), _line(node.get("VILLE"))) if p)
    country = _line(node.get("PAYS"))
    parts = [p for p in (street, city, country) if p]
    return ", ".join(re.sub(r"[\s,;]+$", "", p) for p in parts) or None


def _email(value: Any) -> str | None:
    text = _line(value)
    if text and "@" in text:
        return text.rstrip(".,;")
    return None


def _url(value: Any) -> str | None:
    """A URL as written, trailing sentence punctuation dropped; None for "Néant" and other non-URLs."""
    text = _line(value)
    if not text:
        return None
    text = text.rstrip(".,;)")
    return text if _URL_LIKE.match(text) and "@" not in text.split("/")[0] else None


def _cpv(value: Any) -> str | None:
    """The main CPV code (8 digits) of a CPV element: its PRINCIPAL, else the first code written in it."""
    if value is None or value == "":
        return None
    principal = _find_key(value, "PRINCIPAL")
    if principal is None:
        principal = _find_key(value, "classPrincipale")
    for candidate in (principal, *_leaf_texts(value)):
        match = _CPV.search(_line(candidate) or "")
        if match:
            return match.group(1)
    return None


def _schema_version(value: Any) -> str | None:
    """"Boamp_v230.xsd" or ".../Boamp_v230.xsd" → "V230"; other spellings ("3.2.5") kept as written."""
    text = _line(value)
    if not text:
        return None
    match = re.search(r"[vV](\d{3})\b", text)
    return f"V{match.group(1)}" if match else text


def _schema_location(annonce: dict[str, Any]) -> str | None:
    return next((v for k, v in annonce.items() if k.startswith("@") and k.lower().endswith("schemalocation")),
                None)


def _notice_ids(value: Any) -> list[str]:
    """BOAMP ids from `annonce_lie` / `annonces_anterieures`: a string, a list, JSON text or nested data.

    Only whole values shaped like an idweb ("16-155545", "BXP06181020621O") are taken, and from nested
    data only IDWEB fields: pulling ids out of free text catches date fragments ("10-15" in 2014-10-15).
    """
    if value is None or value == "":
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("[", "{"):
            try:
                return _notice_ids(json.loads(stripped))
            except json.JSONDecodeError:
                pass
        return [token for token in re.split(r"[\s,;|]+", stripped) if _IDWEB.match(token)]
    if isinstance(value, list):
        return _dedupe([i for item in value for i in _notice_ids(item)])
    if isinstance(value, dict):
        ids = [_line(v) for k, v in value.items() if _norm_key(k) == "idweb"]
        nested = [i for k, v in value.items() if _norm_key(k) != "idweb" and isinstance(v, dict | list)
                  for i in _notice_ids(v)]
        return _dedupe([i for i in ids if i and _IDWEB.match(i)] + nested)
    return []


def _gestion_links(gestion: dict[str, Any]) -> tuple[list[str], list[str]]:
    """IDWEBs referenced in GESTION outside its own REFERENCE: under *ANTERIEUR* → previous, else linked."""
    previous: list[str] = []
    linked: list[str] = []
    for key, value in gestion.items():
        if key in ("REFERENCE", "INDEXATION") or not isinstance(value, dict | list):
            continue
        for holder, ids in _idwebs(value, key):
            (previous if "ANTERIEUR" in holder else linked).extend(ids)
    return _dedupe(previous), _dedupe(linked)


def _idwebs(node: Any, holder: str) -> Iterator[tuple[str, list[str]]]:
    if isinstance(node, list):
        for item in node:
            yield from _idwebs(item, holder)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "IDWEB":
                yield holder, _notice_ids(_line(value))
            elif isinstance(value, dict | list):
                yield from _idwebs(value, holder if "ANTERIEUR" in holder or "LIE" in holder else key)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _kind(envelope: _Envelope) -> NoticeKind:
    """award / call / rectification / cancellation / modification from nature words; status first."""
    status = _words(envelope.status or "")
    for word, kind in _KIND_RULES:  # "AVIS_ANNULE" is the state of a cancelled notice, not a cancellation
        if kind in _STATUS_KINDS and status.startswith(word):
            return kind
    for nature in envelope.natures:
        words = _words(nature)
        for word, kind in _KIND_RULES:
            if word in words:
                return kind
    return "other"


def _words(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", _ascii(text).upper())


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _evidence(text: str, path: str) -> EvidenceRecord:
    return EvidenceRecord(text=text, path=path, extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)


# ---- XML → the `donnees` dict shape ---------------------------------------------------------------------


def _annonce_elements(root: etree._Element) -> list[etree._Element]:
    if etree.QName(root).localname == "ANNONCE":
        return [root]
    return [child for child in root if isinstance(child.tag, str) and etree.QName(child).localname == "ANNONCE"]


def _qname(el: etree._Element) -> str:
    """The element name as the API's JSON writes it: prefix kept ("cbc:ID"), default namespace dropped."""
    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


def _attribute_name(el: etree._Element, name: str) -> str:
    qname = etree.QName(name)
    if not qname.namespace:
        return qname.localname
    prefix = next((p for p, uri in el.nsmap.items() if uri == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _element_value(el: etree._Element) -> Any:
    """Element → "" (empty), text (leaf), or dict: "@attr", "#text", children (repeated ones → list)."""
    children = [child for child in el if isinstance(child.tag, str)]
    attributes = {f"@{_attribute_name(el, k)}": v for k, v in el.attrib.items()}
    text = (el.text or "") + "".join(child.tail or "" for child in el)
    if not children and not attributes:
        return text
    node: dict[str, Any] = dict(attributes)
    if text.strip():
        node["#text"] = text
    for child in children:
        key = _qname(child)
        value = _element_value(child)
        if key not in node:
            node[key] = value
        elif isinstance(node[key], list):
            node[key].append(value)
        else:
            node[key] = [node[key], value]
    return node
