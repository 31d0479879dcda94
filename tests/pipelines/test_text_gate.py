"""The store reads notices' free texts through `extract_relations` (texts read once, the pre-pass before any
spaCy, one `pipe` per batch): it must store exactly what the plain `extract_many` path stores.

The notices are the real award notices of data/samples/boamp and data/samples/ted/eforms_real with their own
free texts. Their texts hold no hosting statement, so to compare texts that DO have something, the real
annotated disclosures of data/samples/hosting/dev.jsonl are added as extra free-text fields of copies of
those notices (a test construction, not real findings), some repeated across notices as boilerplate is.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from samples import BOAMP, EFORMS_REAL, SAMPLES
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from soustrace.db import make_engine
from soustrace.extraction.extract import extract_many, extract_relations
from soustrace.models import Evidence, Relation
from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.store import Store
from soustrace.pipelines.store.batch import awarded
from soustrace.records import NoticeRecord

DEV = [json.loads(line)["text"] for line in (SAMPLES / "hosting" / "dev.jsonl").open(encoding="utf-8")]


def plain_finder(texts: list[str]) -> list[list[dict[str, Any]]]:
    """The ungated path: every text through `extract_many`, as the store read them before."""
    return [e.relations for e in extract_many(((None, t, None) for t in texts), batch_size=64)]


def real_awards() -> list[NoticeRecord]:
    out = []
    for source, folder in (("boamp", BOAMP), ("ted", EFORMS_REAL)):
        for path in sorted(folder.glob("*.xml")):
            rec = parse_payload(source, "", path.read_bytes(), content_type="application/xml")
            if not rec.parse_error and awarded(rec):
                out.append(rec)
    return out


def with_disclosures(records: list[NoticeRecord]) -> list[NoticeRecord]:
    """The real notices, then copies of them carrying the dev disclosures (every 7th one twice)."""
    out = list(records)
    per = -(-len(DEV) // len(records))
    for k, rec in enumerate(records):
        extra = DEV[k * per:(k + 1) * per] + DEV[k * 7 % len(DEV):k * 7 % len(DEV) + 1]
        twin = copy.deepcopy(rec)
        twin.source_id = f"{rec.source_id}-with-disclosures"
        twin.raw = rec.raw + b"<!-- test copy -->"
        twin.texts = {**rec.texts, **{f"disclosure{i}": t for i, t in enumerate(extra)}}
        out.append(twin)
    return out


def stored_edges(url: str) -> tuple[list[tuple], list[tuple]]:
    engine = create_engine(url)
    with Session(engine) as s:
        rels = {r.id: (r.edge_key, r.provider_id, r.provider_name, r.role, r.status, r.confidence, r.method)
                for r in s.scalars(select(Relation))}
        evs = sorted((rels[e.relation_id][0], e.path, e.text, e.start, e.end, e.kind)
                     for e in s.scalars(select(Evidence).where(Evidence.relation_id.is_not(None))))
    engine.dispose()
    return sorted(rels.values()), evs


def test_the_gate_finds_what_every_text_through_spacy_finds() -> None:
    texts = [t for rec in real_awards() for t in rec.texts.values()] + DEV + DEV[:20]
    gated = extract_relations(texts)
    assert gated == plain_finder(texts)
    assert sum(bool(r) for r in gated[-len(DEV) - 20:]) > 100  # the disclosures do hold relations
    gated[-1].append({"mutated": True})
    assert extract_relations(texts)[-1] != gated[-1]  # each owner gets its own lists


def test_the_store_keeps_the_same_edges_and_evidence_with_the_gate(tmp_path: Path) -> None:
    records = with_disclosures(real_awards())
    urls = []
    for name, finder in (("plain", plain_finder), ("gated", None)):
        url = f"sqlite:///{tmp_path / name}.db"
        store = Store(make_engine(url))
        if finder is not None:
            store.find_texts = finder
        stats = store.add_all(copy.deepcopy(records))
        assert stats.stored == len(records)
        urls.append(url)
    plain, gated = (stored_edges(u) for u in urls)
    hosting = [r for r in gated[0] if r[6] == "nlp"]
    assert len(hosting) > 50, "the disclosures must make NLP edges, or this compares nothing"
    assert gated == plain
