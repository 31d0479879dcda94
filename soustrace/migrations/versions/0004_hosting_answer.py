"""stored rows of the unfiltered `uses` answer, the data generation that tells when they are stale, and an
index on organization.kind (`--buyer NAME` searches public buyers only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from soustrace.models.answers import SEED_ROWS, drop_generation_ddl, generation_ddl

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_generation")),
    )
    op.create_table(
        "hosting_answer",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("relation_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("dst_provider_id", sa.String(length=64), nullable=True),
        sa.Column("provider_name_lc", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("contractor", sa.Text(), nullable=True),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=True),
        sa.Column("last_seen", sa.BigInteger(), nullable=True),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("evidence_ref", sa.Text(), nullable=True),
        sa.Column("evidence_text", sa.Text(), nullable=True),
        sa.Column("evidence_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("other_findings", sa.Text(), nullable=True),
        sa.Column("contracts_won", sa.Integer(), nullable=False),
        sa.Column("subcontracts", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("n_buyers", sa.Integer(), nullable=False),
        sa.Column("buyers", sa.Text(), nullable=True),
        sa.Column("first_award", sa.Integer(), nullable=True),
        sa.Column("last_award", sa.Integer(), nullable=True),
        sa.Column("answer_rank", sa.Integer(), nullable=False),
        sa.Column("name_rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_hosting_answer")),
    )
    op.create_index("ix_hosting_answer_provider", "hosting_answer", ["provider_id"])
    op.create_index("ix_hosting_answer_dst_provider", "hosting_answer", ["dst_provider_id"])
    op.create_index("ix_hosting_answer_provider_name", "hosting_answer", ["provider_name_lc"])
    op.create_index("ix_organization_kind", "organization", ["kind"])
    # Generation 1 for the data, 0 for the answer rows: they are built on first use.
    for sql in (*SEED_ROWS, *generation_ddl(op.get_bind().dialect.name)):
        op.get_bind().exec_driver_sql(sql)


def downgrade() -> None:
    for sql in drop_generation_ddl(op.get_bind().dialect.name):
        op.get_bind().exec_driver_sql(sql)
    op.drop_index("ix_organization_kind", table_name="organization")
    op.drop_table("hosting_answer")
    op.drop_table("data_generation")
