"""The terminal picture of a `chain` answer: one line per node, its edge in grey, evidence underneath.

Rendering belongs to the command line; `soustrace.queries.chain` returns plain dicts that scripts and the
JSON output read too.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.tree import Tree

STYLE = {"buyer": "bold magenta", "contract": "bold cyan", "organization": "bold", "provider": "bold yellow",
         "site": "green"}


EDGE_WORDS = {"awards": "awards", "declared-subcontract": "subcontractor (declared)", "delivers-site": "delivers site",
              "runs-on": "runs on", "built-by": "built by", "operates-site": "own site"}


def _edge_text(edge: dict | None) -> str:
    if not edge:
        return ""
    kind = edge.get("kind") or ""
    word = edge.get("role") if kind in ("party-role", "hosting") else EDGE_WORDS.get(kind, kind)
    reported = kind == "awards" and edge.get("method") == "reported"
    meta = [m for m in (edge.get("method"), edge.get("status")) if m and (kind != "awards" or reported)]
    conf = edge.get("confidence")
    if conf is not None and (kind != "awards" or reported):
        meta.append(f"{conf:.2f}")
    detail = f" ({', '.join(meta)})" if meta else ""
    return f"[dim]{word or kind}{detail} →[/dim] "


def _node_text(node: dict) -> str:

    kind = node["type"]
    label = escape(str(node.get("label") or ""))
    text = f"{_edge_text(node.get('edge'))}[{STYLE.get(kind, '')}]{label}[/]"
    if node.get("siren"):
        text += f" [dim]SIREN {node['siren']}[/dim]"
    if kind == "contract":
        amount = node.get("amount")
        money = f"{amount:,.2f} {node.get('currency') or ''}".strip() if amount is not None else "amount n/a"
        text += f" · {money} · {node.get('award_date') or 'date n/a'}"
        if node.get("title"):
            title = node["title"] if len(node["title"]) < 80 else node["title"][:79] + "…"
            text += f"\n[italic]{escape(title)}[/italic]"
    if node.get("also_contractor"):
        text += f" [bold]· also holds this buyer's contract(s): {escape(', '.join(node['also_contractor'][:3]))}[/]"
    if kind == "provider":
        text += (f" [dim]({node.get('jurisdiction')}, CLOUD Act: {node.get('cloud_act')}, "
                 f"SecNumCloud: {node.get('secnumcloud')})[/dim]")
    return text


def _evidence_lines(edge: dict | None) -> list[str]:

    if not edge or (edge.get("kind") == "awards" and edge.get("method") != "reported"):
        return []
    lines = []
    for ev in edge.get("evidence", [])[:2]:
        quote = (ev.get("text") or "").replace("\n", " ")
        quote = quote if len(quote) <= 100 else quote[:99] + "…"
        where = ev.get("url") or ev.get("ref") or "(no source URL)"
        lines.append(f"[dim]↳ {escape(quote and repr(quote))} {escape(str(where))}[/dim]")
    count = edge.get("evidence_count") or 0
    if count > 2:
        lines.append(f"[dim]↳ … {count} evidence rows in all[/dim]")
    return lines


def render_tree(result: dict[str, Any]) -> Tree:
    """A rich Tree of a `chain` result: one line per node, its edge in grey, evidence underneath."""
    shown, total = result.get("contracts_shown"), result.get("contracts_total")
    title = f"[bold]chain[/bold] {result['query']}"
    if total and shown is not None and shown < total:
        title += f" [dim]({shown} of {total} contracts, most recent first)[/dim]"
    tree = Tree(title)

    def add(parent: Tree, node: dict) -> None:
        branch = parent.add(_node_text(node))
        for line in _evidence_lines(node.get("edge")):
            branch.add(line)
        for child in node.get("children", []):
            add(branch, child)

    for root in result.get("roots", []):
        add(tree, root)
    if not result.get("roots"):
        tree.add("[dim](nothing found)[/dim]")
    return tree
