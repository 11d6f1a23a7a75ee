/**
 * The cache's migration steps (namespace `cache`). Append only: a released step is never edited, a change is a new
 * step. Approvals live in their own table because they are per hash (per exact script), not per stored bytes: a row
 * removed for failing its integrity check and then recompiled keeps its approval.
 */
export const CACHE_NAMESPACE = "cache";

export const CACHE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE cache_artifacts (
     hash             TEXT PRIMARY KEY,
     bytecode         BLOB NOT NULL,
     source_map       TEXT NOT NULL,
     filename         TEXT NOT NULL,
     dts_hash         TEXT NOT NULL,
     engine_version   TEXT NOT NULL,
     compiler_version TEXT NOT NULL,
     source_bytes     INTEGER NOT NULL,
     created_at       INTEGER NOT NULL,
     bytes            INTEGER NOT NULL,
     mac              BLOB NOT NULL,
     last_used_at     INTEGER NOT NULL,
     hits             INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX cache_artifacts_last_used ON cache_artifacts (last_used_at);
   CREATE TABLE cache_approvals (
     hash        TEXT PRIMARY KEY,
     approved_by TEXT NOT NULL,
     approved_at INTEGER NOT NULL,
     mac         BLOB NOT NULL
   );`,
];
