"""contracts of kind `reported` (awards stated in press, court and official prose, read in a document), and
their columns in the stored `uses` rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ANSWER_COLUMNS = (("reported_buyers", "TEXT"), ("reported_url", "TEXT"), ("reported_quote", "TEXT"))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _upgrade_sqlite(bind)
    else:
        op.alter_column("contract", "notice_id", existing_type=sa.Integer(), nullable=True)
        op.add_column("contract", sa.Column("kind", sa.String(length=12), server_default="notice", nullable=False))
        op.add_column("contract", sa.Column("source_kind", sa.String(length=12), nullable=True))
        op.add_column("contract", sa.Column("confidence", sa.Float(), server_default="1", nullable=False))
        op.add_column("contract", sa.Column("report_key", sa.String(length=64), nullable=True))
        op.add_column("hosting_answer", sa.Column("reported_contracts", sa.Integer(), server_default="0",
                                                  nullable=False))
        for name, _sql in ANSWER_COLUMNS:
            op.add_column("hosting_answer", sa.Column(name, sa.Text(), nullable=True))
    op.create_index("ix_contract_report_key", "contract", ["report_key"], unique=True)


def _upgrade_sqlite(bind: sa.Connection) -> None:
    """In place, without rebuilding `contract`: a rebuild drops the table, and with foreign keys on (as
    soustrace connects) that deletes every party role, site and relation of the contracts by cascade.

    Adding a column is an in-place schema change in SQLite; dropping a NOT NULL constraint is one too, made
    the way SQLite documents for changes that leave the stored rows as they are (the table's CREATE text
    edited under writable_schema, the schema version bumped so every connection reloads it).
    """
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = replace(sql, 'notice_id INTEGER NOT NULL', "
                         "'notice_id INTEGER') WHERE type = 'table' AND name = 'contract'")
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    for sql in (
        "ALTER TABLE contract ADD COLUMN kind VARCHAR(12) DEFAULT 'notice' NOT NULL",
        "ALTER TABLE contract ADD COLUMN source_kind VARCHAR(12)",
        "ALTER TABLE contract ADD COLUMN confidence FLOAT DEFAULT '1' NOT NULL",
        "ALTER TABLE contract ADD COLUMN report_key VARCHAR(64)",
        "ALTER TABLE hosting_answer ADD COLUMN reported_contracts INTEGER DEFAULT '0' NOT NULL",
        *(f"ALTER TABLE hosting_answer ADD COLUMN {name} {sql}" for name, sql in ANSWER_COLUMNS),
    ):
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    op.drop_index("ix_contract_report_key", table_name="contract")
    op.execute("DELETE FROM contract WHERE notice_id IS NULL")
    with op.batch_alter_table("hosting_answer") as batch:
        for name in ("reported_quote", "reported_url", "reported_buyers", "reported_contracts"):
            batch.drop_column(name)
    with op.batch_alter_table("contract") as batch:
        for name in ("report_key", "confidence", "source_kind", "kind"):
            batch.drop_column(name)
        batch.alter_column("notice_id", existing_type=sa.Integer(), nullable=False)
