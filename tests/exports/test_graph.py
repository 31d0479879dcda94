"""The graph export: counts and attributes survive GEXF/GraphML/JSON/CSV round trips; filters cut the graph.

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from answers_data import TED_URL, build

from soustrace.exports.graph import build_graph
from soustrace.exports.graph_files import write_graph

YAHOO = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


def kinds(g: nx.MultiDiGraph) -> dict[str, int]:
    return dict(Counter(d["kind"] for _, _, d in g.edges(data=True)))


def types(g: nx.MultiDiGraph) -> dict[str, int]:
    return dict(Counter(d["type"] for _, d in g.nodes(data=True)))


def test_whole_graph(engine) -> None:
    build(engine)
    g = build_graph(engine)
    assert (g.number_of_nodes(), g.number_of_edges()) == (13, 20)
    assert types(g) == {"buyer": 2, "contract": 3, "organization": 4, "provider": 3, "site": 1}
    assert kinds(g) == {"awards": 3, "party": 7, "declared-subcontract": 2, "delivers-site": 1, "hosting": 6,
                        "runs-on": 1}


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gexf_and_graphml_read_back(engine, tmp_path: Path, fmt: str) -> None:
    ids = build(engine)
    g = build_graph(engine, provider="aws")
    assert (g.number_of_nodes(), g.number_of_edges()) == (12, 19)
    [path] = write_graph(g, tmp_path / f"aws.{fmt}")
    back = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    assert isinstance(back, nx.MultiDiGraph)
    assert (back.number_of_nodes(), back.number_of_edges()) == (12, 19)
    assert types(back) == {"buyer": 2, "contract": 3, "organization": 4, "provider": 2, "site": 1}
    aws = back.nodes["provider:aws"]
    assert (aws["jurisdiction"], aws["cloud_act"], aws["secnumcloud"], aws["label"]) == (
        "non-EU", "true", "not-qualified", "Amazon Web Services (AWS)")
    lot1 = back.nodes[f"contract:{ids.lot1}"]
    assert (float(lot1["amount"]), lot1["currency"], lot1["award_date"], lot1["url"]) == (
        224675.0, "EUR", "2024-10-16", TED_URL)
    assert back.nodes[f"org:{ids.kiro}"]["siren"] == "829220383"
    [edge] = [d for _, _, d in back.edges(f"org:{ids.kiro}", data=True) if d["kind"] == "hosting"]
    assert (edge["role"], edge["status"], edge["method"], float(edge["confidence"]), int(edge["evidence_count"]),
            edge["evidence_url"], edge["evidence_text"]) == (
        "host", "current", "nlp", 0.9, 1, YAHOO, "Amazon Web Services")
    assert back.has_edge("provider:netlify", "provider:aws")


def test_json_and_csv(engine, tmp_path: Path) -> None:
    build(engine)
    g = build_graph(engine, provider="aws")
    [path] = write_graph(g, tmp_path / "g.json")
    back = nx.node_link_graph(json.loads(path.read_text()), edges="edges")
    assert (back.number_of_nodes(), back.number_of_edges()) == (12, 19)
    nodes, edges = write_graph(g, tmp_path / "g.csv")
    assert (nodes.name, edges.name) == ("g.nodes.csv", "g.edges.csv")
    with nodes.open() as fh:
        node_rows = list(csv.DictReader(fh))
    with edges.open() as fh:
        edge_rows = list(csv.DictReader(fh))
    assert (len(node_rows), len(edge_rows)) == (12, 19)
    assert {r["id"]: r["jurisdiction"] for r in node_rows if r["type"] == "provider"} == {
        "provider:aws": "non-EU", "provider:netlify": "non-EU"}


@pytest.mark.parametrize(("kwargs", "contracts", "providers"), [
    ({"buyer": "Bordeaux"}, 1, {"provider:aws"}),
    ({"date_from": "2020"}, 2, {"provider:aws", "provider:ovhcloud", "provider:netlify"}),
    ({"provider": "ovhcloud"}, 2, {"provider:ovhcloud"}),
    ({"provider": "aws", "date_to": "2000"}, 0, set()),
    ({"current_only": True}, 3, {"provider:aws", "provider:ovhcloud"}),
])
def test_filters_cut_the_graph(engine, kwargs: dict, contracts: int, providers: set[str]) -> None:
    build(engine)
    g = build_graph(engine, **kwargs)
    assert types(g).get("contract", 0) == contracts
    assert {n for n, d in g.nodes(data=True) if d["type"] == "provider"} == providers


def test_attributes_are_scalars_never_none(engine) -> None:
    build(engine)
    g = build_graph(engine)
    values = [v for _, d in g.nodes(data=True) for v in d.values()]
    values += [v for _, _, d in g.edges(data=True) for v in d.values()]
    assert all(isinstance(v, str | int | float) for v in values)


def test_graphml_with_control_characters_is_written_and_read_back(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("org:1", type="organization", label="ACME\x01 SAS\x1b[2J")
    g.add_node("provider:aws", type="provider", label="Amazon Web Services")
    g.add_edge("org:1", "provider:aws", key="relation:1", kind="hosting", evidence_text="h\x0bosted")
    [path] = write_graph(g, tmp_path / "g.graphml")
    back = nx.read_graphml(path)
    assert back.nodes["org:1"]["label"] == "ACME  SAS [2J"
    assert [d["evidence_text"] for _, _, d in back.edges(data=True)] == ["h osted"]


def test_a_failed_export_leaves_no_file_and_keeps_the_previous_one(tmp_path: Path, monkeypatch) -> None:
    from soustrace.exports import graph_files

    g = nx.MultiDiGraph()
    g.add_node("org:1", type="organization", label="ACME")
    out = tmp_path / "g.gexf"
    out.write_text("previous export", encoding="utf-8")

    def broken(graph, path):
        path.write_text("<gexf half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph_files, "write_gexf", broken)
    with pytest.raises(OSError, match="No space left"):
        write_graph(g, out)
    assert out.read_text(encoding="utf-8") == "previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["g.gexf"]  # no temporary file left behind


def test_a_provider_is_drawn_for_an_organisation_without_contract(engine) -> None:
    """Bluenove (real: the HuffPost article, tests/fixtures/answers dev-015) holds no contract in the database."""
    from sqlalchemy.orm import Session

    from soustrace.pipelines.store import Writer
    from soustrace.records import EvidenceRecord, OrgRef

    build(engine)
    with Session(engine) as s, s.begin():
        w = Writer(s)
        bluenove = w.org(OrgRef(name="Bluenove"))
        rel = w.relation(kind="hosting", method="press", src=bluenove, provider_id="aws", role="host",
                         status="current", confidence=0.8)
        w.evidence(EvidenceRecord(text="hébergé en partie sur les serveurs d'Amazon", extractor="test"),
                   kind="press", relation_id=rel.id)
    g = build_graph(engine, provider="aws")
    [node] = [n for n, d in g.nodes(data=True) if d.get("label") == "Bluenove"]
    assert g.nodes[node]["contracts_in_graph"] == 0
    assert [d["kind"] for _, t, d in g.out_edges(node, data=True) if t == "provider:aws"] == ["hosting"]
    assert build_graph(engine, provider="aws", date_to="2000").number_of_nodes() == 0


def test_the_demo_graph_joins_reported_awards_to_their_host(tmp_path_factory) -> None:
    """After `soustrace demo` (real samples): CNR → reported award → Bluenove → AWS, the award marked reported."""
    from demo_db import demo_database

    from soustrace.db import make_engine

    engine = make_engine(f"sqlite:///{demo_database(tmp_path_factory)}")
    g = build_graph(engine, provider="aws")
    by_label = {d["label"]: n for n, d in g.nodes(data=True)}
    bluenove = by_label["Bluenove"]
    [(contract, _, party)] = [(s, t, d) for s, t, d in g.in_edges(bluenove, data=True) if d["kind"] == "party"]
    assert party["role"] == "reported" and "remporté l" in party["evidence_text"]
    assert g.nodes[contract]["contract_kind"] == "reported" and g.nodes[contract]["source_kind"] == "press"
    assert [g.nodes[s]["label"] for s, _ in g.in_edges(contract)] == ["CNR"]
    assert [d["kind"] for _, t, d in g.out_edges(bluenove, data=True) if t == "provider:aws"] == ["hosting"]
    engine.dispose()
