"""SQL views that flatten edges and awards with their best evidence, so Datasette's facets work on them.

A journalist browsing `relation` sees ids; faceting "which providers, which buyers, which methods" needs the
names, the provider's jurisdiction and the quote on the same row. These views join them once:

* `provider_facts`: the catalog with jurisdiction, CLOUD Act exposure and SecNumCloud folded into four values
  (the same buckets as `queries.catalog.secnumcloud_bucket`).
* `edges`: one row per relation (hosting, built-by, runs-on, delivers-site, declared-subcontract, ...) with
  its organisation, the provider or organisation it points at, and its best evidence (a row with a quote
  first, then the latest seen: the rule of `queries.evidence`) and how many evidence rows back it.
* `hosting`: the hosting edges of `edges` that are not negated ("not hosted by X" never counts).
* `contracts`: one row per contract (lot) with its buyer and notice; `reported_contracts` the ids of the
  reported ones (none without the column), which the canned queries read once instead of looking up the
  kind of every contract they count.
* `awards`: one row per party role on a contract: buyer, notice, lot, amount, the party and its evidence;
  `contract_kind` is `reported` for a contract known from a press article or a ruling (when the database
  has a `contract.kind` column) so it is never mistaken for a notice.
* `supply_chain`: buyer → contract → contractor → provider, one row per (award, hosting edge).

Views are schema only: creating them writes no data and fires no trigger. They live in the served file
(where `sqlite3` and Datasette both see them) and are re-created by `install_views` each time `soustrace
serve` or `export sqlite` runs, so a newer soustrace replaces older definitions. A migration that rewrites
a table a view reads (SQLite's table rebuild) may call `drop_views` first; adding a column needs nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# dependents first
VIEW_NAMES = ("supply_chain", "awards", "contracts", "reported_contracts", "hosting", "edges", "provider_facts")

# The best evidence row of a relation / party role: with a quote first, then the most recently seen.
_BEST = """(SELECT e2.id FROM evidence e2 WHERE e2.{key} = {outer}.id
        ORDER BY e2.text IS NULL, e2.seen_at DESC, e2.id DESC LIMIT 1)"""


def _evidence_columns(key: str, outer: str) -> str:
    """The best evidence's columns as scalar subqueries of the select list, not a join of the FROM clause:
    SQLite then computes them only for the rows a page shows, never for a count or a facet over the view."""
    best = _BEST.format(key=key, outer=outer)
    links = "FROM evidence e LEFT JOIN notice n ON n.id = e.notice_id LEFT JOIN document doc ON doc.id = e.document_id"
    return f"""(SELECT e.text FROM evidence e WHERE e.id = {best}) AS quote,
       (SELECT coalesce(e.source_url, n.url, doc.url) {links} WHERE e.id = {best}) AS evidence_url,
       (SELECT CASE WHEN n.id IS NOT NULL THEN n.source || ':' || n.source_id
                    WHEN e.document_id IS NOT NULL THEN 'document:' || e.document_id END
        {links} WHERE e.id = {best}) AS evidence_ref,
       (SELECT coalesce(doc.kind, e.kind) {links} WHERE e.id = {best}) AS evidence_kind,
       (SELECT e.seen_at FROM evidence e WHERE e.id = {best}) AS evidence_seen_at,
       (SELECT count(*) FROM evidence e3 WHERE e3.{key} = {outer}.id) AS evidence_count"""


PROVIDER_FACTS = """
CREATE VIEW provider_facts AS
SELECT p.id AS provider_id, p.name AS provider, p.hq_country,
       coalesce(p.jurisdiction, 'unknown') AS jurisdiction,
       coalesce(p.cloud_act, 'unknown') AS cloud_act,
       CASE WHEN lower(p.secnumcloud_status) LIKE 'qualified%' THEN 'qualified'
            WHEN lower(p.secnumcloud_status) LIKE 'in_process%' OR lower(p.secnumcloud_status) LIKE 'in process%'
                THEN 'in-process'
            WHEN lower(p.secnumcloud_status) LIKE 'not_qualified%' OR lower(p.secnumcloud_status) LIKE 'not qualified%'
                THEN 'not-qualified'
            ELSE 'unknown' END AS secnumcloud,
       p.secnumcloud_status, p.secnumcloud_date
FROM provider p
"""

EDGES = f"""
CREATE VIEW edges AS
SELECT r.id AS relation_id, r.kind, coalesce(r.role, CASE WHEN r.kind = 'hosting' THEN 'host' END) AS role,
       r.status, r.method, r.confidence,
       coalesce(r.src_org_id, s.org_id) AS org_id, o.name AS organization, o.kind AS org_kind, o.siren,
       coalesce(r.provider_id, d.provider_id) AS provider_id,
       coalesce(pf.provider, r.provider_name, d.name) AS provider,
       r.provider_name AS provider_as_written,
       coalesce(pf.jurisdiction, 'unknown') AS jurisdiction, coalesce(pf.cloud_act, 'unknown') AS cloud_act,
       coalesce(pf.secnumcloud, 'unknown') AS secnumcloud,
       r.dst_org_id AS target_org_id, d.name AS target, s.url AS site_url, s.kind AS site_kind,
       r.contract_id, r.target_url, r.first_seen, r.last_seen,
       {_evidence_columns("relation_id", "r")}
