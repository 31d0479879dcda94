"""Winner blocks found by key name anywhere in a BOAMP payload, and unique lot keys for the contracts.

Used where no known structure names the winners: the national simplified forms, and legacy notices
without ATTRIBUTION/DECISION (or a DECISION whose winners sit under another name). A block under a key
ending in titulaire / attributaire / laureat is a winner; it is grouped by the nearest lot number above.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from soustrace.parsers.boamp.roles import _roles, _segment_extra
from soustrace.parsers.boamp.text import _as_list, _dig, _find_norm_key, _get_any, _get_norm, _line, _norm_key, _text
from soustrace.parsers.boamp.values import _amount, _email, _evidence, _first_date, _first_int, _national_id, _url
from soustrace.records import ContractRecord, NoticeRecord, OrgRef, PartyRecord

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


_LOT_MAX = 60  # contract.lot column width


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
