"""`soustrace export`: files for other tools — the graph (Gephi, browser), an awards table, OCDS."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from soustrace.commands.common import engine_from_ctx, err_console
from soustrace.exports.awards import AWARD_FORMATS
from soustrace.exports.graph_files import GRAPH_FORMATS
from soustrace.queries.catalog import ProviderNotFound


def contract_filters(func):  # type: ignore[no-untyped-def]
    for opt in (
        click.option("--cpv", default=None, help="CPV code prefix of the contracts, e.g. 72."),
        click.option("--buyer", default=None, help="Buyer SIREN/SIRET, org:ID, or part of its name."),
        click.option("--to", "date_to", default=None, help="Award date up to (YYYY, YYYY-MM or YYYY-MM-DD)."),
        click.option("--from", "date_from", default=None, help="Award date from (YYYY, YYYY-MM or YYYY-MM-DD)."),
    ):
        func = opt(func)
    return func


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("export")
def export() -> None:
    """Export the graph, the awards or OCDS release packages to files.

    \b
    Examples:
      soustrace export graph aws.gexf --provider aws
      soustrace export graph aws.html --provider aws --from 2024
      soustrace export awards awards.parquet --from 2024
      soustrace export ocds releases.json --ocid-prefix ocds-xxxxxx
      soustrace export ftm --out entities.ftm.json
      soustrace export sqlite snapshot.db
    """


@export.command("graph")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(GRAPH_FORMATS), default=None,
              help="Default: from OUT's suffix. csv writes OUT.nodes.csv and OUT.edges.csv.")
@click.option("--provider", default=None, help="Only the chains that reach this provider (id, name or alias).")
@contract_filters
@click.option("--current-only", is_flag=True, help="Only hosting edges whose status is current.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.pass_context
def graph(ctx: click.Context, out: Path, fmt: str | None, provider: str | None, date_from: str | None,
          date_to: str | None, buyer: str | None, cpv: str | None, current_only: bool, min_confidence: float) -> None:
    """Write the buyer → contract → contractor → provider graph to OUT (gexf, graphml, json, csv, html).

    GEXF and GraphML open in Gephi; HTML is one offline file (zoom, search, click a node for evidence).

    \b
    Examples:
      soustrace export graph all.gexf
      soustrace export graph aws.html --provider aws --buyer MINARM
      soustrace export graph aws.csv --provider aws --from 2024-01 --to 2024-06
    """
    from soustrace.exports.graph import build_graph
    from soustrace.exports.graph_files import write_graph

    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in GRAPH_FORMATS:
        raise click.UsageError(f"cannot tell the format from {out.name!r}: pass --format ({', '.join(GRAPH_FORMATS)})")
    engine = engine_from_ctx(ctx)
    try:
        g = build_graph(engine, provider=provider, date_from=date_from, date_to=date_to, buyer=buyer, cpv=cpv,
                        current_only=current_only, min_confidence=min_confidence)
        files = write_graph(g, out, fmt)
    except (ProviderNotFound, LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    err_console.print(f"wrote {g.number_of_nodes()} nodes, {g.number_of_edges()} edges to "
                      f"{', '.join(str(f) for f in files)}", markup=False, soft_wrap=True)
    if not g.number_of_nodes():
        err_console.print(f"the graph is empty: {g.graph.get('empty_reason', 'nothing to draw')}", markup=False,
                          soft_wrap=True)


@export.command("awards")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(AWARD_FORMATS), default=None,
              help="Default: from OUT's suffix (jsonl for '-').")
@contract_filters
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["winner", "lead", "member", "subcontractor", "buyer"]),
              help="Only these party roles (repeatable).")
@click.pass_context
def awards(ctx: click.Context, out: Path, fmt: str | None, date_from: str | None, date_to: str | None,
           buyer: str | None, cpv: str | None, roles: tuple[str, ...]) -> None:
    """One row per (notice, lot, organisation, role) to OUT (jsonl, csv, parquet; '-' = stdout).

    \b
    Examples:
      soustrace export awards awards.csv
      soustrace export awards - --from 2024 --role subcontractor | head
      soustrace export awards awards.parquet --buyer 13001651200019
    """
    from soustrace.exports.awards import iter_awards, write_awards

    dash = str(out) == "-"
    fmt = fmt or ("jsonl" if dash else out.suffix.lstrip(".").lower())
    if fmt not in AWARD_FORMATS:
        raise click.UsageError(f"cannot tell the format from {out.name!r}: pass --format ({', '.join(AWARD_FORMATS)})")
    if dash and fmt == "parquet":
        raise click.UsageError("parquet cannot go to standard output: give a file name")
    engine = engine_from_ctx(ctx)
    try:
        rows = iter_awards(engine, date_from=date_from, date_to=date_to, buyer=buyer, cpv=cpv, roles=roles or None)
        n = _awards_to_stdout(rows, fmt) if dash else write_awards(rows, out, fmt)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    err_console.print(f"wrote {n} award rows" + ("" if dash else f" to {out}"))


def _awards_to_stdout(rows: Iterator[dict[str, Any]], fmt: str) -> int:
    import csv
    import json

    from soustrace.exports.awards import AWARD_COLUMNS, json_value

    n = 0
    writer = csv.writer(sys.stdout) if fmt == "csv" else None
    if writer:
        writer.writerow(AWARD_COLUMNS)
    for row in rows:
        values = {k: json_value(row.get(k)) for k in AWARD_COLUMNS}
        if writer:
            writer.writerow(["" if v is None else v for v in values.values()])
        else:
            sys.stdout.write(json.dumps(values, ensure_ascii=False) + "\n")
        n += 1
    return n


@export.command("ocds")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--ocid-prefix", default="ocds-soustrace", show_default=True,
              help="Your registered OCDS prefix (the default is a placeholder, not registered).")
@click.option("--uri", default=None, help="The package's uri (where it will be published).")
@click.option("--publisher", default="soustrace export", show_default=True, help="publisher.name of the package.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Check every release against soustrace's minimal OCDS 1.1 schema while writing.")
@contract_filters
@click.pass_context
def ocds(ctx: click.Context, out: Path, ocid_prefix: str, uri: str | None, publisher: str, validate: bool,
         date_from: str | None, date_to: str | None, buyer: str | None, cpv: str | None) -> None:
    """An OCDS 1.1 release package (one release per notice, subcontracting extension) to OUT ('-' = stdout).

    \b
    Examples:
      soustrace export ocds releases.json --ocid-prefix ocds-xxxxxx --uri https://example.org/releases.json
      soustrace export ocds - --from 2024 | jq '.releases | length'
    """
    from soustrace.exports.ocds import iter_releases, write_release_package
    from soustrace.exports.ocds_schema import release_errors

    engine = engine_from_ctx(ctx)
    problems: list[str] = []

    def checked(releases: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for release in releases:
            if validate:
                problems.extend(f"{release['ocid']}: {e}" for e in release_errors(release))
            yield release

    try:
        target = sys.stdout if str(out) == "-" else out
        n = write_release_package(checked(iter_releases(engine, ocid_prefix=ocid_prefix, date_from=date_from,
                                                        date_to=date_to, buyer=buyer, cpv=cpv)),
                                  target, uri=uri, publisher=publisher)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    if problems:
        for line in problems[:20]:
            err_console.print(f"[red]invalid[/red] {line}")
        raise click.ClickException(f"{len(problems)} OCDS problem(s) in {n} releases (file written: {out})")
    err_console.print(f"wrote {n} releases" + ("" if str(out) == "-" else f" to {out}")
                      + (" (valid against the minimal OCDS 1.1 schema)" if validate else ""))


@export.command("ftm")
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Output file ('-' = stdout), one JSON entity a line.")
@contract_filters
@click.pass_context
def ftm(ctx: click.Context, out: Path, date_from: str | None, date_to: str | None, buyer: str | None,
        cpv: str | None) -> None:
    """FollowTheMoney entities (Aleph / OpenAleph) to OUT: buyers, companies, contracts, awards, hosting edges.

    Ids are stable across runs, so a re-import updates a collection instead of duplicating it. With filters,
    only the matching contracts, their buyers and parties, and those parties' edges are written.

    \b
    Examples:
      soustrace export ftm --out entities.ftm.json
      soustrace export ftm -o - --from 2024 | ftm validate | alephclient write-entities -f soustrace
    """
    from soustrace.exports.ftm import iter_entities, write_entities

    engine = engine_from_ctx(ctx)
    dash = str(out) == "-"
    try:
        counts = write_entities(iter_entities(engine, date_from=date_from, date_to=date_to, buyer=buyer, cpv=cpv),
                                sys.stdout if dash else out)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    detail = ", ".join(f"{n} {schema}" for schema, n in sorted(counts.items()))
    err_console.print(f"wrote {sum(counts.values())} entities ({detail or 'none'})" + ("" if dash else f" to {out}"))


@export.command("sqlite")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.pass_context
def sqlite(ctx: click.Context, out: Path, force: bool) -> None:
    """Copy the whole database (PostgreSQL or SQLite) into a new SQLite file, with the Datasette views.

    \b
    Examples:
      soustrace --db postgresql://me@127.0.0.1/soustrace export sqlite snapshot.db
      soustrace serve snapshot.db
    """
    from soustrace.exports.sqlite_copy import copy_to_sqlite

    engine = engine_from_ctx(ctx)
    try:
        counts = copy_to_sqlite(engine, out, overwrite=force)
    except FileExistsError as exc:
        raise _fail(exc) from exc
    err_console.print(f"wrote {sum(counts.values())} rows in {len(counts)} tables to {out} "
                      f"(serve it with: soustrace serve {out})")
