"""indexes for answers at scale: relations by kind/status, covering party roles, contracts by buyer/date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_relation_kind_status", "relation", ["kind", "status"])
    op.create_index("ix_contract_buyer_date", "contract", ["buyer_id", "award_date"])
    op.drop_index("ix_party_role_org", table_name="party_role")
    op.create_index("ix_party_role_org", "party_role", ["org_id", "role", "contract_id"])


def downgrade() -> None:
    op.drop_index("ix_party_role_org", table_name="party_role")
    op.create_index("ix_party_role_org", "party_role", ["org_id", "role"])
    op.drop_index("ix_contract_buyer_date", table_name="contract")
    op.drop_index("ix_relation_kind_status", table_name="relation")
