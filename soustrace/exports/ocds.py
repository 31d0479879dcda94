"""OCDS 1.1 release packages: one release per notice, awards per lot, declared subcontractors included.

Mapping (kept simple, and written down so a consumer knows what each field means):

* `ocid` = `<prefix>-<source>-<notice id>`. The default prefix `ocds-soustrace` is NOT a registered OCDS
  prefix: pass your own (`--ocid-prefix`) before publishing anywhere.
* `parties`: the buyer (`buyer`), every winner/lead/member (`supplier` and `tenderer`), every declared
  subcontractor (`subcontractor`, a role the subcontracting extension adds). A party's id is
  `FR-RCS-<SIREN>` when the SIREN is known (scheme FR-RCS, as the French DECP OCDS exports use), else
  `soustrace-org-<id>`.
* `awards`: one per contract (lot), `value` = the contract amount, `suppliers` = winner/lead/members,
  `relatedLots` = the lot; with the subcontracting extension, `hasSubcontracting` and
  `subcontracting.subcontracts[]` (subcontractor + the tenderers it works for).
* `date` = the notice's publication date (midnight UTC), else its award date.

Notices are read in batches of ids (keyset pages) and each release is written as soon as it is built,
so memory stays bounded whatever the size of the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, select

from soustrace.exports.atomic import atomic_path
from soustrace.models import Contract, Notice, Organization, PartyRole, Relation
from soustrace.queries.filters import WON_ROLES, ContractFilter

SUBCONTRACTING_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                            "ocds_subcontracting_extension/master/extension.json")
LOTS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json"
DEFAULT_PREFIX = "ocds-soustrace"
PAGE = 500


def _datetime(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def _party_id(org_id: int, siren: str | None) -> str:
    return f"FR-RCS-{siren}" if siren else f"soustrace-org-{org_id}"


class _Release:
    """Accumulates one notice's parties and awards."""

    def __init__(self, prefix: str, notice: Any) -> None:
        self.notice = notice
        self.ocid = f"{prefix}-{notice.source}-{notice.source_id}"
        self.parties: dict[str, dict[str, Any]] = {}
        self.awards: list[dict[str, Any]] = []
        self.lots: list[str] = []
        self.buyer: dict[str, str] | None = None
        self.award_dates: list[dt.date] = []

    def party(self, org_id: int, name: str | None, siren: str | None, country: str | None, role: str) -> dict:
        pid = _party_id(org_id, siren)
        party = self.parties.get(pid)
        if party is None:
            party = {"id": pid, "name": name or pid, "roles": []}
            if siren:
                party["identifier"] = {"scheme": "FR-RCS", "id": siren, "legalName": name or siren}
            self.parties[pid] = party
        if role not in party["roles"]:
            party["roles"].append(role)
        return {"id": pid, "name": party["name"]}

    def as_dict(self) -> dict[str, Any]:
        n = self.notice
        date = _datetime(n.publication_date) or _datetime(max(self.award_dates, default=None)) or _datetime(
            n.fetched_at)
        release: dict[str, Any] = {
            "ocid": self.ocid, "id": f"{n.source}-{n.source_id}-r{n.revision}", "date": date, "tag": ["award"],
            "initiationType": "tender", "parties": list(self.parties.values()),
            "tender": {"id": f"{n.source}-{n.source_id}"},
            "awards": self.awards,
        }
        if n.url:
            release["tender"]["documents"] = [{"id": "notice", "url": n.url, "documentType": "awardNotice"}]
        if self.lots:
            release["tender"]["lots"] = [{"id": lot} for lot in self.lots]
        if self.buyer:
            release["buyer"] = self.buyer
        return release


def iter_releases(engine: Engine, *, ocid_prefix: str = DEFAULT_PREFIX, date_from: str | dt.date | None = None,
                  date_to: str | dt.date | None = None, buyer: str | None = None,
                  cpv: str | None = None) -> Iterator[dict[str, Any]]:
    """One OCDS release per notice that has contracts matching the filters, in notice id order."""
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    last = 0
    with engine.connect() as conn:
        while True:
            notice_ids = list(conn.scalars(flt.apply(
                select(Contract.notice_id).where(Contract.notice_id > last)).distinct()
                .order_by(Contract.notice_id).limit(PAGE)))
            if not notice_ids:
                return
            last = notice_ids[-1]
            yield from _page(conn, notice_ids, flt, ocid_prefix)


