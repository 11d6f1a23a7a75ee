/**
 * Two-level cache of compiled artifacts keyed by content hash: an in-process LRU bounded by bytes in front of a SQLite
 * table shared by every process using the same database file. Every SQLite row carries an HMAC under a per-install
 * key; a row that fails it is a miss, never returned (QuickJS would execute tampered bytecode without complaint).
 */
import type BetterSqlite3 from "better-sqlite3";
import { LRUCache } from "lru-cache";
import { CacheError, StoreError } from "../errors/index.js";
import type { Artifact } from "../compiler/index.js";
import { asStoreError, migrate, openDatabase, type Database } from "../store/index.js";
import { defaultKeyFile, ephemeralKey, loadOrCreateKey } from "./secret-key.js";
import { listRows } from "./list.js";
import { approvalMac, artifactMac, macEquals } from "./mac.js";
import { checkPruneOptions, pruneRows } from "./prune.js";
import { ARTIFACT_COLUMNS, artifactBytes, ownCopy, rowToArtifact, type ArtifactRow, type StoredArtifact } from "./rows.js";
import { CACHE_MIGRATIONS, CACHE_NAMESPACE } from "./schema.js";
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

type Stmt = BetterSqlite3.Statement<unknown[]>;

interface Statements {
  select: Stmt;
  upsert: Stmt;
  approval: Stmt;
  upsertApproval: Stmt;
  touch: Stmt;
  totals: Stmt;
}

/** A storage fault (disk full, I/O, read-only, lock timeout) becomes a StoreError; anything else a CacheError. */
function wrap(action: string, file: string, error: unknown): CacheError | StoreError {
  if (error instanceof CacheError) return error;
  const fault = asStoreError(`cache.${action}`, error, file);
  if (fault instanceof StoreError) return fault;
  const reason = error instanceof Error ? error.message : String(error);
  return new CacheError(`Cache ${action} failed on \`${file}\`: ${reason}`, { path: file, action, reason }, { cause: error });
}

