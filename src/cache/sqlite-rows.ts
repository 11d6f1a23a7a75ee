/** The cache's rows in the shared SQLite file (namespace `cache`; tables in schema.ts). */
import type BetterSqlite3 from "better-sqlite3";
import { migrate, openDatabase, type Database } from "../store/index.js";
import { ARTIFACT_COLUMNS, type ArtifactRow } from "./rows.js";
import { CACHE_MIGRATIONS, CACHE_NAMESPACE } from "./schema.js";
import type { ApprovalRow, ArtifactWrite, CacheRows, PruneLimits, SummaryRow, UsageWrite } from "./store.js";

type Stmt = BetterSqlite3.Statement<unknown[]>;

export class SqliteCacheRows implements CacheRows {
  readonly #db: Database;
  readonly #owns: boolean;
  readonly #stmt: Record<"select" | "upsert" | "approval" | "upsertApproval" | "touch" | "totals", Stmt>;

  /** `db` open (left open by `close`) or a path (opened here, closed by `close`). */
  constructor(db: Database | string) {
    this.#owns = typeof db === "string";
    this.#db = typeof db === "string" ? openDatabase(db) : db;
    try {
      migrate(this.#db, CACHE_NAMESPACE, CACHE_MIGRATIONS);
      const prepare = (sql: string): Stmt => this.#db.prepare<unknown[]>(sql);
      this.#stmt = {
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
        approval: prepare("SELECT hash, approved_by, approved_at, mac FROM cache_approvals WHERE hash = ?"),
        upsertApproval: prepare(
          `INSERT INTO cache_approvals (hash, approved_by, approved_at, mac) VALUES (?, ?, ?, ?)
           ON CONFLICT (hash) DO UPDATE SET approved_by = excluded.approved_by, approved_at = excluded.approved_at,
             mac = excluded.mac`,
        ),
        touch: prepare("UPDATE cache_artifacts SET hits = hits + ?, last_used_at = max(last_used_at, ?) WHERE hash = ?"),
        totals: prepare("SELECT count(*) AS entries, coalesce(sum(bytes), 0) AS bytes FROM cache_artifacts"),
      };
    } catch (error) {
      if (this.#owns) this.#db.close();
      throw error;
    }
  }

  get name(): string {
    return this.#db.name;
  }

  get memory(): boolean {
    return this.#db.memory;
  }

  select(hash: string): ArtifactRow | undefined {
    return this.#stmt.select.get(hash) as ArtifactRow | undefined;
  }

  selectWithApproval(hash: string): { row: ArtifactRow; approval: ApprovalRow | undefined } | undefined {
    const row = this.select(hash);
    return row === undefined ? undefined : { row, approval: this.approval(hash) };
  }

  upsert(row: ArtifactWrite): void {
    const { bytecode, mac, ...rest } = row;
    this.#stmt.upsert.run({ ...rest, bytecode: toBuffer(bytecode), mac: toBuffer(mac) });
  }

  touch(batch: readonly UsageWrite[], wait: boolean): void {
    const write = (): void => {
      this.#db.transaction(() => {
        for (const u of batch) this.#stmt.touch.run(u.hits, u.lastUsedAt, u.hash);
      }).immediate();
    };
    if (wait) return write();
    // A hit must never wait up to busy_timeout for another process's write lock just to bump counters.
    const timeout = Number(this.#db.pragma("busy_timeout", { simple: true })) || 0;
    this.#db.pragma("busy_timeout = 0");
    try {
      write();
    } finally {
      this.#db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  totals(): { entries: number; bytes: number } {
    return this.#stmt.totals.get() as { entries: number; bytes: number };
  }

  summaries(): SummaryRow[] {
    return this.#db
      .prepare<[], SummaryRow>(
        `SELECT a.hash, a.filename, a.bytes, a.source_bytes, a.dts_hash, a.engine_version, a.compiler_version,
                a.created_at, a.last_used_at, a.hits, p.approved_by, p.approved_at, p.mac AS approval_mac
         FROM cache_artifacts a LEFT JOIN cache_approvals p ON p.hash = a.hash
         ORDER BY a.last_used_at DESC, a.hash`,
      )
      .all();
  }

  scan(): Iterable<ArtifactRow> {
    // iterate() streams, so a large cache is never all in memory; the connection is busy until the loop ends.
    return this.#db.prepare<[], ArtifactRow>(`SELECT ${ARTIFACT_COLUMNS} FROM cache_artifacts ORDER BY hash`).iterate();
  }

  integrityOk(): boolean {
    return this.#db.pragma("quick_check", { simple: true }) === "ok";
  }

  deleteUnchanged(artifacts: readonly { hash: string; mac: unknown }[], approvals: readonly { hash: string; mac: unknown }[]): number {
    const delArtifact = this.#db.prepare("DELETE FROM cache_artifacts WHERE hash = ? AND mac IS ?");
    const delApproval = this.#db.prepare("DELETE FROM cache_approvals WHERE hash = ? AND mac IS ?");
    let removed = 0;
    this.#db.transaction(() => {
      for (const b of artifacts) removed += delArtifact.run(b.hash, b.mac).changes;
      for (const b of approvals) removed += delApproval.run(b.hash, b.mac).changes;
    }).immediate();
    return removed;
  }

  prune(limits: PruneLimits, now: number): { hash: string; bytes: number }[] {
    const db = this.#db;
    const { olderThanMs, maxBytes, keepApproved } = limits;
    const unapproved = keepApproved ? "AND NOT EXISTS (SELECT 1 FROM cache_approvals p WHERE p.hash = a.hash)" : "";
    const deleteArtifact = db.prepare<[string]>("DELETE FROM cache_artifacts WHERE hash = ?");
    const deleteApproval = db.prepare<[string]>("DELETE FROM cache_approvals WHERE hash = ?");
    const victims: { hash: string; bytes: number }[] = [];
    const remove = (v: { hash: string; bytes: number }): void => {
      if (deleteArtifact.run(v.hash).changes === 0) return;
      if (!keepApproved) deleteApproval.run(v.hash);
      victims.push(v);
    };
    db.transaction(() => {
      if (olderThanMs !== undefined) {
        const old = db
          .prepare<[number], { hash: string; bytes: number }>(`SELECT hash, bytes FROM cache_artifacts a WHERE last_used_at < ? ${unapproved}`)
          .all(now - olderThanMs);
        for (const v of old) remove(v);
      }
      if (maxBytes !== undefined) {
        let total = (db.prepare("SELECT coalesce(sum(bytes), 0) AS total FROM cache_artifacts").get() as { total: number }).total;
        if (total <= maxBytes) return;
        const byAge = db
          .prepare<[], { hash: string; bytes: number }>(
            `SELECT hash, bytes FROM cache_artifacts a WHERE 1 ${unapproved} ORDER BY last_used_at ASC, hash`,
          )
          .all();
        for (const v of byAge) {
          if (total <= maxBytes) break;
          remove(v);
          total -= v.bytes;
        }
      }
    }).immediate();
    return victims;
  }

  approval(hash: string): ApprovalRow | undefined {
    return this.#stmt.approval.get(hash) as ApprovalRow | undefined;
  }

  approvalAsync(hash: string): Promise<ApprovalRow | undefined> {
    try {
      return Promise.resolve(this.approval(hash));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  upsertApproval(hash: string, approvedBy: string, approvedAt: number, mac: Uint8Array): void {
    this.#stmt.upsertApproval.run(hash, approvedBy, approvedAt, toBuffer(mac));
  }

  approvals(): ApprovalRow[] {
    return this.#db.prepare<[], ApprovalRow>("SELECT hash, approved_by, approved_at, mac FROM cache_approvals ORDER BY hash").all();
  }

  close(): void {
    if (this.#owns && this.#db.open) this.#db.close();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
