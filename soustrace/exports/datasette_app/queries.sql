-- The canned queries of `soustrace serve`, over the views of views.py. Each query starts at a `-- name:` line;
-- `{{provider_match}}` is replaced by the block of the same name (the provider typed, resolved like
-- `soustrace query uses`: catalog id, name or alias, any case; plus providers that run on it, one hop; plus
-- hosting edges whose provider is only known by the name as written).

-- block: provider_match
asked AS (
  SELECT p.id FROM provider p
  WHERE lower(p.id) = lower(trim(:provider)) OR lower(p.name) = lower(trim(:provider))
     OR lower(coalesce(json_extract(p.data, '$.display_name'), '')) = lower(trim(:provider))
     OR EXISTS (SELECT 1 FROM json_each(p.data, '$.aliases') a WHERE lower(a.value) = lower(trim(:provider)))
),
spellings AS (
  SELECT lower(trim(:provider)) AS name
  UNION SELECT lower(p.id) FROM provider p WHERE p.id IN (SELECT id FROM asked)
  UNION SELECT lower(p.name) FROM provider p WHERE p.id IN (SELECT id FROM asked)
  UNION SELECT lower(a.value) FROM provider p, json_each(p.data, '$.aliases') a WHERE p.id IN (SELECT id FROM asked)
),
matched_ids AS (
  SELECT id AS provider_id, NULL AS via FROM asked
  UNION
  SELECT o.provider_id, o.provider_id FROM relation ro JOIN organization o ON o.id = ro.src_org_id
  WHERE ro.kind = 'runs-on' AND ro.status <> 'negated' AND ro.provider_id IN (SELECT id FROM asked)
    AND o.provider_id IS NOT NULL AND o.provider_id NOT IN (SELECT id FROM asked)
  UNION
  SELECT p.id, p.id FROM provider p, json_each(p.data, '$.runs_on') r
  WHERE json_array_length(r.value, '$.provider_ids') = 1
    AND json_extract(r.value, '$.provider_ids[0]') IN (SELECT id FROM asked)
    AND p.id NOT IN (SELECT id FROM asked)
),
matched AS (
  SELECT h.*, m.via FROM hosting h JOIN matched_ids m ON m.provider_id = h.provider_id
  UNION ALL
  SELECT h.*, NULL FROM hosting h
  WHERE h.provider_id IS NULL AND lower(h.provider_as_written) IN (SELECT name FROM spellings)
),
unknown AS (
  SELECT 'no provider is called ' || quote(trim(:provider)) || ': the providers query lists the known names'
         AS message
  WHERE NOT EXISTS (SELECT 1 FROM asked)
    AND NOT EXISTS (SELECT 1 FROM hosting h WHERE h.provider_id IS NULL
                    AND lower(h.provider_as_written) = lower(trim(:provider)))
)

-- name: uses
WITH {{provider_match}},
roles AS (
  SELECT DISTINCT pr.org_id, pr.contract_id, CASE WHEN pr.role = 'subcontractor' THEN 0 ELSE 1 END AS won
  FROM party_role pr
  WHERE pr.role IN ('winner', 'lead', 'member', 'subcontractor') AND pr.org_id IN (SELECT org_id FROM matched)
),
stats AS (
  SELECT r.org_id,
    count(CASE WHEN r.won = 1 AND c.contract_kind <> 'reported' THEN 1 END) AS contracts_won,
    count(CASE WHEN r.won = 0 AND c.contract_kind <> 'reported' THEN 1 END) AS subcontracts,
    count(CASE WHEN c.contract_kind = 'reported' THEN 1 END) AS reported_contracts,
    CASE WHEN count(DISTINCT CASE WHEN r.won = 1 AND c.contract_kind <> 'reported' AND c.amount IS NOT NULL
                                  THEN c.currency END) <= 1
         THEN sum(CASE WHEN r.won = 1 AND c.contract_kind <> 'reported' THEN c.amount END) END AS total_amount,
    group_concat(DISTINCT CASE WHEN r.won = 1 AND c.contract_kind <> 'reported' AND c.amount IS NOT NULL
                               THEN c.currency END) AS currency,
    count(DISTINCT c.buyer_id) AS n_buyers,
    min(c.award_date) AS first_award, max(c.award_date) AS last_award
  FROM roles r JOIN contracts c ON c.contract_id = r.contract_id
  GROUP BY r.org_id
)
SELECT * FROM (
SELECT m.organization AS contractor, m.siren, m.org_kind, m.provider, pv.name AS via, m.role, m.status, m.method,
       m.confidence, m.quote, m.evidence_url, m.evidence_ref, m.evidence_kind, m.evidence_seen_at,
       m.evidence_count, coalesce(s.contracts_won, 0) AS contracts_won, coalesce(s.subcontracts, 0) AS subcontracts,
       coalesce(s.reported_contracts, 0) AS reported_contracts, s.total_amount, s.currency,
       coalesce(s.n_buyers, 0) AS n_buyers,
       (SELECT group_concat(buyer, ' | ') FROM (
          SELECT DISTINCT c.buyer FROM roles r2 JOIN contracts c ON c.contract_id = r2.contract_id
          WHERE r2.org_id = m.org_id AND c.buyer IS NOT NULL ORDER BY c.buyer LIMIT 20)) AS buyers,
       s.first_award, s.last_award, m.site_url, m.first_seen, m.last_seen, m.org_id, m.relation_id
FROM matched m
LEFT JOIN stats s ON s.org_id = m.org_id
LEFT JOIN provider pv ON pv.id = m.via
UNION ALL
SELECT message, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM unknown
)
ORDER BY contracts_won + reported_contracts > 0 DESC, total_amount IS NULL, total_amount DESC, contractor,
         relation_id

