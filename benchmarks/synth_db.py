"""Generate a SYNTHETIC soustrace database to benchmark the answers (queries and exports) at scale.

EVERYTHING THIS WRITES IS SYNTHETIC except the provider catalog (copied from data/providers.json so provider
ids, names and jurisdictions are the real ones the queries resolve). Organisations are named
"SYNTH ORG 000123" / "SYNTH BUYER 000123", their SIRENs are "S" + 8 digits (never a valid French SIREN, so
no synthetic row can be mistaken for a real company), notices come from source "synth", every evidence text
starts with "SYNTHETIC", URLs are under https://synthetic.invalid/, and a crawl_window row of source "synth"
says where the data came from.

Default scale: 1,000,000 contracts (2 lots per notice), 200,000 organisations (5% buyers), 50,000 hosting
edges, plus co-contractors, declared subcontractors and one evidence row per party role and per edge, as the
real pipeline writes them. Rows go in with SQLAlchemy Core `insert()` executemany batches, one transaction per
table, through the same Alembic schema as production (so the benchmark measures the real indexes).

    python benchmarks/synth_db.py --db sqlite:///benchmarks/synth.db
    python benchmarks/synth_db.py --db sqlite:///small.db --contracts 20000 --orgs 5000 --hosting 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from soustrace.db import make_engine
from soustrace.models import Contract, CrawlWindow, Evidence, Notice, Organization, PartyRole, Provider, Relation
from soustrace.models.summary import refresh_summaries
from soustrace.queries import answer_cache

ROOT = Path(__file__).resolve().parents[1]
BATCH = 20000
# Share of hosting edges per provider (synthetic, roughly "hyperscalers and French hosts dominate").
PROVIDER_SHARE = {"aws": 0.20, "ovhcloud": 0.20, "azure": 0.10, "gcp": 0.07, "scaleway": 0.07, "cloudflare": 0.08,
                  "outscale": 0.04, "ionos": 0.04, "gandi": 0.03, "o2switch": 0.03, "netlify": 0.03, "heroku": 0.02,
                  "clever_cloud": 0.03, "numspot": 0.02, "infomaniak": 0.02}
CPVS = ["72000000", "72200000", "72212000", "72260000", "72400000", "48000000", "48800000", "79340000", "79800000",
        "22100000", "30200000", "45000000", "50300000", "64200000", "71000000", "80500000", "85000000", "90000000"]


def log(msg: str) -> None:
    print(f"[synth {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(engine: Engine, table: Any, rows: Iterator[dict[str, Any]], label: str) -> int:
    start, n = time.perf_counter(), 0
    with engine.begin() as conn:
        for batch in batches(rows):
            conn.execute(insert(table), batch)
            n += len(batch)
    log(f"{label}: {n:,} rows in {time.perf_counter() - start:.1f}s")
    return n


def providers(engine: Engine) -> list[str]:
    """The real catalog if present (ids must be real for `uses aws` to resolve), else a tiny stand-in."""
    path = ROOT / "data" / "providers.json"
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Provider)):
            return list(conn.scalars(select(Provider.id)))
    rows = []
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))["providers"]
        entries = data.values() if isinstance(data, dict) else data
        for p in entries:
            cloud_act = p.get("cloud_act")
            secnum = p.get("secnumcloud") if isinstance(p.get("secnumcloud"), dict) else {}
            rows.append({"id": p["id"], "name": p.get("display_name") or p["id"], "hq_country": p.get("hq_country"),
                         "jurisdiction": p.get("jurisdiction"),
                         "cloud_act": None if cloud_act is None else str(cloud_act).lower(),
                         # the column is VARCHAR(40); some catalog statuses are longer (PostgreSQL enforces it)
                         "secnumcloud_status": (secnum.get("status") or "")[:40] or None, "data": p})
    else:
        for pid in PROVIDER_SHARE:
            rows.append({"id": pid, "name": pid, "jurisdiction": "unknown", "data": {"aliases": [pid]}})
    load(engine, Provider.__table__, iter(rows), "provider (catalog, real)")
    return [r["id"] for r in rows]


def generate(engine: Engine, *, contracts: int, orgs: int, hosting: int, seed: int) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    known = providers(engine)
    share = {p: s for p, s in PROVIDER_SHARE.items() if p in known}
    n_buyers = max(1, orgs // 20)
    n_companies = orgs - n_buyers
    log(f"SYNTHETIC data: {contracts:,} contracts, {orgs:,} organisations ({n_buyers:,} buyers), {hosting:,} hosting")

    def org_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, orgs + 1):
            buyer = i <= n_buyers
            name = f"SYNTH {'BUYER' if buyer else 'ORG'} {i:06d}"
            yield {"id": i, "org_key": f"SYNTH:{i:06d}", "name": name, "normalized_name": name,
                   "siren": f"S{i:08d}", "country": "FR", "kind": "public-buyer" if buyer else "company",
                   "id_valid": False, "id_issue": "SYNTHETIC benchmark organisation"}

    load(engine, Organization.__table__, org_rows(), "organization")

    n_notices = (contracts + 1) // 2
    start = dt.date(2019, 1, 1)

    def notice_rows() -> Iterator[dict[str, Any]]:
        days = rng.integers(0, 7 * 365, n_notices)
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for i in range(1, n_notices + 1):
            yield {"id": i, "source": "synth", "source_id": f"SYNTH-{i:07d}",
                   "url": f"https://synthetic.invalid/notice/{i:07d}", "publication_date": start + dt.timedelta(
                       days=int(days[i - 1]) + 20), "kind": "award", "schema_version": "synthetic",
                   "sha256": f"{i:064d}", "revision": 1, "fetched_at": now, "parse_status": "ok"}

    load(engine, Notice.__table__, notice_rows(), "notice")

    # Buyers and contractors are skewed (index = n * u**2): the most active company holds ~0.2% of the roles
    # (a few thousand contracts), most appear a handful of times — roughly what award data looks like.
    buyer_of = (n_buyers * rng.random(contracts) ** 2).astype(np.int64) + 1
    notice_days = rng.integers(0, 7 * 365, n_notices)
    amounts = np.round(rng.lognormal(11.0, 1.6, contracts), 2)
    cpv_idx = rng.integers(0, len(CPVS), contracts)

    def contract_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, contracts + 1):
            notice = (i + 1) // 2
            yield {"id": i, "notice_id": notice, "lot": f"LOT-{2 - i % 2}", "buyer_id": int(buyer_of[i - 1]),
                   "title": f"SYNTHETIC CONTRACT {i:07d}", "cpv": CPVS[cpv_idx[i - 1]],
                   "award_date": start + dt.timedelta(days=int(notice_days[notice - 1])),
                   "amount": float(amounts[i - 1]), "currency": "EUR"}

    load(engine, Contract.__table__, contract_rows(), "contract")

    pool = iter((n_buyers + (n_companies * rng.random(4 * contracts + hosting) ** 2).astype(np.int64) + 1).tolist())

    def company() -> int:
        return next(pool)

    party_id = 0
    subcontracts: list[tuple[int, int, int]] = []  # (contract, main, sub)

    def party_rows() -> Iterator[dict[str, Any]]:
        nonlocal party_id
        kinds = rng.random(contracts)
        for c in range(1, contracts + 1):
            roll = kinds[c - 1]
            if roll < 0.7:
                members = [(company(), "winner")]
            else:
                members = [(company(), "lead")] + [(company(), "member") for _ in range(1 + int(roll * 10) % 2)]
            if roll > 0.9 or roll < 0.03:
                sub = company()
                members.append((sub, "subcontractor"))
                subcontracts.append((c, members[0][0], sub))
            seen: set[tuple[int, str]] = set()
            for org, role in members:
                if (org, role) in seen:
                    continue
                seen.add((org, role))
                party_id += 1
                yield {"id": party_id, "contract_id": c, "org_id": org, "role": role,
                       "name_as_written": f"SYNTH ORG {org:06d}", "national_id": f"S{org:08d}"}

    load(engine, PartyRole.__table__, party_rows(), "party_role")

    seen_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def party_evidence() -> Iterator[dict[str, Any]]:
        for pid in range(1, party_id + 1):
            yield {"id": pid, "evidence_key": f"synth-party-{pid}", "party_role_id": pid, "kind": "structured",
                   "text": "SYNTHETIC party role", "path": "synthetic", "extractor": "synth", "seen_at": seen_at}

    load(engine, Evidence.__table__, party_evidence(), "evidence (party roles)")

    provider_ids = list(share)
    weights = np.array([share[p] for p in provider_ids])
    chosen = rng.choice(len(provider_ids), hosting, p=weights / weights.sum())
    roles = rng.choice(["host", "cdn", "data-storage", "sub-processor"], hosting, p=[0.75, 0.1, 0.08, 0.07])
    statuses = rng.choice(["current", "past", "planned"], hosting, p=[0.85, 0.1, 0.05])
    methods = rng.choice(["nlp", "dns"], hosting, p=[0.6, 0.4])
    confidence = np.round(rng.uniform(0.5, 1.0, hosting), 2)
    hosted = [company() for _ in range(hosting)]
    rel_id = 0

    def relation_rows() -> Iterator[dict[str, Any]]:
        nonlocal rel_id
        for c, main, sub in subcontracts:
            rel_id += 1
            yield {"id": rel_id, "edge_key": f"synth|declared-subcontract|{rel_id}", "kind": "declared-subcontract",
                   "role": None, "status": "current", "method": "structured", "confidence": 1.0, "src_org_id": main,
                   "dst_org_id": sub, "provider_id": None, "contract_id": c, "first_seen": seen_at,
                   "last_seen": seen_at}
        for i in range(hosting):
            rel_id += 1
            yield {"id": rel_id, "edge_key": f"synth|hosting|{rel_id}", "kind": "hosting", "role": str(roles[i]),
                   "status": str(statuses[i]), "method": str(methods[i]), "confidence": float(confidence[i]),
                   "src_org_id": hosted[i], "dst_org_id": None, "provider_id": provider_ids[chosen[i]],
                   "contract_id": None, "first_seen": seen_at, "last_seen": seen_at}

    load(engine, Relation.__table__, relation_rows(), "relation")
    first_hosting = len(subcontracts) + 1

    def relation_evidence() -> Iterator[dict[str, Any]]:
        eid = party_id
        for rid in range(1, rel_id + 1):
            eid += 1
            hosting_edge = rid >= first_hosting
            text = (f"SYNTHETIC: hébergé par {provider_ids[chosen[rid - first_hosting]]}" if hosting_edge
                    else "SYNTHETIC subcontractor")
            yield {"id": eid, "evidence_key": f"synth-rel-{rid}", "relation_id": rid,
                   "kind": str(methods[rid - first_hosting]) if hosting_edge else "structured",
                   "source_url": f"https://synthetic.invalid/legal/{rid}" if hosting_edge else None,
                   "text": text, "extractor": "synth", "seen_at": seen_at}

    load(engine, Evidence.__table__, relation_evidence(), "evidence (relations)")
    with engine.begin() as conn:
        conn.execute(delete(CrawlWindow).where(CrawlWindow.source == "synth"))
        conn.execute(insert(CrawlWindow), [{"source": "synth", "date_from": start, "date_until": dt.date(2025, 12, 31),
                                            "params": "SYNTHETIC: benchmarks/synth_db.py", "status": "complete",
                                            "stored": contracts}])
    started = time.perf_counter()
    with Session(engine) as session, session.begin():  # what the store keeps current, built in one pass
        refresh_summaries(session, None)
    print(f"org_contract_summary rebuilt in {time.perf_counter() - started:.1f}s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            for table in ("organization", "notice", "contract", "party_role", "relation", "evidence"):
                conn.exec_driver_sql(  # ids were given explicitly: move the sequences past them
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    started = time.perf_counter()  # as a crawl command does when it ends
    answer_cache.refresh(engine)
    print(f"stored answer rows (hosting_answer) rebuilt in {time.perf_counter() - started:.1f}s", flush=True)
    return {"organizations": orgs, "notices": n_notices, "contracts": contracts, "party_roles": party_id,
            "declared_subcontracts": len(subcontracts), "hosting": hosting, "relations": rel_id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{ROOT / 'benchmarks' / 'synth.db'}", help="database URL")
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=200_000)
    parser.add_argument("--hosting", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args(argv)
    engine = make_engine(args.db)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Contract)):
            print(f"{args.db} already has contracts: use an empty database", file=sys.stderr)
            return 2
    start = time.perf_counter()
    counts = generate(engine, contracts=args.contracts, orgs=args.orgs, hosting=args.hosting, seed=args.seed)
    log(f"done in {time.perf_counter() - start:.0f}s: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    print(json.dumps({"synthetic": True, "db": args.db, **counts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
