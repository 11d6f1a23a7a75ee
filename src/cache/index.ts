/** Public surface of cache/: the two-level (LRU + SQLite) artifact cache with HMAC-checked rows. */
export { ArtifactCache } from "./artifact-cache.js";
export { CACHE_NAMESPACE, CACHE_MIGRATIONS } from "./schema.js";
export { defaultKeyFile, keyFromSecret, loadOrCreateKey, MIN_SECRET_LENGTH } from "./secret-key.js";
export { SqliteCacheRows } from "./sqlite-rows.js";
export { PgCacheRows, PG_CACHE_MIGRATIONS } from "./pg-rows.js";
export { parseDuration, parseByteSize } from "./units.js";
export type {
  ArtifactCacheOptions,
  ArtifactSummary,
  CacheLevel,
  CacheStats,
  LevelStats,
  PruneOptions,
  PruneResult,
  RowsCacheOptions,
  SqliteCacheOptions,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
export type { ApprovalRow, ApprovalRows, ArtifactRows, ArtifactWrite, CacheRows, PruneLimits, SummaryRow, UsageWrite } from "./store.js";