-- name: buyers_on
WITH {{provider_match}}
SELECT m.organization AS buyer, m.siren, m.site_url, m.site_kind, m.provider, pv.name AS via, m.role, m.status,
       m.method, m.confidence, m.quote, m.evidence_url, m.evidence_ref, m.evidence_kind, m.evidence_seen_at,
       m.evidence_count, (SELECT count(*) FROM contract c WHERE c.buyer_id = m.org_id) AS contracts_awarded,
       m.org_id, m.relation_id
FROM matched m
LEFT JOIN provider pv ON pv.id = m.via
WHERE m.org_kind = 'public-buyer' OR m.site_kind IN ('buyer', 'buyer-site')
UNION ALL
SELECT message, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL
FROM unknown
ORDER BY contracts_awarded DESC, buyer, relation_id

-- name: chain
WITH ref AS (
  SELECT r, CASE WHEN instr(base, ':') > 0 AND lower(substr(base, 1, instr(base, ':') - 1))
                      IN ('boamp', 'ted', 'decp', 'notice')
                 THEN substr(base, instr(base, ':') + 1) ELSE base END AS source_id,
         CASE WHEN instr(base, ':') > 0 AND lower(substr(base, 1, instr(base, ':') - 1)) IN ('boamp', 'ted', 'decp')
              THEN lower(substr(base, 1, instr(base, ':') - 1)) END AS source,
         lot, replace(r, ' ', '') AS digits
  FROM (SELECT r, CASE WHEN instr(r, '#') > 0 THEN substr(r, 1, instr(r, '#') - 1) ELSE r END AS base,
               CASE WHEN instr(r, '#') > 0 THEN substr(r, instr(r, '#') + 1) END AS lot
        FROM (SELECT trim(:ref) AS r))
),
ref_contracts AS (
  SELECT c.id FROM contract c, ref WHERE ref.r LIKE 'contract:%' AND c.id = CAST(substr(ref.r, 10) AS INTEGER)
  UNION
  SELECT c.id FROM ref, notice n JOIN contract c ON c.notice_id = n.id
  WHERE n.source IN ('boamp', 'ted', 'decp') AND n.source_id = ref.source_id
    AND (ref.source IS NULL OR n.source = ref.source) AND (ref.lot IS NULL OR c.lot = ref.lot)
),
exact_orgs AS (
  SELECT o.id FROM organization o, ref WHERE ref.r LIKE 'org:%' AND o.id = CAST(substr(ref.r, 5) AS INTEGER)
  UNION
  SELECT o.id FROM organization o, ref
  WHERE length(ref.digits) IN (9, 14) AND NOT ref.digits GLOB '*[^0-9]*' AND o.siren = substr(ref.digits, 1, 9)
  UNION
  SELECT o.id FROM organization o, ref WHERE o.normalized_name = upper(ref.r) OR upper(o.name) = upper(ref.r)
),
target_orgs AS (
  SELECT id FROM exact_orgs
  UNION
  SELECT id FROM (
    SELECT o.id FROM organization o, ref
    WHERE NOT EXISTS (SELECT 1 FROM exact_orgs) AND NOT EXISTS (SELECT 1 FROM ref_contracts)
      AND length(ref.r) >= 3 AND upper(o.name) LIKE '%' || upper(ref.r) || '%'
    ORDER BY o.name LIMIT 20)
),
target_contracts AS (
  SELECT id FROM ref_contracts
  UNION SELECT c.id FROM contract c WHERE c.buyer_id IN (SELECT id FROM target_orgs)
  UNION SELECT pr.contract_id FROM party_role pr WHERE pr.org_id IN (SELECT id FROM target_orgs)
),
parties AS (
  SELECT * FROM awards a
  WHERE a.contract_id IN (SELECT id FROM target_contracts) AND a.role IN ('winner', 'lead', 'member', 'subcontractor')
)
SELECT * FROM (
SELECT a.buyer, a.contract_ref, a.contract_kind, a.title, a.award_date, a.amount, a.currency,
       a.role AS party_role, a.organization, a.siren, a.subcontractor_of, a.quote AS party_quote,
       a.evidence_url AS party_evidence_url,
       CASE WHEN h.relation_id IS NOT NULL THEN 'hosting' END AS edge_kind, h.provider, h.jurisdiction,
       h.cloud_act, h.secnumcloud, h.role AS edge_role, h.method, h.status, h.confidence, h.site_url,
       h.quote AS edge_quote, h.evidence_url AS edge_evidence_url, a.contract_id, a.org_id, h.relation_id
FROM parties a
LEFT JOIN hosting h ON h.org_id = a.org_id
UNION ALL
SELECT CASE WHEN e.org_kind = 'public-buyer' THEN e.organization END, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, e.organization, e.siren, NULL, NULL, NULL, e.kind, coalesce(e.provider, e.target), e.jurisdiction,
       e.cloud_act, e.secnumcloud, e.role, e.method, e.status, e.confidence, e.site_url, e.quote, e.evidence_url,
       NULL, e.org_id, e.relation_id
FROM edges e
WHERE e.org_id IN (SELECT id FROM target_orgs) AND e.kind IN ('hosting', 'built-by') AND e.status <> 'negated'
  AND (e.kind <> 'hosting' OR e.org_id NOT IN (SELECT org_id FROM parties))
)
ORDER BY contract_ref IS NULL, contract_ref,
         CASE party_role WHEN 'winner' THEN 0 WHEN 'lead' THEN 1 WHEN 'member' THEN 2 ELSE 3 END,
         organization, provider

