"""Press articles: statements stored as evidence of kind `press`, spans into the article text."""

from __future__ import annotations

import html
import importlib.util
import json
import sys
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.hosting.press import ingest_press_document
from soustrace.models import Document, Evidence, Relation

SITES = Path(__file__).parents[1] / "fixtures" / "sites"
sys.path.insert(0, str(SITES))
EXTRACTOR = ("soustrace.extraction.extract:extract" if importlib.util.find_spec("soustrace.extraction.extract")
             else "gold_extract:extract")
URL = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


def _article(tmp_path: Path) -> Path:
    snippet = next(json.loads(line) for line in (SITES / "snippets.jsonl").open(encoding="utf-8")
                   if json.loads(line)["id"] == "dev-015")
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in snippet["text"].split("\n\n"))
    path = tmp_path / "article.html"
    path.write_text(f"<html lang='fr'><body><nav><a href='/'>Accueil</a></nav><article>{body}</article>"
                    "</body></html>", encoding="utf-8")
    return path


def test_press_article_statements(engine: Engine, tmp_path: Path) -> None:
    path = _article(tmp_path)
    out = ingest_press_document(engine, path, URL, extractor=EXTRACTOR)
    assert out["new_document"] and out["relations"]
    with Session(engine) as s:
        doc = s.get(Document, out["document_id"])
        assert doc.kind == "press" and doc.url == URL and "Amazon" in doc.text
        rels = s.scalars(select(Relation).where(Relation.method == "press")).all()
        assert {(r.provider_id, r.kind) for r in rels} >= {("aws", "hosting")}
        for ev in s.scalars(select(Evidence).where(Evidence.document_id == doc.id)):
            assert ev.kind == "press" and ev.source_url == URL
            assert doc.text[ev.start:ev.end] in ev.text and ev.start < ev.end
        counts = (len(rels), len(s.scalars(select(Evidence)).all()))
    again = ingest_press_document(engine, path, URL, extractor=EXTRACTOR)
    assert not again["new_document"]
    with Session(engine) as s:
        assert (len(s.scalars(select(Relation)).all()), len(s.scalars(select(Evidence)).all())) == counts
