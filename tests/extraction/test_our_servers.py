"""The writer's own servers at a provider (second_pass._our_servers_rule), on the real chain excerpt and
minimal shapes: a provider named by its trade alone stays no relation."""

from __future__ import annotations

import pytest

from soustrace.extraction.extract import extract_many
from soustrace.hosting.excerpts import read_excerpts
from tests.samples import SAMPLES


def triples(text: str) -> set[tuple[str | None, str | None, str | None]]:
    (ex,) = extract_many([(None, text, None)])
    return {(r.get("provider_id"), r.get("role"), r.get("status")) for r in ex.relations}


def test_the_vendors_outage_post_names_its_host() -> None:
    # C4 of data/samples/chains: Cap Collectif's 2017 post, "… chez l'hébergeur français OVH, dont les serveurs
    # abritent l'ensemble des instances de nos clients"
    path = next((SAMPLES / "chains").glob("05_*.txt"))
    found = set().union(*(triples(ex.text) for ex in read_excerpts(path)))
    assert ("ovhcloud", "host", "current") in found


@pytest.mark.parametrize("text", [
    "Nos serveurs sont chez l'hébergeur français OVH.",
    "Our servers are at OVHcloud, in Roubaix.",
])
def test_our_servers_at_a_provider(text: str) -> None:
    assert ("ovhcloud", "host", "current") in triples(text)


@pytest.mark.parametrize("text", [
    "OVH est un hébergeur français.",
    "OVH, dont les serveurs abritent des milliers de sites, est un hébergeur français.",
    "Vos serveurs peuvent être chez OVH ou chez Scaleway, selon votre choix.",
])
def test_a_provider_described_or_offered_is_no_relation(text: str) -> None:
    assert not {t for t in triples(text) if t[0] in {"ovhcloud", "scaleway"} and t[2] == "current"}
