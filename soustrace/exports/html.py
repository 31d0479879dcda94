"""One self-contained HTML file to explore the graph offline: zoom/pan, search a name, click for evidence.

A journalist opens it from a laptop, a USB key or an e-mail attachment, possibly offline: so the file
loads nothing (no CDN, no fetch, no font), and the layout and drawing are a small hand-written script
(`graph_view.js`) inlined with the data. SVG rather than canvas so nodes are real DOM elements: they can
be searched, clicked, and checked by a headless browser test.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import networkx as nx

JS = Path(__file__).with_name("graph_view.js")
MAX_NODES = 20000  # beyond this an SVG in a browser becomes unusable: filter the export instead

# Nothing may be fetched: only the inline script and style run.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
EDGE_KEYS = ("kind", "role", "status", "method", "confidence", "evidence_count", "evidence_url", "evidence_ref",
             "evidence_text")

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       display: grid; grid-template-columns: 1fr 380px; grid-template-rows: auto 1fr; height: 100vh; }
header { grid-column: 1 / 3; display: flex; gap: 12px; align-items: center; padding: 8px 12px;
         border-bottom: 1px solid #ddd; background: #fafafa; }
header h1 { font-size: 16px; margin: 0; }
#search { width: 280px; padding: 5px 8px; font-size: 14px; }
#graph { width: 100%; height: 100%; background: #fff; cursor: grab; display: block; }
#details { overflow: auto; padding: 10px 14px; border-left: 1px solid #ddd; background: #fcfcfc; }
.muted { color: #777; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 10px; font-size: 12px; }
.legend i { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
.edge { stroke: #b8b8b8; stroke-width: 1; }
.edge.kind-hosting { stroke: #e67e22; stroke-width: 1.5; }
.edge.kind-declared-subcontract { stroke: #c0392b; stroke-dasharray: 4 2; }
.edge.not-current { stroke-dasharray: 2 3; opacity: .6; }
.node { cursor: pointer; }
.node circle { stroke: #fff; stroke-width: 1.5; }
.node text { font-size: 11px; fill: #333; pointer-events: none; }
.node.match circle { stroke: #e74c3c; stroke-width: 4; }
.node.selected circle { stroke: #000; stroke-width: 3; }
.node.dim { opacity: .25; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 12px; }
dt { color: #555; } dd { margin: 0; word-break: break-word; }
ol.edges { padding-left: 18px; } ol.edges li { margin-bottom: 10px; }
.edge-title { font-weight: 600; }
blockquote { margin: 4px 0; padding: 4px 8px; border-left: 3px solid #e67e22; background: #fff8f0; }
a { word-break: break-all; }
"""


def graph_payload(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes with all their attributes, edges with the fields the evidence panel shows."""
    nodes = [{"id": n, "label": d.get("label", n), "type": d.get("type", "organization"), "attrs": d}
             for n, d in graph.nodes(data=True)]
    edges = [{"source": s, "target": t, **{k: d[k] for k in EDGE_KEYS if k in d}}
             for s, t, d in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges, "graph": dict(graph.graph)}


def render_html(graph: nx.MultiDiGraph, title: str = "soustrace graph", *, max_nodes: int = MAX_NODES) -> str:
    """The whole page as a string (data and script inline)."""
    if graph.number_of_nodes() > max_nodes:
        raise ValueError(f"{graph.number_of_nodes()} nodes is too many for an HTML view (max {max_nodes}): "
                         "filter with --provider, --buyer or --from/--to, or export gexf for Gephi")
    data = json.dumps(graph_payload(graph), ensure_ascii=False, default=str)
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")  # cannot close the <script> element
    legend = "".join(f'<span><i style="background:{c}"></i>{t}</span>' for t, c in (
        ("buyer", "#8e44ad"), ("contract", "#2980b9"), ("organisation", "#27ae60"), ("site", "#16a085"),
        ("provider", "#e67e22")))
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
  <span class="legend">{legend}</span>
  <span id="summary" class="muted"></span>
</header>
<svg id="graph" xmlns="http://www.w3.org/2000/svg"><g id="viewport"></g></svg>
<aside id="details"><p class="muted">Click a node to see its attributes and the evidence of each of its edges.
Scroll to zoom, drag to pan.</p></aside>
<script id="graph-data" type="application/json">{data}</script>
<script>{JS.read_text(encoding="utf-8")}</script>
</body>
</html>
"""


def write_html(graph: nx.MultiDiGraph, out: Path, title: str | None = None) -> Path:
    provider = graph.graph.get("provider")
    out.write_text(render_html(graph, title or ("soustrace graph" + (f": {provider}" if provider else ""))),
                   encoding="utf-8")
    return out
