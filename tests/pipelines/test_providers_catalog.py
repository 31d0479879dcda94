"""The catalog in the database: providers with their sovereignty facts, legal entities as organisations."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.catalog import get_catalog
from soustrace.cli import cli
from soustrace.models import Organization, Provider
from soustrace.pipelines.store import Writer
from soustrace.pipelines.store.providers import ensure_providers, find_provider
from soustrace.records import OrgRef

N_PROVIDERS = len(get_catalog().providers)  # every entry of data/providers.json (63 since issue 13)


def test_catalog_loads_once_with_legal_entities(engine) -> None:
    assert ensure_providers(engine) == N_PROVIDERS
    assert ensure_providers(engine) == 0  # same file: nothing to do
    with Session(engine) as s:
        ovh = s.get(Provider, "ovhcloud")
        assert (ovh.jurisdiction, ovh.cloud_act, ovh.hq_country) == ("EU", "false", "FR")
        aws = s.get(Provider, "aws")
        assert (aws.jurisdiction, aws.cloud_act) == ("non-EU", "true")
        # OVH SAS, RCS Lille Métropole 424 761 419 (as quoted in the catalog) is the organisation of that SIREN
        entity = s.scalars(select(Organization).where(Organization.org_key == "FR-SIREN:424761419")).one()
        assert entity.provider_id == "ovhcloud" and entity.kind == "provider" and entity.id_valid
        assert s.scalar(select(func.count()).select_from(Organization).where(Organization.provider_id == "aws")) == 3


def test_a_winner_with_a_provider_siren_is_that_provider(engine) -> None:
    ensure_providers(engine)
    with Session(engine) as s, s.begin():
        org = Writer(s).org(OrgRef(name="OVH", national_id="424 761 419 00045", id_scheme="SIRET"))
        assert org.provider_id == "ovhcloud"


def test_find_provider_by_alias(engine) -> None:
    ensure_providers(engine)
    assert find_provider(engine, "Amazon Web Services").id == "aws"
    assert find_provider(engine, "ovh").id == "ovhcloud"
    assert find_provider(engine, "nope") is None


def test_providers_cli(db_url) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", db_url, "providers", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["id"]: r for r in json.loads(listed.output)}
    assert rows["outscale"]["jurisdiction"] == "EU" and len(rows) == N_PROVIDERS
    shown = runner.invoke(cli, ["--db", db_url, "providers", "show", "AWS"])
    assert shown.exit_code == 0 and json.loads(shown.output)["id"] == "aws"
    missing = runner.invoke(cli, ["--db", db_url, "providers", "show", "nope"])
    assert missing.exit_code == 1 and "no provider 'nope'" in missing.output