FROM relation r
LEFT JOIN site s ON s.id = r.site_id
LEFT JOIN organization o ON o.id = coalesce(r.src_org_id, s.org_id)
LEFT JOIN organization d ON d.id = r.dst_org_id
LEFT JOIN provider_facts pf ON pf.provider_id = coalesce(r.provider_id, d.provider_id)
"""

HOSTING = """
CREATE VIEW hosting AS
SELECT * FROM edges WHERE kind = 'hosting' AND status <> 'negated'
"""

REPORTED = """
CREATE VIEW reported_contracts AS
SELECT c.id AS contract_id FROM contract c WHERE {reported}
"""

CONTRACTS = """
CREATE VIEW contracts AS
SELECT c.id AS contract_id, {contract_kind} AS contract_kind, n.source, n.source_id AS notice, c.lot,
       coalesce(n.source || ':' || n.source_id, 'contract:' || c.id)
           || CASE WHEN c.lot <> '' THEN '#' || c.lot ELSE '' END AS contract_ref,
       c.title, c.cpv, c.procedure, c.award_date, c.amount, c.currency, c.buyer_id, b.name AS buyer,
       b.siren AS buyer_siren, n.url AS notice_url
FROM contract c
LEFT JOIN notice n ON n.id = c.notice_id
LEFT JOIN organization b ON b.id = c.buyer_id
"""

AWARDS = """
CREATE VIEW awards AS
SELECT c.id AS contract_id, {contract_kind} AS contract_kind, nt.source,
       nt.source_id AS notice, c.lot,
       coalesce(nt.source || ':' || nt.source_id, 'contract:' || c.id)
           || CASE WHEN c.lot <> '' THEN '#' || c.lot ELSE '' END AS contract_ref,
       c.title, c.cpv, c.procedure, c.award_date, c.amount, c.currency,
       c.buyer_id, b.name AS buyer, b.siren AS buyer_siren,
       pr.id AS party_role_id, pr.org_id, o.name AS organization, o.siren, o.country, pr.role,
       pr.name_as_written, pr.national_id, pr.amount AS party_amount,
       CASE WHEN pr.role = 'subcontractor' THEN
           (SELECT group_concat(so.name, '; ') FROM relation ds JOIN organization so ON so.id = ds.src_org_id
            WHERE ds.kind = 'declared-subcontract' AND ds.dst_org_id = pr.org_id AND ds.contract_id = c.id)
       END AS subcontractor_of,
       {evidence}, nt.url AS notice_url
FROM party_role pr
JOIN contract c ON c.id = pr.contract_id
JOIN organization o ON o.id = pr.org_id
LEFT JOIN notice nt ON nt.id = c.notice_id
LEFT JOIN organization b ON b.id = c.buyer_id
"""

SUPPLY_CHAIN = """
CREATE VIEW supply_chain AS
SELECT a.buyer, a.buyer_siren, a.contract_ref, a.contract_kind, a.title, a.cpv, a.award_date, a.amount,
       a.currency, a.organization AS contractor, a.siren, a.role, a.subcontractor_of,
       h.provider, h.provider_id, h.jurisdiction, h.cloud_act, h.secnumcloud, h.role AS hosting_role, h.method,
       h.status, h.confidence, h.site_url, h.quote, h.evidence_url, h.evidence_ref, h.evidence_count,
       a.notice_url, a.contract_id, a.org_id, h.relation_id
FROM awards a
JOIN hosting h ON h.org_id = a.org_id
WHERE a.role IN ('winner', 'lead', 'member', 'subcontractor')
"""


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def view_statements(conn: sqlite3.Connection) -> list[str]:
    """The CREATE VIEW statements for this database (its optional columns decide a few expressions).

    `contract.kind` (contracts of kind `reported`, known from the press or a ruling) may not exist in every
    database; without it every contract is a notice's.
    """
    has_kind = "kind" in _columns(conn, "contract")
    contract_kind = "coalesce(c.kind, 'notice')" if has_kind else "'notice'"
    reported = "c.kind = 'reported'" if has_kind else "0"
    awards = AWARDS.format(contract_kind=contract_kind, evidence=_evidence_columns("party_role_id", "pr"))
    return [PROVIDER_FACTS, EDGES, HOSTING, REPORTED.format(reported=reported),
            CONTRACTS.format(contract_kind=contract_kind), awards, SUPPLY_CHAIN]


def drop_views(conn: sqlite3.Connection) -> None:
    for name in VIEW_NAMES:
        conn.execute(f"DROP VIEW IF EXISTS {name}")


def install_views(path: Path | str, *, timeout: float = 30.0) -> None:
    """(Re)create the views in the SQLite file at `path`, in one transaction (all or none).

    `timeout`: how long to wait for a writer (a crawl) to release the file before giving up.
    """
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        drop_views(conn)
        for sql in view_statements(conn):
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def install_temp_views(conn: sqlite3.Connection) -> None:
    """The same views as TEMP views of one connection: for a file that cannot be written.

    Canned queries work on them; Datasette lists only the file's own views, so these are not browsable.
    """
    for sql in view_statements(conn):
        conn.execute(sql.replace("CREATE VIEW", "CREATE TEMP VIEW IF NOT EXISTS", 1))
