"""per-organisation contract totals maintained by the store (fast unfiltered answers)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_contract_summary",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("contracts_won", sa.Integer(), nullable=False),
        sa.Column("subcontracts", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(24, 2), nullable=True),
        sa.Column("n_currencies", sa.Integer(), nullable=False),
        sa.Column("currency_min", sa.String(length=3), nullable=True),
        sa.Column("currency_max", sa.String(length=3), nullable=True),
        sa.Column("first_award", sa.Date(), nullable=True),
        sa.Column("last_award", sa.Date(), nullable=True),
        sa.Column("buyer_ids", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_org_contract_summary_org_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_org_contract_summary")),
    )
    # Backfill from the contracts already stored (the store keeps the rows current from here on).
    from soustrace.models.summary import refresh_summaries

    refresh_summaries(Session(bind=op.get_bind()), None)


def downgrade() -> None:
    op.drop_table("org_contract_summary")
