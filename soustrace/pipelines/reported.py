"""Reported awards to rows: a contract of kind `reported` per (buyer, contractor) a document states.

`soustrace.extraction.awards` finds the statements; this writes them, through the store's `Writer`:
buyer and contractor resolved to organisations (an identifier or an exact name or alias first, a new
organisation named as written otherwise), each holding a role on the contract (`buyer`, `reported`) with
the sentence, its span and the document as evidence. The contract carries the source kind (press / court
/ official) and a confidence below a notice's 1.0; the contractor's role is never `winner`, so nothing
that counts or sums notice-backed contracts ever sees it. The same statement ingested again (same URL,
same parties) is the same contract.

Organisations are matched by name only when exactly one stored organisation has that normalised name
or alias: two companies sharing a name stay apart, a new one is opened instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from soustrace.extraction.awards import EXTRACTOR_VERSION, AwardStatement
from soustrace.identity import normalize_name
from soustrace.models import Contract, Document, OrgAlias, Organization, PartyRole
from soustrace.pipelines.store import Writer, sha256
from soustrace.records import EvidenceRecord, OrgRef

# How much a reported award is believed, by who states it (a notice is 1.0): a court's findings of fact
# and an official answer above a journalist's report. Multiplied by the statement's own confidence (is
# the buyer named in the sentence, around it, or not at all).
SOURCE_CONFIDENCE = {"court": 0.8, "official": 0.8, "press": 0.6}
EXTRACTOR = "soustrace.extraction.awards"


@dataclass(slots=True)
class Reported:
    contract_id: int
    buyer: str | None
    contractor: str
    contractor_id: int
    status: str
    confidence: float
    quote: str


def org_by_name(writer: Writer, name: str, *, kind: str, source: str) -> Organization | None:
    """The one stored organisation with this normalised name or alias, else a new one named as written."""
    key = normalize_name(name)
    if not key:
        return None
    found = list(writer.s.scalars(select(Organization).where(or_(
        Organization.normalized_name == key,
        Organization.id.in_(select(OrgAlias.org_id).where(OrgAlias.name == name.strip()))))).unique())
    if len({o.id for o in found}) == 1:
        org = found[0]
        if kind == "public-buyer" and org.kind == "company":
            org.kind = kind
        return org
    return writer.org(OrgRef(name=name.strip()), kind=kind, source=source)


def write_reported(writer: Writer, doc: Document, statements: list[AwardStatement], *, source_kind: str,
                   url: str, buyer: Organization | None = None) -> list[Reported]:
    """One reported contract per statement; `buyer` (named by the user) stands in when the text names none."""
    out: list[Reported] = []
    for st in statements:
        contractor = org_by_name(writer, st.contractor, kind="company", source=source_kind)
        if contractor is None:
            continue
        buyer_org = (org_by_name(writer, st.buyer, kind="public-buyer", source=source_kind) if st.buyer
                     else buyer)
        if buyer_org is not None and buyer_org.id == contractor.id:
            continue
        confidence = round(SOURCE_CONFIDENCE.get(source_kind, 0.6) * st.confidence, 3)
        key = sha256("|".join(("reported", url, buyer_org.org_key if buyer_org else "", contractor.org_key)))
        contract = writer.s.scalar(select(Contract).where(Contract.report_key == key))
        if contract is None:
            contract = Contract(notice_id=None, kind="reported", lot="", report_key=key, source_kind=source_kind,
                                buyer_id=buyer_org.id if buyer_org else None, award_date=st.date,
                                confidence=confidence, extra={"url": url, "quote": st.sentence, "rule": st.rule,
                                                              "status": st.status, "date_text": st.date_text,
                                                              "buyer_found": st.buyer_found})
            writer.s.add(contract)
            writer.s.flush()
        else:
            contract.confidence = max(contract.confidence, confidence)
        ev = EvidenceRecord(text=st.sentence, path=f"text[{st.start}:{st.end}] {st.rule}"[:300], start=st.start,
                            end=st.end, extractor=EXTRACTOR, extractor_version=EXTRACTOR_VERSION)
        _role(writer, contract, contractor, "reported", st.contractor, ev, doc, source_kind, url)
        if buyer_org is not None:
            _role(writer, contract, buyer_org, "buyer", st.buyer or buyer_org.name, ev, doc, source_kind, url)
        out.append(Reported(contract.id, buyer_org.name if buyer_org else None, contractor.name or st.contractor,
                            contractor.id, st.status, contract.confidence, st.sentence))
    return out


def _role(writer: Writer, contract: Contract, org: Organization, role: str, written: str | None,
          ev: EvidenceRecord, doc: Document, source_kind: str, url: str) -> PartyRole:
    row = writer.s.scalar(select(PartyRole).where(PartyRole.contract_id == contract.id, PartyRole.org_id == org.id,
                                                  PartyRole.role == role))
    if row is None:
        row = PartyRole(contract_id=contract.id, org_id=org.id, role=role, name_as_written=written)
        writer.s.add(row)
        writer.s.flush()
    writer.evidence(ev, kind=source_kind, document=doc, party_role_id=row.id, source_url=url)
    return row


def contractor_in(sentence: str, reported: list[Reported]) -> Any:
    """The contractor of a reported award named in `sentence` when exactly one is (whose hosting it states:
    "la société Doctolib a recours à la société AWS Sarl"); None otherwise."""
    low = f" {normalize_name(sentence) or ''} "
    named = {r.contractor_id for r in reported if f" {normalize_name(r.contractor) or chr(0)} " in low}
    return next(iter(named)) if len(named) == 1 else None
