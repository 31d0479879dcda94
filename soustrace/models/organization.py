"""Canonical organisations, resolved on identifiers first and on normalised names only as a fallback."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soustrace.models.base import Base


class Organization(Base):
    """One legal unit. `org_key` is the resolution key: `FR-SIREN:…`, `VAT:…`, `ID:<scheme>:…` or `NAME:…`."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    normalized_name: Mapped[str | None] = mapped_column(String(300), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    siret: Mapped[str | None] = mapped_column(String(14))
    vat: Mapped[str | None] = mapped_column(String(20), index=True)
    foreign_id: Mapped[str | None] = mapped_column(String(100))
    foreign_scheme: Mapped[str | None] = mapped_column(String(30))
    country: Mapped[str | None] = mapped_column(String(2))
    # public-buyer | company | provider; indexed: `--buyer NAME` searches the (few) public buyers' names
    kind: Mapped[str] = mapped_column(String(20), default="company", index=True)
    id_valid: Mapped[bool | None]
    id_issue: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("provider.id"), index=True)

    aliases: Mapped[list[OrgAlias]] = relationship(back_populates="org", cascade="all, delete-orphan")


class OrgAlias(Base):
    """Every raw spelling seen for an organisation (one SIRET can appear under many names)."""

    __tablename__ = "org_alias"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(16))

    org: Mapped[Organization] = relationship(back_populates="aliases")


class Site(Base):
    """A website tied to an organisation or a contract; `kind` says whose it is (vendor, delivered, platform)."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("url", "kind", "org_id", "contract_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # vendor-site | delivered-site | buyer | buyer-platform | editor-site
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    found_by: Mapped[str | None] = mapped_column(String(40))  # eforms-website, notice-text, email, user, editor
    last_crawled: Mapped[str | None] = mapped_column(String(32))
