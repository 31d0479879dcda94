"""`soustrace demo`: the offline quick start on the real samples shipped in data/samples/."""

from __future__ import annotations

import json

import click

from soustrace.commands.common import engine_from_ctx, err_console

PRESS_URL = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load the shipped real samples and answer "who uses AWS", offline.

    \b
    It ingests data/samples (BOAMP and TED award notices, DECP contract data), the seed-story press article
    (the CNR consultation run by Bluenove, partly hosted on AWS), then prints `query uses aws --all-orgs`
    and the chain of the TED award 156-2025 (lead, member, subcontractor). Safe to run twice.

    \b
    Example:
      soustrace demo && soustrace query uses aws --all-orgs --format json
    """
    from soustrace.commands.chain_tree import render_tree
    from soustrace.commands.output import write_frame
    from soustrace.hosting.press import ingest_press_document
    from soustrace.paths import DATA_DIR
    from soustrace.pipelines.ingest import expand, iter_file
    from soustrace.pipelines.store import Store, StoreStats
    from soustrace.queries.chain import chain
    from soustrace.queries.stats import db_stats
    from soustrace.queries.uses import uses

    engine = engine_from_ctx(ctx)
    samples = DATA_DIR / "samples"
    store, total = Store(engine), StoreStats()
    for path in expand([samples / "boamp", samples / "ted", samples / "decp"]):
        total.add(store.add_all(iter_file(path)))
    err_console.print(f"notices: {json.dumps(total.as_dict())}")
    press = ingest_press_document(engine, samples / "press" / "cnr-huffpost.html", PRESS_URL, org="Bluenove")
    err_console.print(f"press article: {len(press['relations'])} hosting statement(s)")
    err_console.print(f"database: {json.dumps(db_stats(engine))}")
    click.echo("\n$ soustrace query uses aws --all-orgs")
    write_frame(uses(engine, "aws", include_without_contracts=True), "table", None, title="uses aws")
    click.echo("\n$ soustrace query chain 156-2025")
    from rich.console import Console

    Console().print(render_tree(chain(engine, "156-2025")))
