"""The demo's chain step on the real excerpts (data/samples/chains), offline: `uses aws` without --all-orgs
lists Bluenove and Doctolib with their reported contracts (quote and URL), and `chain DITP` shows its own
site built by OCTO TECHNOLOGY and hosted by OVH, from the site's real legal notice."""

from __future__ import annotations

from soustrace.commands.demo import ingest_chains
from soustrace.queries.chain import chain, iter_nodes
from soustrace.queries.uses import uses
from tests.samples import SAMPLES


def test_demo_chains_answer_uses_and_chain(sqlite_engine) -> None:
    counts = ingest_chains(sqlite_engine, SAMPLES / "chains")
    assert counts["legal_pages"] == 1 and counts["reported_contracts"] >= 2
    frame = uses(sqlite_engine, "aws").set_index("contractor")
    for name, buyer in (("Bluenove", "CNR"), ("Doctolib", "Ministère des Solidarités et de la Santé")):
        row = frame.loc[[name]].iloc[0]
        assert row["reported_contracts"] >= 1 and buyer in row["reported_buyers"]
        assert row["reported_url"].startswith("https://") and row["reported_quote"]
        assert row["evidence_url"].startswith("https://") and row["evidence_text"]
    nodes = iter_nodes(chain(sqlite_engine, "DITP"))
    (site,) = [n for n in nodes if n["type"] == "site"]
    assert site["label"] == "https://participation-citoyenne.gouv.fr"
    edges = {(k["edge"]["kind"], k.get("provider_id") or k["label"]) for k in site["children"]}
    assert ("built-by", "OCTO TECHNOLOGY") in edges and ("hosting", "ovhcloud") in edges
    again = ingest_chains(sqlite_engine, SAMPLES / "chains")
    assert again["reported_contracts"] == counts["reported_contracts"]
    assert len(uses(sqlite_engine, "aws")) == len(frame)
