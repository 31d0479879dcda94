"""`soustrace query`: answers with their evidence (uses, chain, providers, contracts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.console import Console

from soustrace.commands.common import engine_from_ctx, err_console
from soustrace.commands.output import FORMATS, output_options, write_frame
from soustrace.queries.catalog import ProviderNotFound
from soustrace.records import HOSTING_ROLES as ROLES

F = TypeVar("F", bound=Callable[..., Any])
USES_TABLE = ["contractor", "siren", "role", "status", "method", "confidence", "evidence_url", "evidence_text",
              "evidence_count", "disagreement", "via", "contracts_won", "subcontracts", "total_amount", "currency",
              "n_buyers", "last_award", "reported_contracts", "reported_buyers", "reported_url", "reported_quote"]
BUYERS_TABLE = ["buyer", "siren", "site", "provider", "role", "status", "method", "confidence", "built_by",
                "evidence_url", "evidence_text"]
CONTRACTS_TABLE = ["contract_id", "source", "notice_id", "lot", "buyer", "award_date", "amount", "currency", "via",
                   "evidence_urls"]


def filter_options(func: F) -> F:
    """--from/--to/--buyer/--cpv and the edge filters shared by uses, providers and contracts."""
    opts = [
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Ignore hosting edges below this confidence."),
        click.option("--current-only", is_flag=True, help="Only edges whose status is current (not past/planned)."),
        click.option("--role", type=click.Choice(ROLES), default=None, help="Hosting role of the edge."),
        click.option("--cpv", default=None, help="CPV code prefix of the contracts, e.g. 72 (IT services)."),
        click.option("--buyer", default=None, help="Buyer SIREN/SIRET, org:ID, or part of its name."),
        click.option("--to", "date_to", default=None, help="Award date up to (YYYY, YYYY-MM or YYYY-MM-DD)."),
        click.option("--from", "date_from", default=None, help="Award date from (YYYY, YYYY-MM or YYYY-MM-DD)."),
    ]
    for opt in opts:
        func = opt(func)
    return func


def _run(call: Callable[[], Any]) -> Any:
    """Library errors become one clear line on stderr and exit code 1 (click.ClickException)."""
    try:
        return call()
    except ProviderNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("query")
def query() -> None:
    """Answers over the database, each row with the evidence to cite.

    \b
    Examples:
      soustrace query uses aws
      soustrace query chain "EDITIONS KIRO"
      soustrace query providers --per jurisdiction
      soustrace query contracts --provider aws --buyer 13001651200019
    """


@query.command("uses")
@click.argument("provider")
@filter_options
@click.option("--all-orgs", is_flag=True, help="Also list organisations with no contract matching the filters.")
@click.option("--no-contracts", is_flag=True,
              help="Skip the contract columns (amounts, buyers, dates): much faster on a big database.")
@click.option("--direct-only", is_flag=True, help="Do not follow runs-on (e.g. Netlify running on AWS).")
@click.option("--buyers", "buyers_only", is_flag=True,
              help="Public bodies whose own sites run on PROVIDER (their legal notices), with who built them.")
@output_options
@click.pass_context
def uses_cmd(ctx: click.Context, provider: str, date_from: str | None, date_to: str | None, buyer: str | None,
             cpv: str | None, role: str | None, current_only: bool, min_confidence: float, all_orgs: bool,
             no_contracts: bool, direct_only: bool, buyers_only: bool, fmt: str, out: Path | None) -> None:
    """Contractors hosted by PROVIDER (catalog id, name or alias), one row per hosting edge.

    Each row carries its best evidence (URL, quoted text, date seen) and the number of evidence rows,
    the providers other methods found for the same organisation (`disagreement`), the contracts the
    organisation won (`contracts_won`..., filtered by --from/--to/--buyer/--cpv) and, apart and never
    summed with them, the awards stated in press, court or official texts (`reported_contracts`, with a
    buyer, quote and URL). An empty answer says why on stderr.

    \b
    Examples:
      soustrace query uses aws
      soustrace query uses "Amazon Web Services" --from 2024 --buyer MINARM --format csv -o aws.csv
      soustrace query uses ovhcloud --current-only --min-confidence 0.8 --format json
      soustrace query uses aws --buyers
    """
    from soustrace.queries.buyers import buyers_on, explain_empty
    from soustrace.queries.uses import uses

    engine = engine_from_ctx(ctx)
    if buyers_only:
        frame = _run(lambda: buyers_on(engine, provider, current_only=current_only, min_confidence=min_confidence,
                                       role=role, follow_runs_on=not direct_only))
        columns = BUYERS_TABLE
    else:
        frame = _run(lambda: uses(engine, provider, date_from=date_from, date_to=date_to, buyer=buyer, role=role,
                                  cpv=cpv, current_only=current_only, min_confidence=min_confidence,
                                  include_without_contracts=all_orgs, with_contracts=not no_contracts,
                                  follow_runs_on=not direct_only))
        columns = USES_TABLE
    if frame.empty:
        filtered = any((date_from, date_to, buyer, cpv, role, current_only, min_confidence))
        err_console.print(_run(lambda: explain_empty(engine, provider, buyers=buyers_only, filtered=filtered)))
    write_frame(frame, fmt, out, title=f"uses {provider}" + (" (buyers' own sites)" if buyers_only else ""),
                table_columns=columns)


def chain_edges(result: dict[str, Any]) -> pd.DataFrame:
    """The chain tree flattened to one row per edge (parent → child) for table/CSV output."""
    rows: list[dict[str, Any]] = []

    def walk(node: dict, parent: dict | None, depth: int) -> None:
        edge = node.get("edge") or {}
        best = (edge.get("evidence") or [{}])[0]
        if parent is not None:
            rows.append({"depth": depth, "from": parent.get("label"), "from_id": parent.get("id"),
                         "edge": edge.get("kind"), "role": edge.get("role"), "to": node.get("label"),
                         "to_id": node.get("id"), "to_type": node.get("type"), "status": edge.get("status"),
                         "method": edge.get("method"), "confidence": edge.get("confidence"),
                         "evidence_url": best.get("url"), "evidence_ref": best.get("ref"),
                         "evidence_text": best.get("text"), "evidence_count": edge.get("evidence_count")})
        for child in node.get("children", []):
            walk(child, node, depth + 1)

    for root in result.get("roots", []):
        walk(root, None, 0)
    return pd.DataFrame(rows)


@query.command("chain")
@click.argument("ref")
@click.option("--max-contracts", type=int, default=50, show_default=True,
              help="For an organisation: how many of its contracts to show (most recent first).")
@click.option("-f", "--format", "fmt", type=click.Choice(["tree", *FORMATS]), default="tree", show_default=True,
              help="tree (terminal), json (the tree), or one row per edge (table/csv/jsonl/parquet).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to FILE.")
@click.pass_context
def chain_cmd(ctx: click.Context, ref: str, max_contracts: int, fmt: str, out: Path | None) -> None:
    """Buyer → contract → contractors and subcontractors → hosting providers and sites, around REF.

    REF is an organisation (SIREN, SIRET, org:ID, or a name matching exactly one organisation) or a
    contract (contract:ID, or a notice id with an optional lot: ted:00000156-2025#LOT-0001).

    \b
    Examples:
      soustrace query chain 829220383
      soustrace query chain "ted:00000156-2025#LOT-0001"
      soustrace query chain "EDITIONS KIRO" --format json -o kiro.json
    """
    from soustrace.commands.chain_tree import render_tree
    from soustrace.queries.chain import chain

    engine = engine_from_ctx(ctx)
    result = _run(lambda: chain(engine, ref, max_contracts=max_contracts))
    if fmt == "tree":
        if out is not None:
            with out.open("w", encoding="utf-8") as fh:
                Console(file=fh, width=200).print(render_tree(result))
        else:
            Console().print(render_tree(result))
    elif fmt == "json":
        text = json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n"
        if out is not None:
            out.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    else:
        write_frame(chain_edges(result), fmt, out, title=f"chain {ref}")


@query.command("providers")
@click.option("--per", type=click.Choice(["provider", "jurisdiction", "cloud_act", "secnumcloud"]),
              default="provider", show_default=True, help="Group by provider or by a sovereignty fact.")
@click.option("--by", type=click.Choice(["buyer"]), default=None, help="Break each group down per buyer.")
@filter_options
@output_options
@click.pass_context
def providers_cmd(ctx: click.Context, per: str, by: str | None, date_from: str | None, date_to: str | None,
                  buyer: str | None, cpv: str | None, role: str | None, current_only: bool, min_confidence: float,
                  fmt: str, out: Path | None) -> None:
    """Contractors, contracts and amounts per provider or per jurisdiction (EU/non-EU, CLOUD Act, SecNumCloud).

    \b
    Examples:
      soustrace query providers
      soustrace query providers --per jurisdiction --from 2024
      soustrace query providers --per cloud_act --by buyer --format csv -o by_buyer.csv
    """
    from soustrace.queries.providers import provider_stats

    engine = engine_from_ctx(ctx)
    frame = _run(lambda: provider_stats(engine, per=per, by=by, date_from=date_from, date_to=date_to, buyer=buyer,
                                        cpv=cpv, role=role, current_only=current_only,
                                        min_confidence=min_confidence))
    write_frame(frame, fmt, out, title=f"providers per {per}" + (" by buyer" if by else ""))


@query.command("contracts")
@click.option("--provider", required=True, help="Catalog id, name or alias of the provider.")
@filter_options
@output_options
@click.pass_context
def contracts_cmd(ctx: click.Context, provider: str, date_from: str | None, date_to: str | None,
                  buyer: str | None, cpv: str | None, role: str | None, current_only: bool, min_confidence: float,
                  fmt: str, out: Path | None) -> None:
    """Contracts whose chain reaches PROVIDER: through a party, an edge tied to the contract, or a delivered site.

    \b
    Examples:
      soustrace query contracts --provider aws
      soustrace query contracts --provider aws --buyer "Bordeaux Métropole" --format csv -o aws_contracts.csv
    """
    from soustrace.queries.contracts import contracts_reaching

    engine = engine_from_ctx(ctx)
    frame = _run(lambda: contracts_reaching(engine, provider, date_from=date_from, date_to=date_to, buyer=buyer,
                                            cpv=cpv, role=role, current_only=current_only,
                                            min_confidence=min_confidence))
    write_frame(frame, fmt, out, title=f"contracts reaching {provider}", table_columns=CONTRACTS_TABLE)
