"""The provider catalog (loaded from data/providers.json) with its sovereignty facts."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soustrace.models.base import Base


class Provider(Base):
    __tablename__ = "provider"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    hq_country: Mapped[str | None] = mapped_column(String(2))
    jurisdiction: Mapped[str | None] = mapped_column(String(10))  # EU | non-EU
    cloud_act: Mapped[str | None] = mapped_column(String(20))  # true | false | claimed_immune | None=unknown
    secnumcloud_status: Mapped[str | None] = mapped_column(String(40))
    secnumcloud_date: Mapped[str | None] = mapped_column(String(20))
    secnumcloud_scope: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)  # the whole catalog entry with its evidence fields
