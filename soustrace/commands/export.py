"""`soustrace export`: files for other tools — the graph (Gephi, browser), an awards table, OCDS."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from soustrace.commands.common import counted, date_option, err_console, read_engine_from_ctx
from soustrace.commands.output import check_path, out_option
from soustrace.exports.awards import AWARD_FORMATS
from soustrace.exports.graph_files import GRAPH_FORMATS
from soustrace.queries.catalog import ProviderNotFound


def contract_filters(func):  # type: ignore[no-untyped-def]
    for opt in (
        click.option("--cpv", default=None, help="CPV code prefix of the contracts, e.g. 72."),
        click.option("--buyer", default=None, help="Buyer SIREN/SIRET, org:ID, or part of its name."),
        date_option("--to", "date_to", end=True, default=None, help="Award date up to (YYYY, YYYY-MM or YYYY-MM-DD)."),
        date_option("--from", "date_from", default=None, help="Award date from (YYYY, YYYY-MM or YYYY-MM-DD)."),
    ):
        func = opt(func)
    return func


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def target_options(func):  # type: ignore[no-untyped-def]
    """The output file, as `-o/--out FILE` (the convention of every command) or as the first argument."""
    func = out_option("Write to FILE ('-' = standard output, where the format allows).", keep_dash=True)(func)
    return click.argument("target", required=False, metavar="[OUT]",
                          type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))(func)


def _target(target: Path | None, out: Path | None) -> Path:
    """The one output path of an export: OUT or -o, checked (its folder exists) unless it is `-`."""
    if target is not None and out is not None and target != out:
        raise click.UsageError(f"two outputs given ({target} and -o {out}): give one")
    path = out if out is not None else target
    if path is None:
        raise click.UsageError("no output file: give -o FILE (or '-' for standard output)")
    return path if str(path) == "-" else check_path(path)


@click.group("export")
def export() -> None:
    """Export the graph, the awards or OCDS release packages to files.

    \b
    Examples:
      soustrace export graph -o aws.gexf --provider aws
      soustrace export graph --format html -o graph.html --from 2024
      soustrace export awards -o awards.parquet --from 2024
      soustrace export ocds -o releases.json --ocid-prefix ocds-xxxxxx
      soustrace export ftm --out entities.ftm.json
      soustrace export sqlite snapshot.db
    """


@export.command("graph")
@target_options
@click.option("-f", "--format", "fmt", type=click.Choice(GRAPH_FORMATS), default=None,
              help="Default: from OUT's suffix. csv writes OUT.nodes.csv and OUT.edges.csv.")
@click.option("--provider", default=None, help="Only the chains that reach this provider (id, name or alias).")
@contract_filters
@click.option("--current-only", is_flag=True, help="Only hosting edges whose status is current.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.pass_context
def graph(ctx: click.Context, target: Path | None, out: Path | None, fmt: str | None, provider: str | None,
          date_from: dt.date | None, date_to: dt.date | None, buyer: str | None, cpv: str | None, current_only: bool,
          min_confidence: float) -> None:
    """Write the buyer → contract → contractor → provider graph to OUT (gexf, graphml, json, csv, html).

    GEXF and GraphML open in Gephi; HTML is one offline file (zoom, search, click a node for evidence).

    \b
    Examples:
      soustrace export graph -o all.gexf
      soustrace export graph --format html --out aws.html --provider aws --buyer MINARM
      soustrace export graph aws.csv --provider aws --from 2024-01 --to 2024-06
    """
    from soustrace.exports.graph import build_graph
    from soustrace.exports.graph_files import write_graph

    out = _target(target, out)
    if str(out) == "-":
        raise click.UsageError("a graph is written to files: give -o FILE")
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in GRAPH_FORMATS:
        raise click.UsageError(f"cannot tell the format from {out.name!r}: pass --format ({', '.join(GRAPH_FORMATS)})")
    engine = read_engine_from_ctx(ctx)
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
@target_options
@click.option("-f", "--format", "fmt", type=click.Choice(AWARD_FORMATS), default=None,
              help="Default: from OUT's suffix (jsonl for '-').")
@contract_filters
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["winner", "lead", "member", "subcontractor", "buyer"]),
              help="Only these party roles (repeatable).")
@click.pass_context
def awards(ctx: click.Context, target: Path | None, out: Path | None, fmt: str | None, date_from: dt.date | None,
           date_to: dt.date | None, buyer: str | None, cpv: str | None, roles: tuple[str, ...]) -> None:
    """One row per (notice, lot, organisation, role) to OUT (jsonl, csv, parquet; '-' = stdout).

    \b
    Examples:
      soustrace export awards -o awards.csv
      soustrace export awards -o - --from 2024 --role subcontractor
      soustrace export awards awards.parquet --buyer 13001651200019
    """
    from soustrace.exports.awards import iter_awards, write_awards

    out = _target(target, out)
    dash = str(out) == "-"
    fmt = fmt or ("jsonl" if dash else out.suffix.lstrip(".").lower())
    if fmt not in AWARD_FORMATS:
        raise click.UsageError(f"cannot tell the format from {out.name!r}: pass --format ({', '.join(AWARD_FORMATS)})")
    if dash and fmt == "parquet":
        raise click.UsageError("parquet cannot go to standard output: give a file name")
    engine = read_engine_from_ctx(ctx)
    try:
        rows = counted(ctx, "awards", iter_awards(engine, date_from=date_from, date_to=date_to, buyer=buyer, cpv=cpv,
                                                  roles=roles or None))
        n = _awards_to_stdout(rows, fmt) if dash else write_awards(rows, out, fmt)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    err_console.print(f"wrote {n} award rows" + ("" if dash else f" to {out}"))


def _awards_to_stdout(rows: Iterator[dict[str, Any]], fmt: str) -> int:
    import json

    from soustrace.exports.awards import AWARD_COLUMNS, json_value
    from soustrace.exports.safe_text import csv_writer

    n = 0
    writer = csv_writer(sys.stdout) if fmt == "csv" else None
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
@target_options
@click.option("--ocid-prefix", default="ocds-soustrace", show_default=True,
              help="Your registered OCDS prefix (the default is a placeholder, not registered).")
@click.option("--uri", default=None, help="The package's uri (where it will be published).")
@click.option("--publisher", default="soustrace export", show_default=True, help="publisher.name of the package.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Check every release against soustrace's minimal OCDS 1.1 schema while writing.")
@contract_filters
@click.pass_context
def ocds(ctx: click.Context, target: Path | None, out: Path | None, ocid_prefix: str, uri: str | None, publisher: str,
         validate: bool, date_from: dt.date | None, date_to: dt.date | None, buyer: str | None,
         cpv: str | None) -> None:
    """An OCDS 1.1 release package (one release per notice, subcontracting extension) to OUT ('-' = stdout).

    \b
    Examples:
      soustrace export ocds -o releases.json --ocid-prefix ocds-xxxxxx --uri https://example.org/releases.json
      soustrace export ocds -o - --from 2024
    """
    from soustrace.exports.ocds import iter_releases, write_release_package
    from soustrace.exports.ocds_schema import release_errors

    out = _target(target, out)
    engine = read_engine_from_ctx(ctx)
    problems: list[str] = []

    def checked(releases: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for release in releases:
            if validate:
                problems.extend(f"{release['ocid']}: {e}" for e in release_errors(release))
            yield release

    try:
        target = sys.stdout if str(out) == "-" else out
        releases = iter_releases(engine, ocid_prefix=ocid_prefix, date_from=date_from, date_to=date_to, buyer=buyer,
                                 cpv=cpv)
        n = write_release_package(counted(ctx, "ocds", checked(releases)), target, uri=uri, publisher=publisher)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    if problems:
        for line in problems[:20]:
            err_console.print(f"[red]invalid[/red] {line}")
        raise click.ClickException(f"{len(problems)} OCDS problem(s) in {n} releases (file written: {out})")
    err_console.print(f"wrote {n} releases" + ("" if str(out) == "-" else f" to {out}")
                      + (" (valid against the minimal OCDS 1.1 schema)" if validate else ""))


@export.command("ftm")
@target_options
@contract_filters
@click.pass_context
def ftm(ctx: click.Context, target: Path | None, out: Path | None, date_from: dt.date | None,
        date_to: dt.date | None, buyer: str | None, cpv: str | None) -> None:
    """FollowTheMoney entities (Aleph / OpenAleph) to OUT: buyers, companies, contracts, awards, hosting edges.

    Ids are stable across runs, so a re-import updates a collection instead of duplicating it. With filters,
    only the matching contracts, their buyers and parties, and those parties' edges are written.

    \b
    Examples:
      soustrace export ftm --out entities.ftm.json
      soustrace export ftm -o - --from 2024 | ftm validate | alephclient write-entities -f soustrace
    """
    from soustrace.exports.ftm import iter_entities, write_entities

    out = _target(target, out)
    engine = read_engine_from_ctx(ctx)
    dash = str(out) == "-"
    try:
        entities = iter_entities(engine, date_from=date_from, date_to=date_to, buyer=buyer, cpv=cpv)
        counts = write_entities(counted(ctx, "ftm", entities), sys.stdout if dash else out)
    except (LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    detail = ", ".join(f"{n} {schema}" for schema, n in sorted(counts.items()))
    err_console.print(f"wrote {sum(counts.values())} entities ({detail or 'none'})" + ("" if dash else f" to {out}"))


@export.command("sqlite")
@target_options
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.pass_context
def sqlite(ctx: click.Context, target: Path | None, out: Path | None, force: bool) -> None:
    """Copy the whole database (PostgreSQL or SQLite) into a new SQLite file, with the Datasette views.

    \b
    Examples:
      soustrace --db postgresql://me@127.0.0.1/soustrace export sqlite snapshot.db
      soustrace serve snapshot.db
    """
    from soustrace.exports.sqlite_copy import copy_to_sqlite

    out = _target(target, out)
    if str(out) == "-":
        raise click.UsageError("a SQLite database is a file: give -o FILE")
    engine = read_engine_from_ctx(ctx)
    try:
        counts = copy_to_sqlite(engine, out, overwrite=force)
    except FileExistsError as exc:
        raise _fail(exc) from exc
    err_console.print(f"wrote {sum(counts.values())} rows in {len(counts)} tables to {out} "
                      f"(serve it with: soustrace serve {out})")
