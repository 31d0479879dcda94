"""BOAMP national simplified forms (`FNSimple`, `MAPA`, `DSP`), published since the eForms switch (Oct 2023).

No real sample of these forms was available, so this path is defensive: it reads only the keys documented
by third parties (organisme, natureMarche / description / communication) and finds winners with the
generic scan by key name (`winners`) rather than by a structure nobody has seen.
"""

from __future__ import annotations

from typing import Any

from soustrace.parsers.boamp.envelope import _Envelope
from soustrace.parsers.boamp.roles import _name
from soustrace.parsers.boamp.text import _dig, _find_key, _first_dict, _first_text, _line, _put_text
from soustrace.parsers.boamp.values import _add_platform, _cpv, _email, _national_id, _url
from soustrace.parsers.boamp.winners import _scan_winners, _unique_lots
from soustrace.records import NoticeRecord, OrgRef

# Root keys of the national simplified forms published since the eForms switch (Oct 2023).
_NATIONAL_ROOTS = ("FNSimple", "MAPA", "DSP")


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
