"""One self-contained HTML file to explore the graph offline: zoom/pan, search, filters, click for evidence.

A journalist opens it from a laptop, a USB key or an e-mail attachment, possibly offline: so the file
loads nothing (no CDN, no fetch, no font), and the layout and drawing are a small hand-written script
(`graph_view.js`) inlined with the data. SVG rather than canvas so nodes are real DOM elements: they can
be searched, clicked, and checked by a headless browser test. The chains read left to right (buyer →
contract → contractor → site → provider); providers are coloured by their exposure (EU, non-EU, US CLOUD
Act). Above a few thousand nodes a drawing is a blob nobody reads: contracts are folded into one
"awarded" edge per buyer and contractor (count and amounts kept), and past that the export asks for a
filter. Names and quotes come from the open web: the data is embedded as JSON whose `<`, `>` and `&` are
escaped (`\u003c`...), valid JSON that no string can turn into markup.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import networkx as nx

JS = Path(__file__).with_name("graph_view.js")
AGGREGATE_ABOVE = 2500  # nodes: above this, contracts are folded into buyer → contractor edges
MAX_NODES = 8000  # after folding: beyond this an SVG in a browser becomes unusable, filter the export instead

# Nothing may be fetched: only the inline script and style run.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
EDGE_KEYS = ("kind", "role", "status", "method", "confidence", "evidence_count", "evidence_url", "evidence_ref",
             "evidence_text", "contracts", "amounts")
NODE_TYPES = (("buyer", "buyer", "#8e44ad"), ("contract", "contract", "#2980b9"),
              ("organization", "organisation", "#2c3e50"), ("site", "site", "#16a085"), ("provider", "provider", ""))
EXPOSURES = (("cloud-act", "non-EU, CLOUD Act", "#c0392b"), ("non-eu", "non-EU", "#e67e22"),
             ("eu", "EU", "#27ae60"), ("unknown", "unknown", "#95a5a6"))
EDGE_KINDS = (("awards", "awards"), ("party", "contractor role"), ("declared-subcontract", "subcontract"),
              ("hosting", "hosting"), ("built-by", "built by"), ("operates-site", "operates site"),
              ("delivers-site", "delivers site"), ("runs-on", "runs on"))
_JSON_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                                 "\u2029": "\\u2029"})

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       display: grid; grid-template-columns: 1fr 400px; grid-template-rows: auto auto 1fr; height: 100vh; }
header { grid-column: 1 / 3; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 12px;
         border-bottom: 1px solid #ddd; background: #fafafa; }
header h1 { font-size: 16px; margin: 0; }
#filters { grid-column: 1 / 3; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 4px 12px; font-size: 12px;
           border-bottom: 1px solid #eee; }
#filters fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 8px; align-items: center; }
#filters legend { float: left; font-weight: 600; margin-right: 4px; }
#filters i { width: 10px; height: 10px; display: inline-block; margin-right: 3px; border-radius: 50%; }
#filters i.square { border-radius: 2px; }
#search { width: 280px; padding: 5px 8px; font-size: 14px; }
#graph { width: 100%; height: 100%; background: #fff; cursor: grab; display: block; }
#details { overflow: auto; padding: 10px 14px; border-left: 1px solid #ddd; background: #fcfcfc; }
#empty { padding: 40px; font-size: 16px; }
.muted { color: #777; font-size: 12px; }
.edge { fill: none; stroke: #b8b8b8; stroke-width: 1; }
.edge.kind-hosting { stroke: #e67e22; stroke-width: 1.6; }
.edge.kind-built-by { stroke: #8e44ad; stroke-width: 1.4; stroke-dasharray: 6 3; }
.edge.kind-declared-subcontract { stroke: #c0392b; stroke-dasharray: 4 2; }
.edge.kind-awards { stroke: #9b59b6; }
.edge.not-current { stroke-dasharray: 2 3; opacity: .6; }
.edge.selected { stroke: #000; stroke-width: 2.2; }
.edge-label { font-size: 9px; fill: #666; text-anchor: middle; pointer-events: none; }
.hidden { display: none; }
.node { cursor: pointer; }
.node circle, .node rect { stroke: #fff; stroke-width: 1.5; }
.node text { font-size: 11px; fill: #222; pointer-events: none; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.node.type-provider text { font-weight: 600; font-size: 12px; }
.node.match circle, .node.match rect { stroke: #e74c3c; stroke-width: 4; }
.node.selected circle, .node.selected rect { stroke: #000; stroke-width: 3; }
.node.dim { opacity: .25; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 12px; }
dt { color: #555; } dd { margin: 0; word-break: break-word; }
ol.edges { padding-left: 18px; } ol.edges li { margin-bottom: 10px; }
.edge-title { font-weight: 600; }
blockquote { margin: 4px 0; padding: 4px 8px; border-left: 3px solid #e67e22; background: #fff8f0; }
a { word-break: break-all; }
"""


def exposure(attrs: dict[str, Any]) -> str:
    """eu | non-eu | cloud-act | unknown, from the catalog facts on a provider node."""
    if str(attrs.get("cloud_act")).lower() == "true":
        return "cloud-act"
    jurisdiction = str(attrs.get("jurisdiction") or "").lower()
    return {"eu": "eu", "non-eu": "non-eu"}.get(jurisdiction, "unknown")