-- name: providers
WITH per_provider AS (
  SELECT h.provider_id, h.provider, h.jurisdiction, h.cloud_act, h.secnumcloud,
         count(DISTINCT h.org_id) AS organisations,
         count(DISTINCT CASE WHEN h.org_kind = 'public-buyer' THEN h.org_id END) AS public_bodies,
         count(DISTINCT CASE WHEN pr.role IN ('winner', 'lead', 'member') AND c.contract_kind <> 'reported'
                             THEN pr.contract_id END) AS contracts_won,
         count(DISTINCT CASE WHEN pr.role = 'subcontractor' AND c.contract_kind <> 'reported'
                             THEN pr.contract_id END) AS subcontracts,
         count(DISTINCT CASE WHEN c.contract_kind = 'reported' THEN pr.contract_id END) AS reported_contracts,
         count(DISTINCT h.relation_id) AS hosting_edges
  FROM hosting h
  LEFT JOIN party_role pr ON pr.org_id = h.org_id AND pr.role IN ('winner', 'lead', 'member', 'subcontractor')
  LEFT JOIN contracts c ON c.contract_id = pr.contract_id
  GROUP BY coalesce(h.provider_id, 'written:' || lower(h.provider))
)
SELECT * FROM per_provider
UNION ALL
SELECT pf.provider_id, pf.provider, pf.jurisdiction, pf.cloud_act, pf.secnumcloud, 0, 0, 0, 0, 0, 0
FROM provider_facts pf WHERE pf.provider_id NOT IN (SELECT provider_id FROM per_provider WHERE provider_id IS NOT NULL)
ORDER BY organisations DESC, contracts_won DESC, provider

-- name: providers_by_jurisdiction
SELECT h.jurisdiction, h.cloud_act, h.secnumcloud,
       group_concat(DISTINCT h.provider) AS providers,
       count(DISTINCT h.org_id) AS organisations,
       count(DISTINCT CASE WHEN h.org_kind = 'public-buyer' THEN h.org_id END) AS public_bodies,
       count(DISTINCT CASE WHEN pr.role IN ('winner', 'lead', 'member') AND c.contract_kind <> 'reported'
                           THEN pr.contract_id END) AS contracts_won,
       count(DISTINCT CASE WHEN c.contract_kind = 'reported' THEN pr.contract_id END) AS reported_contracts,
       count(DISTINCT h.relation_id) AS hosting_edges
FROM hosting h
LEFT JOIN party_role pr ON pr.org_id = h.org_id AND pr.role IN ('winner', 'lead', 'member', 'subcontractor')
LEFT JOIN contracts c ON c.contract_id = pr.contract_id
GROUP BY h.jurisdiction, h.cloud_act, h.secnumcloud
ORDER BY organisations DESC
