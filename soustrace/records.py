"""The parsed-record contract between parsers and the storage pipeline.

Parsers (BOAMP, eForms/TED, DECP, hosting extraction) turn raw payloads into these plain dataclasses and
never touch the database; the storage pipeline (`soustrace.pipelines.store`) is the only writer. Keeping
this contract free of SQLAlchemy lets parsers be tested on real samples without a database and lets
`soustrace reprocess` re-run them on stored raw payloads.

Every record that becomes an edge carries an `EvidenceRecord`: where it was read (notice/document, a
path inside the payload) and the exact text, so every answer can be cited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, get_args

from soustrace.errors import InputError

Source = Literal["boamp", "ted", "decp"]
NoticeKind = Literal["award", "call", "modification", "cancellation", "rectification", "other"]
PartyRoleName = Literal["winner", "lead", "member", "subcontractor", "buyer"]
RelationKind = Literal["declared-subcontract", "hosting", "delivers-site", "uses-platform", "runs-on", "built-by"]
HostingRole = Literal["host", "cdn", "data-storage", "sub-processor", "other"]
RelationStatus = Literal["current", "past", "planned", "negated"]
Method = Literal["structured", "nlp", "dns", "user", "press"]
# Listed once: what a hosting edge's role and any edge's status may be (extraction output is checked
# against these by `soustrace.pipelines.findings`, the CLI offers them as choices).
HOSTING_ROLES: tuple[str, ...] = get_args(HostingRole)
RELATION_STATUSES: tuple[str, ...] = get_args(RelationStatus)


@dataclass(slots=True)
class EvidenceRecord:
    """Where a fact was read. `path` locates it in a structured payload (XPath, JSON pointer, CSV row)."""

    text: str = ""
    path: str = ""
    start: int | None = None
    end: int | None = None
    extractor: str = ""
    extractor_version: str = ""


@dataclass(slots=True)
class OrgRef:
    """An organisation as a source names it; the store resolves it to one canonical Organization.

    `national_id` is kept exactly as written; `id_scheme` is what the source says it is (SIRET, SIREN,
    TVA/VAT, TAHITI, RIDET, FRWF, IREP, HORS-UE, or a TED `schemeID`), or None when unknown: the store
    normalises and validates it (python-stdnum) and flags invalid ids instead of dropping them.
    """

    name: str | None = None
    national_id: str | None = None
    id_scheme: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 when known
    website: str | None = None
    email: str | None = None
    address: str | None = None
    local_ref: str | None = None  # id inside the notice (eForms ORG-0001), for debugging only


@dataclass(slots=True)
class PartyRecord:
    """One organisation's role on one contract (lot)."""

    role: PartyRoleName
    org: OrgRef
    evidence: EvidenceRecord = field(default_factory=EvidenceRecord)
    # For subcontractors: the contractor(s) they work for, when the source says so (eForms MainContractor).
    main_contractors: list[OrgRef] = field(default_factory=list)
    amount: Decimal | None = None  # e.g. the subcontract act's amount (DECP) or a tender's payable amount
    currency: str | None = None
    start_date: dt.date | None = None
    duration_months: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class ContractRecord:
    """One contract per (notice, lot). `lot` is "" when the notice has no lots."""

    lot: str = ""
    title: str | None = None
    cpv: str | None = None
    procedure: str | None = None
    award_date: dt.date | None = None
    amount: Decimal | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    currency: str | None = None
    offers_received: int | None = None
    framework_agreement_id: str | None = None
    duration_months: int | None = None
    place: str | None = None
    parties: list[PartyRecord] = field(default_factory=list)
    subcontracting: dict[str, object] = field(default_factory=dict)  # likely/value/percent/description/declared
    flags: list[str] = field(default_factory=list)  # e.g. "suspicious-amount", "framework-maximum"
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class NoticeLink:
    """A link from this notice to another one: rectification, cancellation, modification, previous."""

    kind: str
    source: Source
    source_id: str


@dataclass(slots=True)
class RelationRecord:
    """An edge that is not a party role: uses-platform, hosting found in notice text, runs-on..."""

    kind: RelationKind
    src: OrgRef | None = None  # None = the notice's buyer for uses-platform
    provider_id: str | None = None  # catalog id
    provider_name: str | None = None  # as written when not in the catalog
    target_url: str | None = None  # platform or site URL
    role: str | None = None
    status: RelationStatus = "current"
    method: Method = "structured"
    confidence: float = 1.0
    lot: str | None = None  # ties the edge to one contract of the notice
    evidence: EvidenceRecord = field(default_factory=EvidenceRecord)


@dataclass(slots=True)
class NoticeRecord:
    """One notice as parsed. `raw` is the payload exactly as received (bytes), stored before parsing."""

    source: Source
    source_id: str
    raw: bytes
    url: str | None = None
    publication_date: dt.date | None = None
    kind: NoticeKind = "other"
    schema_version: str | None = None
    content_type: str = "application/json"
    buyer: OrgRef | None = None
    contracts: list[ContractRecord] = field(default_factory=list)
    links: list[NoticeLink] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # free text fields for NLP (object, description...)
    websites: list[tuple[OrgRef, str]] = field(default_factory=list)  # (org, url) seen in the notice
    # Lots the parser could not read (e.g. a LotTender pointing at an undefined TenderingParty).
    lot_errors: list[tuple[str, str]] = field(default_factory=list)  # (lot, reason)
    # Set by the parse stage when the payload could not be parsed: the raw payload is still stored.
    parse_error: str | None = None


class ParseError(InputError):
    """A payload that cannot be parsed; the caller quarantines it as a Reject with this message."""


@dataclass(slots=True)
class RejectRecord:
    """A record that could not be used, quarantined with the reason; the run goes on without it."""

    source: str
    record_id: str | None
    stage: str  # "fetch", "parse", "store", ...
    reason: str
    excerpt: str = ""
    url: str | None = None
