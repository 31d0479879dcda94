"""The graph's files: GEXF (Gephi), GraphML, node-link JSON, two CSV tables, the offline HTML view.

Each file is written through `atomic_path`, so a failed export leaves no truncated file. Characters that
XML 1.0 cannot hold (control characters in a name copied from a hostile page) are replaced by a space in
the XML formats; JSON and CSV keep the text as it is.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from soustrace.exports.atomic import atomic_path

GRAPH_FORMATS = ("gexf", "graphml", "json", "csv", "html")
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def write_graph(graph: nx.MultiDiGraph, out: Path, fmt: str | None = None) -> list[Path]:
    """Write `graph` as gexf|graphml|json|csv|html (from `out`'s suffix when `fmt` is None); returns the files."""
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}: use one of {', '.join(GRAPH_FORMATS)}")
    if fmt == "csv":
        return write_csv(graph, out)
    with atomic_path(out) as tmp:
        if fmt == "gexf":
            write_gexf(graph, tmp)
        elif fmt == "graphml":
            nx.write_graphml(xml_safe(graph), tmp)
        elif fmt == "json":
            try:
                data = nx.node_link_data(graph, edges="edges")
            except TypeError:  # networkx < 3.4 names the list "links"
                data = nx.node_link_data(graph)
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        else:
            from soustrace.exports.html import write_html

            write_html(graph, tmp, title=None)
    return [out]


def xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose node ids, keys and string attributes hold only characters XML 1.0 allows."""
    def clean(value: Any) -> Any:
        return XML_BAD.sub(" ", value) if isinstance(value, str) else value

    safe = nx.MultiDiGraph(**{k: clean(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        safe.add_node(clean(node), **{k: clean(v) for k, v in data.items()})
    for src, dst, key, data in graph.edges(keys=True, data=True):
        safe.add_edge(clean(src), clean(dst), key=clean(key), **{k: clean(v) for k, v in data.items()})
    return safe


def _xml(value: Any) -> str:
    return quoteattr(XML_BAD.sub(" ", str(value)))


def _attr_types(items: Iterator[dict[str, Any]], skip: set[str]) -> dict[str, str]:
    """One GEXF type per attribute name: long, double or string (mixed numbers become double)."""
    seen: dict[str, set[type]] = {}
    for data in items:
        for key, value in data.items():
            if key not in skip:
                seen.setdefault(key, set()).add(type(value))
    out = {}
    for key, kinds in sorted(seen.items()):
        if kinds <= {int}:
            out[key] = "long"
        elif kinds <= {int, float}:
            out[key] = "double"
        else:
            out[key] = "string"
    return out


def write_gexf(graph: nx.MultiDiGraph, out: Path) -> Path:
    """GEXF 1.2 written as a stream (networkx's writer builds the whole XML tree in memory, and is ~10x slower).

    The result reads back with `networkx.read_gexf` as the same MultiDiGraph: node `label`, typed attributes,
    and each edge's key as its GEXF `id`.
    """
    node_types = _attr_types((d for _, d in graph.nodes(data=True)), {"label"})
    edge_types = _attr_types((d for _, _, d in graph.edges(data=True)), {"id", "label"})
    node_ids = {name: str(i) for i, name in enumerate(node_types)}
    edge_ids = {name: str(i) for i, name in enumerate(edge_types)}
    with out.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n')
        fh.write(f"<meta><creator>soustrace</creator><description>{escape(str(graph.graph.get('name', '')))}"
                 "</description></meta>\n<graph defaultedgetype=\"directed\" mode=\"static\">\n")
        for cls, types, ids in (("node", node_types, node_ids), ("edge", edge_types, edge_ids)):
            fh.write(f'<attributes class="{cls}" mode="static">\n')
            for name, kind in types.items():
                fh.write(f'<attribute id="{ids[name]}" title={_xml(name)} type="{kind}"/>\n')
            fh.write("</attributes>\n")
        fh.write("<nodes>\n")
        for node, data in graph.nodes(data=True):
            fh.write(f"<node id={_xml(node)} label={_xml(data.get('label', node))}><attvalues>")
            fh.write("".join(f'<attvalue for="{node_ids[k]}" value={_xml(v)}/>' for k, v in data.items()
                             if k in node_ids))
            fh.write("</attvalues></node>\n")
        fh.write("</nodes>\n<edges>\n")
        for src, dst, key, data in graph.edges(keys=True, data=True):
            fh.write(f"<edge id={_xml(key)} source={_xml(src)} target={_xml(dst)}><attvalues>")
            fh.write("".join(f'<attvalue for="{edge_ids[k]}" value={_xml(v)}/>' for k, v in data.items()
                             if k in edge_ids))
            fh.write("</attvalues></edge>\n")
        fh.write("</edges>\n</graph>\n</gexf>\n")
    return out


def write_csv(graph: nx.MultiDiGraph, out: Path) -> list[Path]:
    """Two files next to `out`: `<stem>.nodes.csv` (id + attributes) and `<stem>.edges.csv`."""
    stem = out.with_suffix("") if out.suffix == ".csv" else out
    nodes_path, edges_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    node_cols = sorted({k for _, d in graph.nodes(data=True) for k in d} - {"type", "label"})
    with atomic_path(nodes_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "type", "label", *node_cols])
        for node, d in graph.nodes(data=True):
            w.writerow([node, d.get("type"), d.get("label"), *(d.get(c, "") for c in node_cols)])
    edge_cols = sorted({k for _, _, d in graph.edges(data=True) for k in d} - {"kind"})
    with atomic_path(edges_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", "key", "kind", *edge_cols])
        for src, dst, key, d in graph.edges(keys=True, data=True):
            w.writerow([src, dst, key, d.get("kind"), *(d.get(c, "") for c in edge_cols)])
    return [nodes_path, edges_path]
