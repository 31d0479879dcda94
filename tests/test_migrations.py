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


def test_0005_recomputes_name_keys_with_the_one_normaliser(db_url) -> None:
    """Keys stored by 0004-era code (legal forms 'SE'/'CORP' kept) match what the store computes after 0005.

    Names from the real samples: "LIBERTY MUTUAL INSURANCE EUROPE SE" (a TED winner) and "M3C INGENIERIE
    (Co-traitant du groupement)" (a BOAMP winner whose role marker the old list cut in the middle).
    """
    from alembic import command
    from sqlalchemy import text

    from soustrace.db import alembic_config, make_engine
    from soustrace.names import normalize_name

    engine = make_engine(db_url, upgrade=False)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    old = {"LIBERTY MUTUAL INSURANCE EUROPE SE": "LIBERTY MUTUAL INSURANCE EUROPE SE",
           "M3C INGENIERIE (Co-traitant du groupement)": "M3C INGENIERIE TRAITANT DU GROUPEMENT",
           "KEEP ME": "KEEP ME"}
    with engine.begin() as conn:
        for i, (name, norm) in enumerate(old.items(), start=1):
            conn.execute(text("INSERT INTO organization (id, org_key, name, normalized_name, kind) "
                              "VALUES (:i, :k, :n, :nn, 'company')"),
                         {"i": i, "k": f"NAME:{norm}", "n": name, "nn": norm})
        conn.execute(text("INSERT INTO relation (id, edge_key, kind, role, status, method, src_org_id, provider_name, "
                          "confidence, first_seen, last_seen) VALUES (1, :k, 'hosting', 'host', 'current', 'nlp', 3, "
                          "'Example Hosting SE', 0.9, :t, :t)"),
                     {"k": "hosting|host|current|nlp|3|||EXAMPLE HOSTING SE|||", "t": "2026-12-04 00:00:00"})
    upgrade_schema(engine)
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT name, org_key FROM organization")).all())
        edge = conn.execute(text("SELECT edge_key FROM relation")).scalar_one()
    assert keys == {name: f"NAME:{normalize_name(name)}" for name in old}
    assert keys["LIBERTY MUTUAL INSURANCE EUROPE SE"] == "NAME:LIBERTY MUTUAL INSURANCE EUROPE"
    assert keys["M3C INGENIERIE (Co-traitant du groupement)"] == "NAME:M3C INGENIERIE DU GROUPEMENT"
    assert edge == "hosting|host|current|nlp|3|||EXAMPLE HOSTING|||"
    engine.dispose()
