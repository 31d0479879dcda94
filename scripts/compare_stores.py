"""Compare two SQLite databases built from the same inputs by two versions of the store, by natural keys.

Ids differ between versions (rows are inserted in another order); everything else must not. Each table is
read with its ids replaced by what they point at (notice source id, lot, organisation key...), and the
two multisets of rows compared; exit status 1 when they differ:

    python scripts/compare_stores.py old.db new.db
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter

NOTICE_OF = "join notice n on n.id = c.notice_id"
Q = {
    "notice": "select source, source_id, url, publication_date, kind, schema_version, sha256, revision, "
              "parse_status, parse_error from notice",
    "revision": "select n.source_id, r.revision, r.sha256, r.content_type, length(r.raw) "
                "from notice_revision r join notice n on n.id = r.notice_id",
    "org": "select org_key, name, normalized_name, siren, siret, vat, foreign_id, foreign_scheme, country, kind, "
           "id_valid, id_issue, provider_id from organization",
    "alias": "select o.org_key, a.name, a.source from org_alias a join organization o on o.id = a.org_id",
    "contract": "select n.source_id, c.lot, b.org_key, c.title, c.cpv, c.procedure, c.award_date, c.amount, "
                "c.amount_min, c.amount_max, c.currency, c.offers_received, c.framework_agreement_id, "
                "c.duration_months, c.place, c.subcontracting, c.flags, c.extra "
                f"from contract c {NOTICE_OF} left join organization b on b.id = c.buyer_id",
    "role": "select n.source_id, c.lot, o.org_key, p.role, p.name_as_written, p.national_id, p.amount, p.extra "
            f"from party_role p join contract c on c.id = p.contract_id {NOTICE_OF} "
            "join organization o on o.id = p.org_id",
    "relation": "select r.kind, r.role, r.status, r.method, r.confidence, s.org_key, d.org_key, r.provider_id, "
                "r.provider_name, n.source_id, c.lot, r.target_url from relation r "
                "left join organization s on s.id = r.src_org_id left join organization d on d.id = r.dst_org_id "
                "left join contract c on c.id = r.contract_id left join notice n on n.id = c.notice_id",
    "evidence": "select e.kind, e.source_url, e.path, e.text, e.start, e.end, e.extractor, e.extractor_version, "
                "n.source_id, r.kind, r.method, ro.role, o.org_key from evidence e "
                "left join notice n on n.id = e.notice_id left join relation r on r.id = e.relation_id "
                "left join party_role ro on ro.id = e.party_role_id left join organization o on o.id = ro.org_id",
    "link": "select n.source_id, l.kind, l.target_source, l.target_source_id from notice_link l "
            "join notice n on n.id = l.notice_id",
    "site": "select s.url, s.domain, s.kind, o.org_key, s.contract_id is null, s.found_by from site s "
            "left join organization o on o.id = s.org_id",
    "summary": "select o.org_key, s.contracts_won, s.subcontracts, s.total_amount, s.n_currencies, s.currency_min, "
               "s.currency_max, s.first_award, s.last_award, (select group_concat(k, ',') from "
               "(select b.org_key k from organization b where (',' || s.buyer_ids || ',') like ('%,' || b.id || ',%') "
               "order by k)) from org_contract_summary s join organization o on o.id = s.org_id",
    "reject": "select source, record_id, url, stage, reason, excerpt from reject",
}


def main() -> int:
    a, b = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
    different = False
    for name, query in Q.items():
        ra, rb = Counter(a.execute(query).fetchall()), Counter(b.execute(query).fetchall())
        print(name, sum(ra.values()), sum(rb.values()), "SAME" if ra == rb else "DIFF")
        if ra != rb:
            different = True
            print("  only old:", list((ra - rb).items())[:3])
            print("  only new:", list((rb - ra).items())[:3])
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
