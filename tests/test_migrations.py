"""The Alembic migrations build exactly the schema the models declare, on both backends, and upgrade is
idempotent (the schema is upgraded automatically on first use)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from soustrace.cli import cli
from soustrace.db import current_revision, head_revision, upgrade_schema
from soustrace.models import Base


def test_migrations_match_the_models(engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert current_revision(engine) == head_revision()
    assert upgrade_schema(engine) is False  # already at head: nothing runs


def test_db_upgrade_command(db_url) -> None:
    first = CliRunner().invoke(cli, ["--db", db_url, "db", "upgrade"])
    assert first.exit_code == 0 and "upgraded revision" in first.output
    again = CliRunner().invoke(cli, ["--db", db_url, "db", "upgrade"])
    assert again.exit_code == 0 and "already at revision" in again.output
