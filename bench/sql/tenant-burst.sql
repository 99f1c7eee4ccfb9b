-- Paging one tenant's keys across another tenant's burst, on Keel's own PostgreSQL schema.
-- Tenant A has 500,000 keys, then tenant B makes 1,000,000, then A makes 500,000 more (ids are
-- time-ordered, so B's burst sits between A's two halves). The page of A just below the burst is
-- where a plan that walks ids and filters by tenant reads all of B's rows.
-- Run against a database that `keel migrate` made: see docs/benchmarks.md (Pagination).
\set ON_ERROR_STOP on
INSERT INTO tenants (id, name, slug, created_at, updated_at) VALUES
  ('ten_a', 'A', 'burst-a', now(), now()), ('ten_b', 'B', 'burst-b', now(), now());
INSERT INTO api_keys (tenant_id, id, kind, name, prefix, start, hash, scopes, created_at, updated_at)
SELECT CASE WHEN g BETWEEN 500001 AND 1500000 THEN 'ten_b' ELSE 'ten_a' END,
       'key_' || lpad(g::text, 10, '0'), 'client', 'k', 'bench', 'bench_0000',
       md5(g::text) || md5((-g)::text), '{}', now(), now()
FROM generate_series(1, 2000000) g;
VACUUM (ANALYZE) api_keys;
\echo The page of tenant A just below the burst of tenant B, as Keel asks for it
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT * FROM api_keys WHERE tenant_id = 'ten_a' AND id < 'key_0001500001' ORDER BY id DESC LIMIT 101;
