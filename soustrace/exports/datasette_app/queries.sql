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
matched_rel AS (  -- the three ways an edge names a provider, each through an index (as queries/hosting.py)
  SELECT r.id FROM relation r
  WHERE r.provider_id IN (SELECT provider_id FROM matched_ids) AND r.kind = 'hosting'
  UNION
  SELECT r.id FROM relation r
  WHERE r.dst_org_id IN (SELECT o.id FROM organization o WHERE o.provider_id IN (SELECT provider_id FROM matched_ids))
    AND r.kind = 'hosting'
  UNION
  SELECT r.id FROM relation r
  WHERE r.kind = 'hosting' AND r.provider_id IS NULL AND lower(r.provider_name) IN (SELECT name FROM spellings)
),
matched AS MATERIALIZED (
  SELECT h.*, CASE WHEN h.provider_id NOT IN (SELECT id FROM asked) THEN h.provider_id END AS via
  FROM matched_rel mr JOIN hosting h ON h.relation_id = mr.id
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
roles AS MATERIALIZED (
  SELECT DISTINCT pr.org_id, pr.contract_id, CASE WHEN pr.role = 'subcontractor' THEN 0 ELSE 1 END AS won
  FROM party_role pr
  WHERE pr.org_id IN (SELECT org_id FROM matched)
    AND pr.role IN ('winner', 'lead', 'member', 'subcontractor', 'reported')
),
reported AS MATERIALIZED (SELECT contract_id FROM reported_contracts),
won AS (
  SELECT r.org_id, r.won, r.contract_id NOT IN (SELECT contract_id FROM reported) AS noticed, c.amount, c.currency,
         c.buyer_id, c.award_date
  FROM roles r JOIN contract c ON c.id = r.contract_id
),
stats AS (
  SELECT org_id,
    count(CASE WHEN won = 1 AND noticed THEN 1 END) AS contracts_won,
    count(CASE WHEN won = 0 AND noticed THEN 1 END) AS subcontracts,
    count(CASE WHEN NOT noticed THEN 1 END) AS reported_contracts,
    CASE WHEN count(DISTINCT CASE WHEN won = 1 AND noticed AND amount IS NOT NULL THEN currency END) <= 1
         THEN sum(CASE WHEN won = 1 AND noticed THEN amount END) END AS total_amount,
    group_concat(DISTINCT CASE WHEN won = 1 AND noticed AND amount IS NOT NULL THEN currency END) AS currency,
    count(DISTINCT buyer_id) AS n_buyers, min(award_date) AS first_award, max(award_date) AS last_award
  FROM won GROUP BY org_id
),
buyer_names AS (
  SELECT org_id, group_concat(name, ' | ') AS buyers FROM (
    SELECT DISTINCT w.org_id, b.name FROM won w JOIN organization b ON b.id = w.buyer_id ORDER BY w.org_id, b.name)
  GROUP BY org_id
)
SELECT * FROM (
SELECT m.organization AS contractor, m.siren, m.org_kind, m.provider, pv.name AS via, m.role, m.status, m.method,
       m.confidence, m.quote, m.evidence_url, m.evidence_ref, m.evidence_kind, m.evidence_seen_at,
       m.evidence_count, coalesce(s.contracts_won, 0) AS contracts_won, coalesce(s.subcontracts, 0) AS subcontracts,
       coalesce(s.reported_contracts, 0) AS reported_contracts, s.total_amount, s.currency,
       coalesce(s.n_buyers, 0) AS n_buyers, bn.buyers, s.first_award, s.last_award, m.site_url, m.first_seen, m.last_seen, m.org_id, m.relation_id
FROM matched m
LEFT JOIN stats s ON s.org_id = m.org_id
LEFT JOIN buyer_names bn ON bn.org_id = m.org_id
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
WITH ref AS (  -- [source:]notice[#lot]: the prefix is a notice source unless it is org: or contract:
  SELECT r, CASE WHEN prefix IS NOT NULL THEN substr(base, length(prefix) + 2) ELSE base END AS source_id,
         CASE WHEN prefix <> 'notice' THEN prefix END AS source, lot, replace(r, ' ', '') AS digits
  FROM (SELECT r, base, lot,
               CASE WHEN instr(base, ':') > 1 AND lower(substr(base, 1, instr(base, ':') - 1)) NOT IN ('org', 'contract')
                    THEN lower(substr(base, 1, instr(base, ':') - 1)) END AS prefix
        FROM (SELECT r, CASE WHEN instr(r, '#') > 0 THEN substr(r, 1, instr(r, '#') - 1) ELSE r END AS base,
                     CASE WHEN instr(r, '#') > 0 THEN substr(r, instr(r, '#') + 1) END AS lot
              FROM (SELECT trim(:ref) AS r)))
),
ref_contracts AS (
  SELECT c.id FROM contract c, ref WHERE ref.r LIKE 'contract:%' AND c.id = CAST(substr(ref.r, 10) AS INTEGER)
  UNION
  SELECT c.id FROM ref, notice n JOIN contract c ON c.notice_id = n.id
  WHERE n.source = ref.source AND n.source_id = ref.source_id AND (ref.lot IS NULL OR c.lot = ref.lot)
  UNION
  SELECT c.id FROM ref, notice n JOIN contract c ON c.notice_id = n.id
  WHERE ref.source IS NULL AND n.source IN ('boamp', 'ted', 'decp') AND n.source_id = ref.source_id
    AND (ref.lot IS NULL OR c.lot = ref.lot)
),
exact_orgs AS (
  SELECT o.id FROM organization o, ref WHERE ref.r LIKE 'org:%' AND o.id = CAST(substr(ref.r, 5) AS INTEGER)
  UNION
  SELECT o.id FROM organization o, ref
  WHERE length(ref.digits) IN (9, 14) AND NOT ref.digits GLOB '*[^0-9]*' AND o.siren = substr(ref.digits, 1, 9)
  UNION
  SELECT o.id FROM organization o, ref WHERE o.normalized_name = upper(ref.r)  -- indexed; other spellings: below
),
target_orgs AS (
  SELECT id FROM exact_orgs
  UNION
  SELECT id FROM (
    SELECT o.id FROM organization o, ref
    WHERE NOT EXISTS (SELECT 1 FROM exact_orgs) AND NOT EXISTS (SELECT 1 FROM ref_contracts)
      AND length(ref.r) >= 3 AND upper(o.name) LIKE '%' || upper(ref.r) || '%'
    ORDER BY upper(o.name) = upper(ref.r) DESC, o.name LIMIT 20)
),
target_contracts AS (
  SELECT id FROM ref_contracts
  UNION SELECT c.id FROM contract c WHERE c.buyer_id IN (SELECT id FROM target_orgs)
  UNION SELECT pr.contract_id FROM party_role pr WHERE pr.org_id IN (SELECT id FROM target_orgs)
),
parties AS MATERIALIZED (  -- only the columns shown: each evidence column is a subquery
  SELECT a.contract_id, a.org_id, a.buyer, a.contract_ref, a.contract_kind, a.title, a.award_date, a.amount,
         a.currency, a.role, a.organization, a.siren, a.subcontractor_of, a.quote, a.evidence_url
  FROM awards a
  WHERE a.contract_id IN (SELECT id FROM target_contracts) AND a.role IN ('winner', 'lead', 'member', 'subcontractor')
),
party_edges AS MATERIALIZED (  -- the hosting edges of those parties: by the relation's organisation, or its site's
  SELECT h.relation_id, h.org_id, h.provider, h.jurisdiction, h.cloud_act, h.secnumcloud, h.role, h.method,
         h.status, h.confidence, h.site_url, h.quote, h.evidence_url
  FROM hosting h
  WHERE h.relation_id IN (
    SELECT r.id FROM relation r WHERE r.src_org_id IN (SELECT org_id FROM parties) AND r.kind = 'hosting'
    UNION
    SELECT r.id FROM site s JOIN relation r ON r.site_id = s.id
    WHERE s.org_id IN (SELECT org_id FROM parties) AND r.src_org_id IS NULL AND r.kind = 'hosting')
),
own_edges AS MATERIALIZED (
  SELECT e.* FROM edges e
  WHERE e.relation_id IN (
    SELECT r.id FROM relation r WHERE r.src_org_id IN (SELECT id FROM target_orgs)
    UNION
    SELECT r.id FROM site s JOIN relation r ON r.site_id = s.id
    WHERE s.org_id IN (SELECT id FROM target_orgs) AND r.src_org_id IS NULL)
    AND e.kind IN ('hosting', 'built-by') AND e.status <> 'negated'
)
SELECT * FROM (
SELECT a.buyer, a.contract_ref, a.contract_kind, a.title, a.award_date, a.amount, a.currency,
       a.role AS party_role, a.organization, a.siren, a.subcontractor_of, a.quote AS party_quote,
       a.evidence_url AS party_evidence_url,
       CASE WHEN h.relation_id IS NOT NULL THEN 'hosting' END AS edge_kind, h.provider, h.jurisdiction,
       h.cloud_act, h.secnumcloud, h.role AS edge_role, h.method, h.status, h.confidence, h.site_url,
       h.quote AS edge_quote, h.evidence_url AS edge_evidence_url, a.contract_id, a.org_id, h.relation_id
FROM parties a
LEFT JOIN party_edges h ON h.org_id = a.org_id
UNION ALL
SELECT CASE WHEN e.org_kind = 'public-buyer' THEN e.organization END, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, e.organization, e.siren, NULL, NULL, NULL, e.kind, coalesce(e.provider, e.target), e.jurisdiction,
       e.cloud_act, e.secnumcloud, e.role, e.method, e.status, e.confidence, e.site_url, e.quote, e.evidence_url,
       NULL, e.org_id, e.relation_id
FROM own_edges e
WHERE e.kind <> 'hosting' OR e.org_id NOT IN (SELECT org_id FROM parties)
)
ORDER BY contract_ref IS NULL, contract_ref,
         CASE party_role WHEN 'winner' THEN 0 WHEN 'lead' THEN 1 WHEN 'member' THEN 2 ELSE 3 END,
         organization, provider

-- name: providers
WITH reported AS MATERIALIZED (SELECT contract_id FROM reported_contracts),
provider_orgs AS MATERIALIZED (
  SELECT DISTINCT coalesce(h.provider_id, 'written:' || lower(h.provider)) AS provider_key, h.org_id,
         h.org_kind = 'public-buyer' AS public_body
  FROM hosting h WHERE h.org_id IS NOT NULL
),
provider_contracts AS (
  SELECT po.provider_key,
         count(DISTINCT CASE WHEN pr.role <> 'subcontractor' AND pr.contract_id NOT IN reported
                             THEN pr.contract_id END) AS contracts_won,
         count(DISTINCT CASE WHEN pr.role = 'subcontractor' AND pr.contract_id NOT IN reported
                             THEN pr.contract_id END) AS subcontracts,
         count(DISTINCT CASE WHEN pr.contract_id IN reported THEN pr.contract_id END) AS reported_contracts
  FROM provider_orgs po JOIN party_role pr ON pr.org_id = po.org_id AND pr.role <> 'buyer'
  GROUP BY po.provider_key
),
per_provider AS (
  SELECT coalesce(h.provider_id, 'written:' || lower(h.provider)) AS provider_key, h.provider_id,
         min(h.provider) AS provider, min(h.jurisdiction) AS jurisdiction, min(h.cloud_act) AS cloud_act,
         min(h.secnumcloud) AS secnumcloud, count(DISTINCT h.org_id) AS organisations,
         count(DISTINCT CASE WHEN h.org_kind = 'public-buyer' THEN h.org_id END) AS public_bodies,
         count(*) AS hosting_edges
  FROM hosting h GROUP BY 1
)
SELECT * FROM (
SELECT p.provider_id, p.provider, p.jurisdiction, p.cloud_act, p.secnumcloud, p.organisations, p.public_bodies,
       coalesce(c.contracts_won, 0) AS contracts_won, coalesce(c.subcontracts, 0) AS subcontracts,
       coalesce(c.reported_contracts, 0) AS reported_contracts, p.hosting_edges
FROM per_provider p LEFT JOIN provider_contracts c ON c.provider_key = p.provider_key
UNION ALL
SELECT pf.provider_id, pf.provider, pf.jurisdiction, pf.cloud_act, pf.secnumcloud, 0, 0, 0, 0, 0, 0
FROM provider_facts pf WHERE pf.provider_id NOT IN (SELECT provider_id FROM per_provider WHERE provider_id IS NOT NULL)
)
ORDER BY organisations DESC, contracts_won DESC, provider

-- name: providers_by_jurisdiction
WITH reported AS MATERIALIZED (SELECT contract_id FROM reported_contracts),
group_orgs AS MATERIALIZED (
  SELECT DISTINCT h.jurisdiction, h.cloud_act, h.secnumcloud, h.org_id FROM hosting h WHERE h.org_id IS NOT NULL
),
group_contracts AS (
  SELECT g.jurisdiction, g.cloud_act, g.secnumcloud,
         count(DISTINCT CASE WHEN pr.role <> 'subcontractor' AND pr.contract_id NOT IN reported
                             THEN pr.contract_id END) AS contracts_won,
         count(DISTINCT CASE WHEN pr.contract_id IN reported THEN pr.contract_id END) AS reported_contracts
  FROM group_orgs g JOIN party_role pr ON pr.org_id = g.org_id AND pr.role <> 'buyer'
  GROUP BY 1, 2, 3
)
SELECT h.jurisdiction, h.cloud_act, h.secnumcloud, group_concat(DISTINCT h.provider) AS providers,
       count(DISTINCT h.org_id) AS organisations,
       count(DISTINCT CASE WHEN h.org_kind = 'public-buyer' THEN h.org_id END) AS public_bodies,
       coalesce(min(c.contracts_won), 0) AS contracts_won, coalesce(min(c.reported_contracts), 0) AS reported_contracts,
       count(DISTINCT h.relation_id) AS hosting_edges
FROM hosting h
LEFT JOIN group_contracts c
  ON c.jurisdiction = h.jurisdiction AND c.cloud_act = h.cloud_act AND c.secnumcloud = h.secnumcloud
GROUP BY h.jurisdiction, h.cloud_act, h.secnumcloud
ORDER BY organisations DESC
