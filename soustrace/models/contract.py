"""Contracts (one per notice and lot) and the roles organisations play on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soustrace.models.base import Base


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("notice_id", "lot"),
        Index("ix_contract_award_date", "award_date"),
        Index("ix_contract_buyer_date", "buyer_id", "award_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
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
    """winner | lead (mandataire) | member (co-traitant) | subcontractor | buyer, with the id as written."""

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
