"""Modifications (avenants) of a DECP record, kept as they were published: dates, amounts, durations, new
titulaires; none of them rewrites the contract's own values.
"""

from __future__ import annotations

from soustrace.parsers.decp.item import SourceItem, _date_text_into, _int_into, _number_text_into
from soustrace.parsers.decp.parties import _org
from soustrace.parsers.decp.values import (
    clean_str,
    fix_text,
    unwrap_items,
)
from soustrace.records import (
    ContractRecord,
)


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