export class ArtifactCache {
  readonly #db: Database;
  readonly #ownsDb: boolean;
  readonly #key: Buffer;
  readonly #lru: LRUCache<string, StoredArtifact> | undefined;
  readonly #clock: () => number;
  readonly #stmt: Statements;
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
    this.#ownsDb = typeof opts.db === "string";
    this.#db = typeof opts.db === "string" ? openDatabase(opts.db) : opts.db;
    try {
      const keyFile = opts.keyFile ?? (this.#db.memory ? undefined : defaultKeyFile(this.#db.name));
      this.#key = keyFile === undefined ? ephemeralKey() : loadOrCreateKey(keyFile);
      migrate(this.#db, CACHE_NAMESPACE, CACHE_MIGRATIONS);
      this.#stmt = this.#prepare();
    } catch (error) {
      if (this.#ownsDb) this.#db.close();
      throw wrap("open", this.#db.name, error);
    }
    this.#lru =
      lruMaxBytes === 0
        ? undefined
        : new LRUCache<string, StoredArtifact>({ maxSize: lruMaxBytes, sizeCalculation: (a) => Math.max(1, artifactBytes(a)) });
    this.#lastFlush = this.#clock();
  }

  #prepare(): Statements {
    const db = this.#db;
    const prepare = (sql: string): Stmt => db.prepare<unknown[]>(sql);
    return {
      select: prepare(`SELECT ${ARTIFACT_COLUMNS} FROM cache_artifacts WHERE hash = ?`),
      upsert: prepare(
        `INSERT INTO cache_artifacts (${ARTIFACT_COLUMNS}, bytes, last_used_at, hits)
         VALUES (@hash, @bytecode, @sourceMap, @filename, @dtsHash, @engineVersion, @compilerVersion, @sourceBytes,
                 @createdAt, @mac, @bytes, @now, 0)
         ON CONFLICT (hash) DO UPDATE SET
           bytecode = excluded.bytecode, source_map = excluded.source_map, filename = excluded.filename,
           dts_hash = excluded.dts_hash, engine_version = excluded.engine_version,
           compiler_version = excluded.compiler_version, source_bytes = excluded.source_bytes,
           created_at = excluded.created_at, mac = excluded.mac, bytes = excluded.bytes,
           last_used_at = max(last_used_at, excluded.last_used_at)`,
      ),
      approval: prepare("SELECT approved_by, approved_at, mac FROM cache_approvals WHERE hash = ?"),
      upsertApproval: prepare(
        `INSERT INTO cache_approvals (hash, approved_by, approved_at, mac) VALUES (?, ?, ?, ?)
         ON CONFLICT (hash) DO UPDATE SET approved_by = excluded.approved_by, approved_at = excluded.approved_at,
           mac = excluded.mac`,
      ),
      touch: prepare(
        "UPDATE cache_artifacts SET hits = hits + ?, last_used_at = max(last_used_at, ?) WHERE hash = ?",
      ),
      totals: prepare("SELECT count(*) AS entries, coalesce(sum(bytes), 0) AS bytes FROM cache_artifacts"),
    };
  }

  #open(): void {
    if (this.#closed) throw new CacheError("The artifact cache is closed", { path: this.#db.name });
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
      let level: CacheLevel = "lru";
      let stored = this.#lru?.get(hash);
      if (stored) {
        this.#counts.lruHits++;
      } else {
        this.#counts.lruMisses++;
        level = "sqlite";
        stored = this.#load(hash, true);
        if (!stored) return undefined;
        this.#lru?.set(hash, stored);
      }
      this.#recordUse(hash);
      return { artifact: this.#withApproval(stored), level };
    } catch (error) {
      throw wrap("get", this.#db.name, error);
    }
  }

  /** True when `get(hash)` would return an artifact (an LRU entry, or a SQLite row that passes its HMAC). Not counted. */
  has(hash: string): boolean {
    this.#open();
    if (!isValidHash(hash)) return false;
    if (this.#lru?.has(hash)) return true;
    try {
      return this.#load(hash, false) !== undefined;
    } catch (error) {
      throw wrap("has", this.#db.name, error);
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
      this.#stmt.upsert.run({
        ...stored,
        bytecode,
        mac: artifactMac(this.#key, stored),
        bytes: artifactBytes(stored),
        now: this.#clock(),
      });
    } catch (error) {
      throw wrap("put", this.#db.name, error);
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
        path: this.#db.name,
      });
    }
    const approvedAt = this.#clock();
    try {
      this.#stmt.upsertApproval.run(hash, by, approvedAt, approvalMac(this.#key, hash, by, approvedAt));
    } catch (error) {
      throw wrap("approve", this.#db.name, error);
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
      throw wrap("isApproved", this.#db.name, error);
    }
  }

  /** Every cached artifact, most recently used first; with `approvedOnly`, only those with a valid approval. */
  list(opts: { approvedOnly?: boolean } = {}): ArtifactSummary[] {
    this.#open();
    try {
      this.#flush();
      return listRows(this.#db, this.#key, opts.approvedOnly === true);
    } catch (error) {
      throw wrap("list", this.#db.name, error);
    }
  }

  /** Hit/miss counters of this instance per level, and what each level holds now. */
  stats(): CacheStats {
    this.#open();
    let totals: { entries: number; bytes: number };
    try {
      totals = this.#stmt.totals.get() as { entries: number; bytes: number };
    } catch (error) {
      throw wrap("stats", this.#db.name, error);
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
      const result = verifyRows(this.#db, this.#key, opts.remove ?? true);
      if (result.removed > 0) for (const h of result.bad) this.#lru?.delete(h);
      return result;
    } catch (error) {
      throw wrap("verify", this.#db.name, error);
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
      const victims = pruneRows(this.#db, limits, this.#clock());
      for (const v of victims) this.#lru?.delete(v.hash);
      return { removed: victims.length, bytesFreed: victims.reduce((n, v) => n + v.bytes, 0) };
    } catch (error) {
      throw wrap("prune", this.#db.name, error);
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
      if (this.#ownsDb) this.#db.close();
    }
  }

  #loadWrapped(hash: string): StoredArtifact | undefined {
    try {
      return this.#load(hash, false);
    } catch (error) {
      throw wrap("get", this.#db.name, error);
    }
  }

  /** Read and verify one row; `count` updates the SQLite-level counters. */
  #load(hash: string, count: boolean): StoredArtifact | undefined {
    const row = this.#stmt.select.get(hash) as ArtifactRow | undefined;
    const artifact = row ? rowToArtifact(this.#key, row) : undefined;
    if (count) {
      if (artifact) this.#counts.sqliteHits++;
      else this.#counts.sqliteMisses++;
      if (row && !artifact) this.#counts.rejected++;
    }
    return artifact;
  }

  #approval(hash: string): Approval | undefined {
    const row = this.#stmt.approval.get(hash) as { approved_by: unknown; approved_at: unknown; mac: unknown } | undefined;
    if (!row || typeof row.approved_by !== "string" || typeof row.approved_at !== "number") return undefined;
    if (!macEquals(approvalMac(this.#key, hash, row.approved_by, row.approved_at), row.mac)) return undefined;
    return { approvedBy: row.approved_by, approvedAt: row.approved_at };
  }

  #withApproval(stored: StoredArtifact): Artifact {
    const approval = this.#approval(stored.hash);
    return approval ? { ...stored, ...approval } : { ...stored };
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
   * Opportunistic write-back on the read path: a hit must never wait up to busy_timeout for another process's write
   * lock just to bump counters, so the wait is switched off for this one attempt; on SQLITE_BUSY the counters stay
   * pending for the next attempt.
   */
  #flushWithoutWaiting(): void {
    const timeout = this.#db.pragma("busy_timeout", { simple: true }) as number;
    this.#db.pragma("busy_timeout = 0");
    try {
      this.#flush();
    } catch {
      // lock held elsewhere (or a transient error): counters are advisory, try again later
    } finally {
      this.#db.pragma(`busy_timeout = ${Number(timeout) || 0}`);
    }
  }

  /** Write pending hit counts and last-use times in one transaction. */
  #flush(): void {
    this.#lastFlush = this.#clock();
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending];
    this.#db
      .transaction(() => {
        for (const [hash, p] of batch) this.#stmt.touch.run(p.hits, p.lastUsedAt, hash);
      })
      .immediate();
    for (const [hash] of batch) this.#pending.delete(hash);
  }
}
