/**
 * What the artifact cache needs from a database: rows by hash, approvals by hash, and the few bulk operations of
 * `list`, `verify` and `prune`. The cache itself (LRU, HMACs, counters) is the same over every backend; SQLite
 * (sqlite-rows.ts) and PostgreSQL (pg-rows.ts) implement this, and test/store/contract.ts holds both to it.
 * Rows come back untrusted: the cache checks every one against its HMAC.
 */
import type { ArtifactRow } from "./rows.js";

/** An artifact row as written: the stored artifact's columns, its MAC and its byte count. */
export interface ArtifactWrite {
  hash: string;
  bytecode: Uint8Array;
  sourceMap: string;
  filename: string;
  dtsHash: string;
  engineVersion: string;
  compilerVersion: string;
  sourceBytes: number;
  createdAt: number;
  mac: Uint8Array;
  bytes: number;
  /** Last use; an existing row keeps the later of the two. */
  now: number;
}

/** An approval as stored (nothing trusted until its MAC is checked). */
export interface ApprovalRow {
  hash: unknown;
  approved_by: unknown;
  approved_at: unknown;
  mac: unknown;
}

/** A row of `list()`: metadata of an artifact joined with its approval (if any). */
export interface SummaryRow {
  hash: string;
  filename: string;
  bytes: number;
  source_bytes: number;
  dts_hash: string;
  engine_version: string;
  compiler_version: string;
  created_at: number;
  last_used_at: number;
  hits: number;
  approved_by: unknown;
  approved_at: unknown;
  approval_mac: unknown;
}

export interface UsageWrite {
  hash: string;
  hits: number;
  lastUsedAt: number;
}

export interface PruneLimits {
  olderThanMs: number | undefined;
  maxBytes: number | undefined;
  keepApproved: boolean;
}

/** Artifact rows by hash. */
export interface ArtifactRows {
  /** Where the rows live (a file path, a URL with the password masked), for messages. */
  readonly name: string;
  select(hash: string): ArtifactRow | undefined;
  /** The artifact row and its approval row (if any) in one read: one round trip where the database is remote. */
  selectWithApproval(hash: string): { row: ArtifactRow; approval: ApprovalRow | undefined } | undefined;
  upsert(row: ArtifactWrite): void;
  /**
   * Add hit counts and raise last-use times in one transaction. With `wait: false` a backend that would wait for
   * another writer's lock fails at once instead (the counters are retried later).
   */
  touch(batch: readonly UsageWrite[], wait: boolean): void;
  totals(): { entries: number; bytes: number };
  /** Every artifact with its approval columns, most recently used first. */
  summaries(): SummaryRow[];
  /** Every artifact row, by hash (streamed where the backend can). */
  scan(): Iterable<ArtifactRow>;
  /** The backend's own structural check of its storage (SQLite's `quick_check`); true where it has none. */
  integrityOk(): boolean;
  /** Delete each listed row only if its MAC is still the one given; returns the rows deleted. */
  deleteUnchanged(artifacts: readonly { hash: string; mac: unknown }[], approvals: readonly { hash: string; mac: unknown }[]): number;
  /**
   * In one transaction: delete rows last used before `now - olderThanMs`, then the least recently used until at most
   * `maxBytes` remain (approved rows kept unless `keepApproved` is false, then their approvals go too).
   */
  prune(limits: PruneLimits, now: number): { hash: string; bytes: number }[];
}

/** Approvals by hash. */
export interface ApprovalRows {
  approval(hash: string): ApprovalRow | undefined;
  /** `approval` without blocking the caller's thread where the database is remote (a cache hit's lookup). */
  approvalAsync(hash: string): Promise<ApprovalRow | undefined>;
  upsertApproval(hash: string, approvedBy: string, approvedAt: number, mac: Uint8Array): void;
  approvals(): ApprovalRow[];
}

/** Both, as one backend provides them, with its close. */
export interface CacheRows extends ArtifactRows, ApprovalRows {
  /** A throwaway database (its rows need no key that outlives the process). */
  readonly memory: boolean;
  /** Release what the rows hold (not the database a caller passed in). */
  close(): void;
}
