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
* eForms era (`EFORMS`): handed to `soustrace.parsers.eforms.boamp_json.parse_eforms_dict`, then re-labelled
  as the BOAMP notice;
* national simplified forms (`FNSimple`, `MAPA`, `DSP`): no real sample was available, so they are read
  by key names documented by third parties and by a defensive scan for winner blocks.

Whatever the generation, an award whose `donnees` names no winner falls back on the flat `titulaire`
list. Every party keeps its evidence: the path inside the payload and the exact text as written; role
markers such as "(Mandataire)" are removed from the name but stay in that evidence.

This module holds the entry points, the generation dispatch and what every generation shares at the end
(links, buyer and flat-winner fallbacks). The rest lives in small modules, one concern each:
`envelope` (facts outside `donnees`, notice kind), `dila_xml` (XML → `donnees` dict shape),
`legacy` (V110/V230/V240), `national` (FNSimple/MAPA/DSP), `winners` (winner blocks
found by key name), `roles` (winner names and role markers), `text` (readers of the
XML-as-JSON shape, text repair) and `values` (dates, amounts, ids, addresses, URLs, evidence).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import etree

from soustrace.parsers.boamp.dila_xml import _annonce_elements, _element_value, _qname
from soustrace.parsers.boamp.envelope import (
    _STATUS_KINDS,
    NOTICE_URL,
    _Envelope,
    _gestion_links,
    _kind,
    _ods_envelope,
    _schema_location,
    _schema_version,
)
from soustrace.parsers.boamp.legacy import _parse_legacy
from soustrace.parsers.boamp.national import _NATIONAL_ROOTS, _parse_national
from soustrace.parsers.boamp.roles import _name, _roles, _segment_extra
from soustrace.parsers.boamp.text import _dict, _first_marker, _line, _marker_keys, _para
from soustrace.parsers.boamp.values import EXTRACTOR, EXTRACTOR_VERSION, _date, _evidence
from soustrace.parsers.xml import parse_xml
from soustrace.records import ContractRecord, EvidenceRecord, NoticeLink, NoticeRecord, OrgRef, ParseError, PartyRecord

__all__ = [
    "EXTRACTOR", "EXTRACTOR_VERSION", "NOTICE_URL", "_element_value", "iter_boamp_xml", "parse_boamp_record",
    "parse_boamp_xml",
]

# Root keys of a legacy `donnees` (the children of the XML `DONNEES` element, V110 to V240).
_LEGACY_KEYS = frozenset({
    "IDENTITE", "IDENT", "OBJET", "ATTRIBUTION", "PROCEDURE", "TYPE_ORGANISME", "TYPE_POUVOIR_ADJUDICATEUR",
    "ACTIVITE_PRINCIPALE", "RENSEIGNEMENTS_COMPLEMENTAIRES", "RENSEIGNEMENTS", "INFO", "CONDITIONS", "DELAI",
    "LOTS", "RECTIF", "CARACTERISTIQUES", "CONDITION_DELAI", "CONDITION_PARTICIPATION",
    "CONDITION_RELATIVE_MARCHE", "CONDITION_ADMINISTRATIVE", "ANNULATION", "RECTIFICATIF",
})


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

    The XML is parsed without DTD, network or entity expansion (`parsers.xml`), turned into the `donnees`
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


def _parse_eforms(doc: dict[str, Any], prefix: str, envelope: _Envelope, notice: NoticeRecord) -> NoticeRecord:
    """The eForms parser reads the UBL; the notice is then re-labelled as this BOAMP notice."""
    try:
        from soustrace.parsers.eforms.boamp_json import parse_eforms_dict
    except ImportError as exc:
        raise ParseError("donnees/EFORMS needs soustrace.parsers.eforms.boamp_json, which is not available") from exc
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
