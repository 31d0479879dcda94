"""Contracts (one per notice and lot) and the roles organisations play on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soustrace.models.base import Base

CONTRACT_KINDS = ("notice", "reported")
REPORTED_SOURCES = ("press", "court", "official")


class Contract(Base):
    """One contract per (notice, lot); or, of kind `reported`, an award stated in prose (a press article, a
    court ruling, an official answer), with no notice behind it: its roles' evidence names the document.

    A reported contract is second-hand: it has a `confidence` below a notice's 1.0 and its `source_kind`,
    its contractor holds the role `reported` (never `winner`), so it is never counted or summed with the
    notice-backed contracts; `report_key` makes the same statement idempotent across re-ingests.
    """

    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("notice_id", "lot"),
        Index("ix_contract_award_date", "award_date"),
        Index("ix_contract_buyer_date", "buyer_id", "award_date"),
        Index("ix_contract_report_key", "report_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default="notice", server_default="notice")
    source_kind: Mapped[str | None] = mapped_column(String(12))  # press | court | official (reported only)
    confidence: Mapped[float] = mapped_column(Float, default=1.0, server_default="1")
    report_key: Mapped[str | None] = mapped_column(String(64))
    lot: Mapped[str] = mapped_column(String(60), default="")
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    cpv: Mapped[str | None] = mapped_column(String(12), index=True)
    procedure: Mapped[str | None] = mapped_column(String(120))
    award_date: Mapped[dt.date | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    amount_min: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    amount_max: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    offers_received: Mapped[int | None]
    framework_agreement_id: Mapped[str | None] = mapped_column(String(120))
    duration_months: Mapped[int | None]
    place: Mapped[str | None] = mapped_column(String(120))
    subcontracting: Mapped[dict | None] = mapped_column(JSON)
    flags: Mapped[list | None] = mapped_column(JSON)
    extra: Mapped[dict | None] = mapped_column(JSON)

    parties: Mapped[list[PartyRole]] = relationship(back_populates="contract", cascade="all, delete-orphan")


class PartyRole(Base):
    """winner | lead (mandataire) | member (co-traitant) | subcontractor | buyer | reported (the contractor of a
    reported contract), with the id as written."""

    __tablename__ = "party_role"
    __table_args__ = (
        UniqueConstraint("contract_id", "org_id", "role"),
        # covering: the per-contractor pass of `query uses` reads (org, role) → contract without the table
        Index("ix_party_role_org", "org_id", "role", "contract_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    role: Mapped[str] = mapped_column(String(16))
    name_as_written: Mapped[str | None] = mapped_column(Text)
    national_id: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    extra: Mapped[dict | None] = mapped_column(JSON)

    contract: Mapped[Contract] = relationship(back_populates="parties")
