"""The provider catalog: alias resolution, exclusions, address collisions, the fields the product reads."""

from __future__ import annotations

import json

import pytest

from soustrace.catalog import CATALOG_PATH, get_catalog, normalise, resolve
from soustrace.paths import DATA_DIR


@pytest.fixture(scope="module")
def catalog():
    return get_catalog()


@pytest.mark.parametrize(
    ("surface", "pid"),
    [
        ("OVH SAS", "ovhcloud"),
        ("Ovh", "ovhcloud"),
        ("Kimsufi", "ovhcloud"),
        ("So you Start", "ovhcloud"),
        ("Amazon Web Services", "aws"),
        ("AWS", "aws"),
        ("Amazon Web Services EMEA SARL", "aws"),
        ("Amazon Web Services, Inc", "aws"),
        ("Google Cloud Platform", "gcp"),
        ("Firebase", "gcp"),
        ("Microsoft Inc (Azure)", "azure"),
        ("Online SAS", "scaleway"),
        ("Netlify, Inc.", "netlify"),
        ("IONOS SE", "ionos"),
        ("1&1", "ionos"),
        ("O2SWITCH", "o2switch"),
        ("Hetzner Online GmbH", "hetzner"),
        ("Scalingo SAS", "scalingo"),
    ],
)
def test_resolve_aliases(surface, pid):
    assert resolve(surface) == pid


def test_resolve_refuses_generic_and_unknown_words(catalog):
    assert catalog.resolve("online") is None  # 'Online SAS' must not make the word 'online' a provider
    assert catalog.resolve("Achat Web Solution") is None
    assert catalog.resolve("Bleu") == "bleu"
    assert catalog.resolve("bleu") is None  # ordinary word: exact case only
    assert catalog.resolve("render") is None
    assert catalog.resolve("") is None


def test_domains(catalog):
    assert catalog.resolve_domain("https://gstarmix.github.io/x") == "github_pages"
    assert catalog.resolve_domain("moodle-dev.francecentral.cloudapp.azure.com") == "azure"
    assert catalog.resolve_domain("d111.cloudfront.net") == "aws"
    assert catalog.resolve_domain("example.org") is None


def test_address_resolution_and_courbevoie_collision(catalog):
    assert catalog.resolve_address("2 rue Kellermann - BP 80157 - 59053 Roubaix Cedex 1") == "ovhcloud"
    assert catalog.resolve_address("91 rue du Faubourg Saint Honoré - 75008 Paris") == "alwaysdata"
    # AWS's French branch and Thales (S3NS) share the building: address alone must not decide
    assert catalog.resolve_address("31 Place des Corolles, Tour Carpe Diem, 92400 Courbevoie") is None
    assert catalog.resolve_address("8 rue de la Paix 75002 Paris") is None


def test_catalog_fields_and_draft_coverage(catalog):
    draft = json.loads((DATA_DIR / "samples" / "hosting" / "providers_draft.json").read_text(encoding="utf-8"))
    assert {p["id"] for p in draft["providers"]} <= set(catalog.providers)
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    for pid, prov in raw["providers"].items():
        for key in (
            "display_name",
            "legal_entities",
            "aliases",
            "domains",
            "hq_country",
            "jurisdiction",
            "cloud_act",
            "secnumcloud",
            "runs_on",
            "kind",
        ):
            assert key in prov, (pid, key)
        assert prov["jurisdiction"] in {"EU", "non-EU", None}
        assert prov["cloud_act"] in {True, False, "claimed_immune", None}
    aws = raw["providers"]["aws"]
    assert aws["jurisdiction"] == "non-EU" and aws["cloud_act"] is True
    assert aws["legal_entities"][0]["registration"]["number"] == "B 186284"
    assert aws["legal_entities"][0]["registration"]["verified"] is False
    assert raw["providers"]["s3ns"]["cloud_act"] == "claimed_immune"
    assert raw["providers"]["ovhcloud"]["jurisdiction"] == "EU"
    assert raw["providers"]["infomaniak"]["jurisdiction"] == "non-EU"  # Switzerland
    assert any(r["provider_ids"] == ["outscale"] for r in raw["providers"]["scalingo"]["runs_on"])
    assert "Kimsufi" in raw["providers"]["ovhcloud"]["aliases"]
    surfaces = " ".join(e["surface"] for e in raw["exclusions"])
    assert "AWS" in surfaces and "Gandi" in surfaces and "OVH" in surfaces


def test_normalise_folds_legal_forms():
    assert normalise("Scaleway SAS") == normalise("scaleway")
    assert normalise("Netlify, Inc.") == "netlify"
    assert normalise("la société OVH") == "ovh"
