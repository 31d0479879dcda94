"""The provider catalog (`data/providers.json`): canonical ids, surface forms, legal entities, domains.

Why a module of its own: every consumer (the extractor, the store, `soustrace providers`) must resolve a
surface form ("OVH SAS", "Amazon Web Services EMEA SARL", "Kimsufi") to the same provider id, and must
refuse the same confusions (AWS = Achat Web Solution in procurement, address collisions). Matching
here is exact on a normalised key (case, accents, punctuation, legal-form suffixes folded); fuzzy guessing
is deliberately absent because a false "X uses AWS" is worse than a missing one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from soustrace.names import fold, normalise, strip_accents
from soustrace.paths import DATA_DIR

CATALOG_PATH = DATA_DIR / "providers.json"

@dataclass(frozen=True, slots=True)
class Provider:
    """One catalog entry; `raw` keeps every field of the JSON for callers that need more."""

    id: str
    display_name: str
    kind: tuple[str, ...]
    aliases: tuple[str, ...]
    aliases_case_sensitive: tuple[str, ...]
    domains: tuple[str, ...]
    jurisdiction: str | None
    cloud_act: bool | str | None
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def legal_entities(self) -> list[dict[str, Any]]:
        return list(self.raw.get("legal_entities") or [])

    @property
    def addresses(self) -> list[str]:
        return [a for le in self.legal_entities for a in le.get("addresses") or []]

    @property
    def registration_numbers(self) -> list[str]:
        """Digits of every quoted registration/SIREN/SIRET/VAT number (used to keep them off the editor)."""
        out: list[str] = []
        for le in self.legal_entities:
            reg = le.get("registration") or {}
            for key in ("number", "siret_quoted", "siren_derived", "vat_quoted"):
                digits = re.sub(r"\D", "", str(reg.get(key) or ""))
                if len(digits) >= 6:
                    out.append(digits)
        return out


@dataclass(slots=True)
class Catalog:
    """Loaded catalog with a normalised alias index (alias key -> provider ids, first = preferred)."""

    providers: dict[str, Provider]
    exclusions: list[dict[str, Any]]
    non_hosting_products: list[str]
    address_collisions: list[dict[str, Any]]
    meta: dict[str, Any]
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _exact: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _domains: dict[str, str] = field(default_factory=dict, repr=False)
    _addresses: list[tuple[str, tuple[str, str]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for pid, prov in self.providers.items():
            names = [prov.display_name, *prov.aliases, *(le["name"] for le in prov.legal_entities)]
            for name in names:
                key = fold(name)
                if key and pid not in self._index.setdefault(key, []):
                    self._index[key].append(pid)
            for name in prov.aliases_case_sensitive:
                self._exact.setdefault(name, []).append(pid)
            for dom in prov.domains:
                self._domains[dom.casefold()] = pid
            for addr in prov.addresses:
                key = _address_key(addr)
                if key:
                    self._addresses.append((pid, key))

    def __contains__(self, pid: object) -> bool:
        return pid in self.providers

    def __iter__(self) -> Iterator[Provider]:
        return iter(self.providers.values())

    def get(self, pid: str | None) -> Provider | None:
        return self.providers.get(pid) if pid else None

    def resolve_all(self, surface: str) -> list[str]:
        """Every provider id a surface form can denote (e.g. 'GitHub' -> github_pages; ambiguity kept)."""
        if not surface or not surface.strip():
            return []
        stripped = surface.strip()
        if stripped in self._exact:
            return list(self._exact[stripped])
        hits = self._index.get(fold(stripped)) or self._index.get(fold(normalise(stripped)))
        if hits:
            return list(hits)
        dom = self.resolve_domain(stripped)
        return [dom] if dom else []

    def resolve(self, surface: str) -> str | None:
        """Provider id for a surface form, or None. Exact on the normalised key: no fuzzy guessing."""
        hits = self.resolve_all(surface)
        return hits[0] if hits else None

    def resolve_domain(self, host_or_url: str) -> str | None:
        """Provider id owning a hostname/URL suffix ('gstarmix.github.io' -> github_pages), else None."""
        host = re.sub(r"^[a-z]+://", "", host_or_url.strip().casefold()).split("/")[0].split(":")[0]
        parts = host.split(".")
        for i in range(len(parts) - 1):
            pid = self._domains.get(".".join(parts[i:]))
            if pid:
                return pid
        return None

    def display_name(self, pid: str) -> str:
        prov = self.providers.get(pid)
        return prov.display_name if prov else pid

    def resolve_address(self, text: str) -> str | None:
        """Provider id whose quoted address matches `text` (street + postcode), None if none or ambiguous.

        Addresses listed in `address_collisions` (Tour Carpe Diem, Courbevoie: AWS's French branch AND
        Thales's seat) never resolve: the brief is that address-only evidence must not decide there.
        """
        key = _address_key(text)
        if key is None:
            return None
        low = strip_accents(text).casefold()
        for col in self.address_collisions:
            if any(m in low for m in col.get("match", [])):
                return None
        found = {pid for pid, addr_key in self._addresses if addr_key == key}
        return found.pop() if len(found) == 1 else None


_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}-)?(\d{4,5})\b")
_STREET = re.compile(
    r"\b(\d{1,4})(?:\s*(?:-\s*\d{1,4}|bis|ter))?[\s,]+((?:rue|avenue|av\.?|boulevard|bd|place|chemin|route|"
    r"all[ée]e|quai|impasse|cours|street|st\.?|ave|road)\b[^,\n]{2,40})",
    re.I,
)


def _address_key(text: str) -> tuple[str, str] | None:
    """(postcode, first significant street word) — tolerant to 'BP', 'Cedex', case and accents."""
    flat = strip_accents(text)
    street = _STREET.search(flat)
    post = [
        m.group(1) for m in _POSTCODE.finditer(flat) if not street or m.start() > street.start(1) + len(street.group(1))
    ]
    if not street or not post:
        return None
    words = [
        w
        for w in re.findall(r"[a-z]{3,}", street.group(2).casefold())
        if w
        not in {
            "rue",
            "avenue",
            "boulevard",
            "place",
            "chemin",
            "route",
            "allee",
            "quai",
            "des",
            "del",
            "street",
            "road",
            "ave",
            "impasse",
            "cours",
            "the",
            "faubourg",
        }
    ]
    if not words:
        return None
    return (post[0][:2], words[0])


def _provider_from_json(pid: str, data: dict[str, Any]) -> Provider:
    return Provider(
        id=pid,
        display_name=data.get("display_name") or pid,
        kind=tuple(data.get("kind") or ()),
        aliases=tuple(data.get("aliases") or ()),
        aliases_case_sensitive=tuple(data.get("aliases_case_sensitive") or ()),
        domains=tuple(data.get("domains") or ()),
        jurisdiction=data.get("jurisdiction"),
        cloud_act=data.get("cloud_act"),
        raw=data,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read a catalog file (default `data/providers.json`); use `get_catalog()` for the shared instance."""
    with open(path or CATALOG_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    providers = data["providers"]
    if isinstance(providers, list):  # the draft's list layout is accepted too
        providers = {p["id"]: p for p in providers}
    return Catalog(
        providers={pid: _provider_from_json(pid, p) for pid, p in providers.items()},
        exclusions=list(data.get("exclusions") or []),
        non_hosting_products=list(data.get("non_hosting_products") or []),
        address_collisions=list(data.get("address_collisions") or []),
        meta=dict(data.get("meta") or {}),
    )


@lru_cache(maxsize=4)
def get_catalog(path: str | None = None) -> Catalog:
    """Process-wide cached catalog (the extractor's matchers are built from it once)."""
    return load_catalog(path)


def resolve(surface: str) -> str | None:
    """Module-level shortcut on the shipped catalog: `resolve("OVH SAS") == "ovhcloud"`."""
    return get_catalog().resolve(surface)
