"""What a BOAMP notice says about itself outside `donnees`: the envelope, and the notice kind.

Both inputs carry the same facts in different places: the flat fields of an OpenDataSoft record (with
the `gestion` JSON string as fallback) and the `GESTION` block of a DILA XML notice. They are gathered in
one `_Envelope` that every `donnees` generation reads: id, URL, publication date, nature and status words
(which give the notice kind), schema version, and the ids of linked and previous notices.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from soustrace.parsers.boamp.text import _as_list, _dict, _first_marker, _line, _marker_keys, _norm_key, _para, _words
from soustrace.parsers.boamp.values import _date
from soustrace.records import NoticeKind, ParseError

NOTICE_URL = "https://www.boamp.fr/pages/avis/?q=idweb:{idweb}"


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


_IDWEB = re.compile(r"^(?:\d{2}-\d{1,7}|[A-Z]{2,4}\d{6,}[0-9A-Z]*)$")


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