def _page(conn: Any, notice_ids: list[int], flt: ContractFilter, prefix: str) -> Iterator[dict[str, Any]]:
    notices = {n.id: n for n in conn.execute(select(Notice.id, Notice.source, Notice.source_id, Notice.url,
                                                    Notice.publication_date, Notice.fetched_at, Notice.revision)
                                             .where(Notice.id.in_(notice_ids)))}
    buyer_org = select(Organization.id, Organization.name, Organization.siren, Organization.country).subquery()
    contracts = conn.execute(flt.apply(
        select(Contract.id, Contract.notice_id, Contract.lot, Contract.title, Contract.award_date, Contract.amount,
               Contract.currency, Contract.buyer_id, buyer_org.c.name.label("buyer_name"),
               buyer_org.c.siren.label("buyer_siren"), buyer_org.c.country.label("buyer_country"))
        .outerjoin(buyer_org, buyer_org.c.id == Contract.buyer_id)
        .where(Contract.notice_id.in_(notice_ids))).order_by(Contract.notice_id, Contract.lot)).all()
    ids = [c.id for c in contracts]
    parties: dict[int, list[Any]] = {}
    for p in conn.execute(select(PartyRole.contract_id, PartyRole.org_id, PartyRole.role, PartyRole.name_as_written,
                                 Organization.name, Organization.siren, Organization.country)
                          .join(Organization, Organization.id == PartyRole.org_id)
                          .where(PartyRole.contract_id.in_(ids)).order_by(PartyRole.id)):
        parties.setdefault(p.contract_id, []).append(p)
    mains: dict[tuple[int, int], list[int]] = {}
    for r in conn.execute(select(Relation.contract_id, Relation.src_org_id, Relation.dst_org_id).where(
            Relation.kind == "declared-subcontract", Relation.contract_id.in_(ids))):
        mains.setdefault((r.contract_id, r.dst_org_id), []).append(r.src_org_id)
    releases: dict[int, _Release] = {}
    for c in contracts:
        rel = releases.setdefault(c.notice_id, _Release(prefix, notices[c.notice_id]))
        _award(rel, c, parties.get(c.id, []), mains)
    for nid in notice_ids:
        if nid in releases:
            yield releases[nid].as_dict()


def _award(rel: _Release, c: Any, parties: list[Any], mains: dict[tuple[int, int], list[int]]) -> None:
    if c.buyer_id is not None:
        rel.buyer = rel.party(c.buyer_id, c.buyer_name, c.buyer_siren, c.buyer_country, "buyer")
    if c.lot and c.lot not in rel.lots:
        rel.lots.append(c.lot)
    if c.award_date:
        rel.award_dates.append(c.award_date)
    suppliers, refs = [], {}
    for p in parties:
        if p.role in WON_ROLES:
            ref = rel.party(p.org_id, p.name or p.name_as_written, p.siren, p.country, "supplier")
            rel.party(p.org_id, p.name, p.siren, p.country, "tenderer")
            suppliers.append(ref)
            refs[p.org_id] = ref
    subcontracts = []
    for p in parties:
        if p.role != "subcontractor":
            continue
        sub = rel.party(p.org_id, p.name or p.name_as_written, p.siren, p.country, "subcontractor")
        tenderers = [refs[m] for m in mains.get((c.id, p.org_id), []) if m in refs] or list(suppliers)
        entry: dict[str, Any] = {"id": str(len(subcontracts) + 1), "subcontractor": sub}
        if tenderers:
            entry["tenderers"] = tenderers
        subcontracts.append(entry)
    award: dict[str, Any] = {"id": f"{c.id}" + (f"-{c.lot}" if c.lot else ""), "status": "active",
                             "suppliers": suppliers, "hasSubcontracting": bool(subcontracts)}
    if c.title:
        award["title"] = c.title
    if c.award_date:
        award["date"] = _datetime(c.award_date)
    if c.amount is not None:
        award["value"] = {"amount": float(c.amount), **({"currency": c.currency} if c.currency else {})}
    if c.lot:
        award["relatedLots"] = [c.lot]
    if subcontracts:
        award["subcontracting"] = {"subcontracts": subcontracts}
    rel.awards.append(award)


def write_release_package(releases: Iterator[dict[str, Any]], out: Path | TextIO, *, uri: str | None = None,
                          publisher: str = "soustrace export") -> int:
    """Stream a release package to `out` (a path or an open text file); returns the number of releases."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head = {"uri": uri or f"urn:soustrace:release-package:{now}", "version": "1.1", "publishedDate": now,
            "publisher": {"name": publisher}, "extensions": [SUBCONTRACTING_EXTENSION, LOTS_EXTENSION]}
    if isinstance(out, Path):
        with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8") as fh:
            return write_release_package(releases, fh, uri=uri, publisher=publisher)
    fh = out
    n = 0
    try:
        fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "releases": [')
        for release in releases:
            fh.write(("," if n else "") + "\n" + json.dumps(release, ensure_ascii=False))
            n += 1
        fh.write("\n]}\n")
    finally:
        fh.flush()
    return n
