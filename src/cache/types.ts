/** Public shapes of the artifact cache's API. */
import type { Database } from "../store/index.js";
import type { CacheRows } from "./store.js";

/** A SQLite database (with the key in a key file), or any backend's rows with the key its processes share. */
export type ArtifactCacheOptions = SqliteCacheOptions | RowsCacheOptions;

interface CommonCacheOptions {
  /** Byte budget of the in-process LRU (bytecode + source map bytes); 0 disables it. @default 67108864 (64 MB) */
  lruMaxBytes?: number;
  /** Milliseconds since the epoch; injectable so tests can age entries without sleeping. @default Date.now */
  clock?: () => number;
}

export interface RowsCacheOptions extends CommonCacheOptions {
  /** The rows (e.g. PgCacheRows); `close()` calls their `close`. */
  rows: CacheRows;
  /** The HMAC key every process sharing the rows holds (e.g. `keyFromSecret(operator secret)`). */
  key: Buffer;
}

export interface SqliteCacheOptions extends CommonCacheOptions {
  /** An open database (not closed by `close()`) or a file path (opened here, closed by `close()`). */
  db: Database | string;
  /** HMAC key file. @default `<db dir>/cache.key` (an in-memory database gets a throwaway key) */
  keyFile?: string;
}

/** One cached artifact as `list()` and `cody script ls` show it (no bytecode). */
export interface ArtifactSummary {
  hash: string;
  filename: string;
  /** Bytecode + source map bytes. */
  bytes: number;
  sourceBytes: number;
  dtsHash: string;
  engineVersion: string;
  compilerVersion: string;
  createdAt: number;
  /** Last `get` hit or `put` in any process (hits are written back in batches, at the latest on `close()`). */
  lastUsedAt: number;
  /** `get` hits recorded across all processes. */
  hits: number;
  /** Present only when a valid (MAC-checked) approval exists for this hash. */
  approvedBy?: string;
  approvedAt?: number;
}

export interface LevelStats {
  /** Lookups answered by this level, counted by this instance. */
  hits: number;
  /** Lookups this level could not answer, counted by this instance. */
  misses: number;
  /** Entries currently held (SQLite: all rows in the file, from every process). */
  entries: number;
  /** Bytecode + source map bytes currently held. */
  bytes: number;
}

export interface CacheStats {
  lru: LevelStats;
  /** `rejected`: rows found but refused because their HMAC did not verify (each also counts as a miss). */
  sqlite: LevelStats & { rejected: number };
}

export interface VerifyOptions {
  /** Delete rows whose HMAC fails (only if unchanged since they were checked). @default true */
  remove?: boolean;
}

export interface VerifyResult {
  /** Artifact rows checked. */
  checked: number;
  /** Hashes of artifact rows whose HMAC (or column types) did not verify. */
  bad: string[];
  /** Hashes whose approval record did not verify (treated as not approved). */
  badApprovals: string[];
  /** Rows (artifacts + approvals) deleted. */
  removed: number;
  /** SQLite's own `PRAGMA quick_check` of the file's structure passed. */
  sqliteOk: boolean;
}

export interface PruneOptions {
  /** Remove entries not used (hit or put) for longer than this. */
  olderThanMs?: number;
  /** Then remove least recently used entries until the total is at most this many bytes. */
  maxBytes?: number;
  /** Never remove approved entries. With false, removed entries also lose their approval. @default true */
  keepApproved?: boolean;
}

export interface PruneResult {
  removed: number;
  bytesFreed: number;
}

/** Which level answered a `get`. */
export type CacheLevel = "lru" | "sqlite";
