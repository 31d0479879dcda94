"""`soustrace demo`: the offline quick start on the real samples shipped in data/samples/."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.orm import Session

from soustrace.commands.common import engine_from_ctx, err_console

PRESS_URL = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"
# The legal notice of participation-citoyenne.gouv.fr (data/samples/chains/02_...): the DITP's own site, read
# as `crawl disclosures` reads a buyer's site (offline: the page text is the shipped excerpt).
LEGAL_NOTICE = "02_participation-citoyenne_gouv_mentions.txt"
DITP = "Direction interministérielle de la Transformation Publique (DITP)"
DITP_SITE = "https://participation-citoyenne.gouv.fr"


def ingest_chains(engine, chains_dir) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The real chain excerpts: each section of each file as a press / court / official text (awards and
    hosting stated in prose), and the DITP site's legal notice as that buyer's own site."""
    from soustrace.hosting.excerpts import read_excerpts
    from soustrace.hosting.press import as_html, ingest_press_document
    from soustrace.pipelines.disclosures import DisclosureWriter, PageRecord, SiteRef
    from soustrace.pipelines.reported import org_by_name
    from soustrace.pipelines.store import Writer

    counts = {"texts": 0, "reported_contracts": 0, "hosting_statements": 0, "legal_pages": 0}
    for path in sorted(chains_dir.glob("*.txt")):
        for excerpt in read_excerpts(path):
            if path.name == LEGAL_NOTICE:
                with Session(engine) as session, session.begin():
                    writer = Writer(session)
                    org = org_by_name(writer, DITP, kind="public-buyer", source="user")
                    assert org is not None
                    site = writer.site(DITP_SITE, kind="buyer", org=org, found_by="user")
                    ref = SiteRef(site_id=site.id, org_id=org.id, kind="buyer", url=site.url)
                pages = DisclosureWriter(engine)
                pages.write_page(PageRecord(url=excerpt.url, kind="legal", html=as_html(excerpt.text), sites=[ref]))
                pages.finish()
                counts["legal_pages"] += 1
                continue
            result = ingest_press_document(engine, None, excerpt.url, kind=excerpt.kind, text=excerpt.text)
            counts["texts"] += 1
            counts["reported_contracts"] += len(result["reported_contracts"])
            counts["hosting_statements"] += len(result["relations"])
    return counts


@click.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load the shipped real samples and answer "who uses AWS", offline.

    \b
    It ingests data/samples (BOAMP and TED award notices, DECP contract data), the seed-story press article
    (the CNR consultation run by Bluenove, partly hosted on AWS) and the real chain excerpts of
    data/samples/chains (awards stated by the press, a Conseil d'État ruling and official texts become
    contracts of kind `reported`; the DITP site's legal notice names who built it and who hosts it), then
    prints `query uses aws`, `query chain DITP` and the chain of the TED award 156-2025 (lead, member,
    subcontractor). Safe to run twice.

    \b
    Example:
      soustrace demo && soustrace query uses aws --format json
    """
    from soustrace.commands.chain_tree import render_tree
    from soustrace.commands.output import write_frame
    from soustrace.hosting.press import ingest_press_document
    from soustrace.paths import DATA_DIR
    from soustrace.pipelines.ingest import expand, iter_records
    from soustrace.pipelines.store import Store
    from soustrace.queries.chain import chain
    from soustrace.queries.stats import db_stats
    from soustrace.queries.uses import uses

    engine = engine_from_ctx(ctx)
    samples = DATA_DIR / "samples"

    def file_error(path: Path, exc: Exception) -> None:
        err_console.print(f"[red]error[/red] {path}: {exc}")

    total = Store(engine).add_all(iter_records(expand([samples / "boamp", samples / "ted", samples / "decp"]),
                                               file_error))
    err_console.print(f"notices: {json.dumps(total.as_dict())}")
    press = ingest_press_document(engine, samples / "press" / "cnr-huffpost.html", PRESS_URL, org="Bluenove")
    err_console.print(f"press article: {len(press['relations'])} hosting statement(s)")
    err_console.print(f"chain excerpts: {json.dumps(ingest_chains(engine, samples / 'chains'))}")
    err_console.print(f"database: {json.dumps(db_stats(engine))}")
    from rich.console import Console

    from soustrace.commands.query import USES_TABLE

    click.echo("\n$ soustrace query uses aws")
    write_frame(uses(engine, "aws"), "table", None, title="uses aws",
                table_columns=[c for c in USES_TABLE if c not in ("siren", "via", "currency", "disagreement")])
    click.echo("\n$ soustrace query chain DITP")
    Console().print(render_tree(chain(engine, "DITP")))
    click.echo("\n$ soustrace query chain 156-2025")
    Console().print(render_tree(chain(engine, "156-2025")))
