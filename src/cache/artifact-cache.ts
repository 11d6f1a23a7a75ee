/**
 * Two-level cache of compiled artifacts keyed by content hash: an in-process LRU bounded by bytes in front of a
 * database table (SQLite by default, PostgreSQL for a fleet) shared by every process using the same database. Every
 * stored row carries an HMAC under a key the sharing processes hold; a row that fails it is a miss, never returned
 * (QuickJS would execute tampered bytecode without complaint).
 */
import { LRUCache } from "lru-cache";
import { CacheError, StoreError } from "../errors/index.js";
import type { Artifact } from "../compiler/index.js";
import { asStoreError } from "../store/index.js";
import { defaultKeyFile, ephemeralKey, loadOrCreateKey } from "./secret-key.js";
import { listRows } from "./list.js";
import { approvalMac, artifactMac, macEquals } from "./mac.js";
import { checkPruneOptions } from "./prune.js";
import { artifactBytes, ownCopy, rowToArtifact, type ArtifactRow, type StoredArtifact } from "./rows.js";
import { SqliteCacheRows } from "./sqlite-rows.js";
import type { ApprovalRow, CacheRows } from "./store.js";
import type {
  ArtifactCacheOptions,
  ArtifactSummary,
  CacheLevel,
  CacheStats,
  PruneOptions,
  PruneResult,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
import { assertApprover, assertArtifact, isValidHash } from "./validate.js";
import { verifyRows } from "./verify.js";

/** Default LRU budget: 64 MB of bytecode + source maps. */
const DEFAULT_LRU_MAX_BYTES = 64 * 1024 * 1024;
/** Usage counters (hits, last use) are written back when this many hashes are pending, or after FLUSH_MS. */
const FLUSH_PENDING = 256;
const FLUSH_MS = 2_000;

interface Approval {
  approvedBy: string;
  approvedAt: number;
}

/** A storage fault (disk full, I/O, read-only, lock timeout) becomes a StoreError; anything else a CacheError. */
function wrap(action: string, file: string, error: unknown): CacheError | StoreError {
  if (error instanceof CacheError) return error;
  const fault = asStoreError(`cache.${action}`, error, file);
  if (fault instanceof StoreError) return fault;
  const reason = error instanceof Error ? error.message : String(error);
  return new CacheError(`Cache ${action} failed on \`${file}\`: ${reason}`, { path: file, action, reason }, { cause: error });
}

/** A fresh artifact object for the caller: the stored one (shared with the LRU) plus the approval, if any. */
function withApproval(stored: StoredArtifact, approval: Approval | undefined): Artifact {
  return approval ? { ...stored, ...approval } : { ...stored };
}

export class ArtifactCache {
  readonly #rows: CacheRows;
  readonly #key: Buffer;
  readonly #lru: LRUCache<string, StoredArtifact> | undefined;
  readonly #clock: () => number;
  readonly #pending = new Map<string, { hits: number; lastUsedAt: number }>();
  #lastFlush: number;
  #closed = false;
  readonly #counts = { lruHits: 0, lruMisses: 0, sqliteHits: 0, sqliteMisses: 0, rejected: 0 };

  /** @throws CacheError when the database or key file cannot be opened, or an option is invalid. */
  constructor(opts: ArtifactCacheOptions) {
    const lruMaxBytes = opts.lruMaxBytes ?? DEFAULT_LRU_MAX_BYTES;
    if (!Number.isSafeInteger(lruMaxBytes) || lruMaxBytes < 0) {
      throw new CacheError(`\`lruMaxBytes\` must be an integer >= 0, got \`${String(lruMaxBytes)}\` (${typeof lruMaxBytes})`, {
        path: "lruMaxBytes",
        value: String(lruMaxBytes),
      });
    }
    this.#clock = opts.clock ?? Date.now;
    const name = "rows" in opts ? opts.rows.name : typeof opts.db === "string" ? opts.db : opts.db.name;
    try {
      this.#rows = "rows" in opts ? opts.rows : new SqliteCacheRows(opts.db);
    } catch (error) {
      throw wrap("open", name, error);
    }
    try {
      if ("rows" in opts) {
        this.#key = opts.key;
      } else {
        const keyFile = opts.keyFile ?? (this.#rows.memory ? undefined : defaultKeyFile(this.#rows.name));
        this.#key = keyFile === undefined ? ephemeralKey() : loadOrCreateKey(keyFile);
      }
    } catch (error) {
      this.#rows.close();
      throw wrap("open", name, error);
    }
    this.#lru =
      lruMaxBytes === 0
        ? undefined
        : new LRUCache<string, StoredArtifact>({ maxSize: lruMaxBytes, sizeCalculation: (a) => Math.max(1, artifactBytes(a)) });
    this.#lastFlush = this.#clock();
  }

  #open(): void {
    if (this.#closed) throw new CacheError("The artifact cache is closed", { path: this.#rows.name });
  }

  /**
   * Look up `hash`: the LRU first, then SQLite (whose row must pass its HMAC; a row that fails is counted as
   * `rejected` and a miss, left in place for `verify()` to remove and overwritten by the next `put`). The returned
   * artifact is shared with the LRU: treat its bytecode as read-only. Approval fields come from SQLite on every call,
   * so an approval made by another process is seen at once.
   */
  get(hash: string): { artifact: Artifact; level: CacheLevel } | undefined {
    this.#open();
    if (!isValidHash(hash)) {
      this.#counts.lruMisses++;
      this.#counts.sqliteMisses++;
      return undefined;
    }
    try {
      const level: CacheLevel = "lru";
      const stored = this.#lru?.get(hash);
      if (stored) {
        this.#counts.lruHits++;
      } else {
        this.#counts.lruMisses++;
        // The row and its approval in one read.
        const found = this.#rows.selectWithApproval(hash);
        const loaded = this.#count(found?.row);
        if (!loaded) return undefined;
        this.#lru?.set(hash, loaded);
        this.#recordUse(hash);
        return { artifact: withApproval(loaded, this.#approvalOf(hash, found?.approval)), level: "sqlite" };
      }
      this.#recordUse(hash);
      return { artifact: this.#withApproval(stored), level };
    } catch (error) {
      throw wrap("get", this.#rows.name, error);
    }
  }

  /**
   * `get`, with an LRU hit's approval lookup made without blocking this thread (on PostgreSQL a round trip the event
   * loop need not wait for). A miss in the LRU reads the row as `get` does.
   */
  async getAsync(hash: string): Promise<{ artifact: Artifact; level: CacheLevel } | undefined> {
    this.#open();
    const stored = isValidHash(hash) ? this.#lru?.get(hash) : undefined;
    if (!stored) return this.get(hash);
    this.#counts.lruHits++;
    this.#recordUse(hash);
    let row: ApprovalRow | undefined;
    try {
      row = await this.#rows.approvalAsync(hash);
    } catch (error) {
      throw wrap("get", this.#rows.name, error);
    }
    return { artifact: withApproval(stored, this.#approvalOf(hash, row)), level: "lru" };
  }

  /** True when the in-process LRU holds `hash` (so `getAsync` reads only its approval). Not counted. */
  inMemory(hash: string): boolean {
    return isValidHash(hash) && this.#lru?.has(hash) === true;
  }

  /** True when `get(hash)` would return an artifact (an LRU entry, or a SQLite row that passes its HMAC). Not counted. */
  has(hash: string): boolean {
    this.#open();
    if (!isValidHash(hash)) return false;
    if (this.#lru?.has(hash)) return true;
    try {
      return this.#load(hash, false) !== undefined;
    } catch (error) {
      throw wrap("has", this.#rows.name, error);
    }
  }

  /**
   * Store `artifact` (replacing any row with the same hash, e.g. one rejected as tampered). The bytecode is copied, so
   * the caller may reuse its buffer. `approvedBy`/`approvedAt` on the argument are ignored: approval is only recorded
   * by `approve()`.
   *
   * @throws CacheError when the artifact is malformed; StoreError when the write fails (disk full, lock held > 5 s,
   *   read-only file).
   */
  put(artifact: Artifact): void {
    this.#open();
    assertArtifact(artifact);
    const stored = ownCopy(artifact);
    const bytecode = Buffer.from(stored.bytecode.buffer, stored.bytecode.byteOffset, stored.bytecode.byteLength);
    try {
      this.#rows.upsert({
        ...stored,
        bytecode,
        mac: artifactMac(this.#key, stored),
        bytes: artifactBytes(stored),
        now: this.#clock(),
      });
    } catch (error) {
      throw wrap("put", this.#rows.name, error);
    }
    this.#lru?.set(stored.hash, stored);
  }

  /**
   * Record that `by` reviewed and approved the script with this hash. Stored in SQLite (with its own HMAC), so it
   * survives restarts and is seen by every process; approving again replaces approver and time.
   *
   * @throws CacheError when no valid artifact with this hash is cached, or `by` is not a short single-line string.
   */
  approve(hash: string, by: string): Artifact {
    this.#open();
    assertApprover(by);
    const stored = isValidHash(hash) ? (this.#lru?.peek(hash) ?? this.#loadWrapped(hash)) : undefined;
    if (!stored) {
      throw new CacheError(`No cached artifact with hash \`${String(hash)}\` to approve (compile it first)`, {
        hash: String(hash),
        path: this.#rows.name,
      });
    }
    const approvedAt = this.#clock();
    try {
      this.#rows.upsertApproval(hash, by, approvedAt, approvalMac(this.#key, hash, by, approvedAt));
    } catch (error) {
      throw wrap("approve", this.#rows.name, error);
    }
    return { ...stored, approvedBy: by, approvedAt };
  }

  /** Whether a valid approval is recorded for this hash (read from SQLite each time; a forged record counts as no). */
  isApproved(hash: string): boolean {
    this.#open();
    if (!isValidHash(hash)) return false;
    try {
      return this.#approval(hash) !== undefined;
    } catch (error) {
      throw wrap("isApproved", this.#rows.name, error);
    }
  }

  /** Every cached artifact, most recently used first; with `approvedOnly`, only those with a valid approval. */
  list(opts: { approvedOnly?: boolean } = {}): ArtifactSummary[] {
    this.#open();
    try {
      this.#flush();
      return listRows(this.#rows, this.#key, opts.approvedOnly === true);
    } catch (error) {
      throw wrap("list", this.#rows.name, error);
    }
  }

  /** Hit/miss counters of this instance per level, and what each level holds now. */
  stats(): CacheStats {
    this.#open();
    let totals: { entries: number; bytes: number };
    try {
      totals = this.#rows.totals();
    } catch (error) {
      throw wrap("stats", this.#rows.name, error);
    }
    const c = this.#counts;
    return {
      lru: { hits: c.lruHits, misses: c.lruMisses, entries: this.#lru?.size ?? 0, bytes: this.#lru?.calculatedSize ?? 0 },
      sqlite: { hits: c.sqliteHits, misses: c.sqliteMisses, entries: totals.entries, bytes: totals.bytes, rejected: c.rejected },
    };
  }

  /**
   * Check every row's HMAC and the file's structure (`PRAGMA quick_check`). By default rows that fail are deleted —
   * only if still unchanged, so a row another process has just rewritten correctly survives — and dropped from the
   * LRU. Note that with the wrong key file every row fails, and is deleted. A damaged file (SQLite reports corruption)
   * is reported as `sqliteOk: false` with whatever rows could be read, and nothing is deleted.
   */
  verify(opts: VerifyOptions = {}): VerifyResult {
    this.#open();
    try {
      this.#flush();
      const result = verifyRows(this.#rows, this.#key, opts.remove ?? true);
      if (result.removed > 0) for (const h of result.bad) this.#lru?.delete(h);
      return result;
    } catch (error) {
      throw wrap("verify", this.#rows.name, error);
    }
  }

  /**
   * Remove entries unused for longer than `olderThanMs`, then least recently used ones until at most `maxBytes` remain.
   * Approved entries are kept unless `keepApproved: false` (then their approvals go too). If approved entries alone
   * exceed `maxBytes`, the total stays above it. Runs in one write transaction.
   */
  prune(opts: PruneOptions = {}): PruneResult {
    this.#open();
    const limits = checkPruneOptions(opts);
    if (!limits) return { removed: 0, bytesFreed: 0 };
    try {
      this.#flush();
      const victims = this.#rows.prune(limits, this.#clock());
      for (const v of victims) this.#lru?.delete(v.hash);
      return { removed: victims.length, bytesFreed: victims.reduce((n, v) => n + v.bytes, 0) };
    } catch (error) {
      throw wrap("prune", this.#rows.name, error);
    }
  }

  /** Write back pending usage counters and close the database if this cache opened it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#flush();
    } catch {
      // usage counters are advisory; losing the last batch must not stop the close
    } finally {
      this.#lru?.clear();
      this.#rows.close();
    }
  }

  #loadWrapped(hash: string): StoredArtifact | undefined {
    try {
      return this.#load(hash, false);
    } catch (error) {
      throw wrap("get", this.#rows.name, error);
    }
  }

  /** Read and verify one row; `count` updates the SQLite-level counters. */
  #load(hash: string, count: boolean): StoredArtifact | undefined {
    const row = this.#rows.select(hash);
    return count ? this.#count(row) : row ? rowToArtifact(this.#key, row) : undefined;
  }

  /** Verify a row read for a lookup and count it as a database-level hit, miss or rejection. */
  #count(row: ArtifactRow | undefined): StoredArtifact | undefined {
    const artifact = row ? rowToArtifact(this.#key, row) : undefined;
    if (artifact) this.#counts.sqliteHits++;
    else this.#counts.sqliteMisses++;
    if (row && !artifact) this.#counts.rejected++;
    return artifact;
  }

  #approval(hash: string): Approval | undefined {
    return this.#approvalOf(hash, this.#rows.approval(hash));
  }

  /** The approval an approval row records, if its MAC holds. */
  #approvalOf(hash: string, row: ApprovalRow | undefined): Approval | undefined {
    if (!row || typeof row.approved_by !== "string" || typeof row.approved_at !== "number") return undefined;
    if (!macEquals(approvalMac(this.#key, hash, row.approved_by, row.approved_at), row.mac)) return undefined;
    return { approvedBy: row.approved_by, approvedAt: row.approved_at };
  }

  #withApproval(stored: StoredArtifact): Artifact {
    return withApproval(stored, this.#approval(stored.hash));
  }

  #recordUse(hash: string): void {
    const now = this.#clock();
    const p = this.#pending.get(hash);
    if (p) {
      p.hits++;
      p.lastUsedAt = Math.max(p.lastUsedAt, now);
    } else {
      this.#pending.set(hash, { hits: 1, lastUsedAt: now });
    }
    if (this.#pending.size >= FLUSH_PENDING || now - this.#lastFlush >= FLUSH_MS) this.#flushWithoutWaiting();
  }

  /**
   * Opportunistic write-back on the read path: a hit must never wait for another process's write lock just to bump
   * counters; when the backend would have to wait, the counters stay pending for the next attempt.
   */
  #flushWithoutWaiting(): void {
    try {
      this.#flush(false);
    } catch {
      // lock held elsewhere (or a transient error): counters are advisory, try again later
    }
  }

  /** Write pending hit counts and last-use times in one transaction. */
  #flush(wait = true): void {
    this.#lastFlush = this.#clock();
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending];
    this.#rows.touch(batch.map(([hash, p]) => ({ hash, hits: p.hits, lastUsedAt: p.lastUsedAt })), wait);
    for (const [hash] of batch) this.#pending.delete(hash);
  }
}
