/** Public surface of cache/: the two-level (LRU + SQLite) artifact cache with HMAC-checked rows. */
export { ArtifactCache } from "./artifact-cache.js";
export { CACHE_NAMESPACE, CACHE_MIGRATIONS } from "./schema.js";
export { defaultKeyFile, loadOrCreateKey } from "./secret-key.js";
export { parseDuration, parseByteSize } from "./units.js";
export type {
  ArtifactCacheOptions,
  ArtifactSummary,
  CacheLevel,
  CacheStats,
  LevelStats,
  PruneOptions,
  PruneResult,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