def fold_contracts(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with contract nodes replaced by one `awards` edge per buyer and contractor.

    The edge keeps how many contracts it stands for and their amounts per currency, so nothing is lost
    that a reader of a large picture needs; the individual contracts stay in the other formats.
    """
    folded = nx.MultiDiGraph(**graph.graph)
    folded.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if d.get("type") != "contract")
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for contract, data in graph.nodes(data=True):
        if data.get("type") != "contract":
            continue
        buyers = [s for s, _, d in graph.in_edges(contract, data=True) if d.get("kind") == "awards"] or [None]
        winners = [t for _, t, d in graph.out_edges(contract, data=True) if d.get("kind") == "party"]
        for buyer in buyers:
            for winner in winners:
                if buyer is None:
                    continue
                pair = pairs.setdefault((buyer, winner), {"contracts": 0, "amounts": {}})
                pair["contracts"] += 1
                if data.get("amount") is not None:
                    cur = data.get("currency") or "?"
                    pair["amounts"][cur] = pair["amounts"].get(cur, 0.0) + float(data["amount"])
    for (buyer, winner), pair in pairs.items():
        amounts = ", ".join(f"{v:,.0f} {c}" for c, v in sorted(pair["amounts"].items()))
        folded.add_edge(buyer, winner, key=f"awards:{buyer}:{winner}", kind="awards", role="buyer",
                        status="current", method="structured", confidence=1.0, contracts=pair["contracts"],
                        amounts=amounts, evidence_count=pair["contracts"])
    folded.add_edges_from((s, t, k, d) for s, t, k, d in graph.edges(keys=True, data=True)
                          if s in folded and t in folded)
    n = sum(1 for _, d in graph.nodes(data=True) if d.get("type") == "contract")
    folded.graph["aggregated"] = f"{n} contracts folded into buyer \u2192 contractor edges"
    return folded


def graph_payload(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes with all their attributes, edges with the fields the evidence panel shows."""
    nodes = []
    for n, d in graph.nodes(data=True):
        node = {"id": n, "label": d.get("label", n), "type": d.get("type", "organization"), "attrs": d}
        if node["type"] == "provider":
            node["exposure"] = exposure(d)
        nodes.append(node)
    edges = [{"source": s, "target": t, **{k: d[k] for k in EDGE_KEYS if k in d}}
             for s, t, d in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges, "graph": dict(graph.graph)}


def embed_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no string in it can close the element or open a comment."""
    return json.dumps(value, ensure_ascii=False, default=str).translate(_JSON_HTML_SAFE)


def _filters() -> str:
    def box(group: str, value: str, label: str, colour: str = "", square: bool = False) -> str:
        swatch = f'<i class="{"square" if square else ""}" style="background:{colour}"></i>' if colour else ""
        return (f'<label><input type="checkbox" data-filter="{group}" value="{value}" checked>'
                f"{swatch}{html.escape(label)}</label>")

    types = "".join(box("type", v, label, c) for v, label, c in NODE_TYPES)
    exposures = "".join(box("exposure", v, label, c, square=True) for v, label, c in EXPOSURES)
    kinds = "".join(box("kind", v, label) for v, label in EDGE_KINDS)
    return (f'<nav id="filters"><fieldset><legend>Show</legend>{types}</fieldset>'
            f"<fieldset><legend>Providers</legend>{exposures}</fieldset>"
            f"<fieldset><legend>Edges</legend>{kinds}"
            '<label><input type="checkbox" id="current-only">current edges only</label></fieldset></nav>')


def render_html(graph: nx.MultiDiGraph, title: str = "soustrace graph", *, max_nodes: int = MAX_NODES,
                aggregate_above: int = AGGREGATE_ABOVE) -> str:
    """The whole page as a string (data and script inline)."""
    if graph.number_of_nodes() > aggregate_above:
        graph = fold_contracts(graph)
    if graph.number_of_nodes() > max_nodes:
        raise ValueError(f"{graph.number_of_nodes()} nodes is too many for an HTML view (max {max_nodes}), even "
                         "with contracts folded: filter with --provider, --buyer or --from/--to, or export gexf "
                         "for Gephi")
    empty = ""
    if not graph.number_of_nodes():
        reason = graph.graph.get("empty_reason") or "nothing to draw"
        empty = f'<p id="empty">Nothing to draw: {html.escape(str(reason))}.</p>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
  <h1>{html.escape(title)}</h1>
  <input id="search" type="search" placeholder="Search a name or SIREN, Enter to go" autocomplete="off">
  <span id="match-count" class="muted"></span>
  <button id="fit" type="button">Fit</button>
  <span class="muted">buyer \u2192 contract \u2192 contractor \u2192 site \u2192 provider</span>
  <span id="summary" class="muted"></span>
</header>
{_filters()}
<svg id="graph" xmlns="http://www.w3.org/2000/svg"><g id="viewport"></g></svg>
<aside id="details">{empty}<p class="muted">Click a node to see its attributes and the evidence of each of its
edges (quote, source URL). Scroll to zoom, drag to pan.</p></aside>
<script id="graph-data" type="application/json">{embed_json(graph_payload(graph))}</script>
<script>{JS.read_text(encoding="utf-8")}</script>
</body>
</html>
"""


def write_html(graph: nx.MultiDiGraph, out: Path, title: str | None = None) -> Path:
    provider = graph.graph.get("provider")
    out.write_text(render_html(graph, title or ("soustrace graph" + (f": {provider}" if provider else ""))),
                   encoding="utf-8")
    return out
