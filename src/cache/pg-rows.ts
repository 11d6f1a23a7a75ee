/**
 * The cache's rows in PostgreSQL (namespace `cache`, the same tables as SQLite's in PostgreSQL types), shared by
 * every instance on the database: a script compiled or approved on one machine is a hit on every other one that
 * holds the same secret.
 */
import type { PgConnection, PgStatement } from "../store/index.js";
import { CACHE_NAMESPACE } from "./schema.js";
import type { ArtifactRow } from "./rows.js";
import type { ApprovalRow, ArtifactWrite, CacheRows, PruneLimits, SummaryRow, UsageWrite } from "./store.js";

/** Append only, like CACHE_MIGRATIONS; step n here is step n there. */
export const PG_CACHE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE cache_artifacts (
     hash             TEXT PRIMARY KEY,
     bytecode         BYTEA NOT NULL,
     source_map       TEXT NOT NULL,
     filename         TEXT NOT NULL,
     dts_hash         TEXT NOT NULL,
     engine_version   TEXT NOT NULL,
     compiler_version TEXT NOT NULL,
     source_bytes     BIGINT NOT NULL,
     created_at       BIGINT NOT NULL,
     bytes            BIGINT NOT NULL,
     mac              BYTEA NOT NULL,
     last_used_at     BIGINT NOT NULL,
     hits             BIGINT NOT NULL DEFAULT 0
   );
   CREATE INDEX cache_artifacts_last_used ON cache_artifacts (last_used_at);
   CREATE TABLE cache_approvals (
     hash        TEXT PRIMARY KEY,
     approved_by TEXT NOT NULL,
     approved_at BIGINT NOT NULL,
     mac         BYTEA NOT NULL
   );`,
];

const COLUMNS = "hash, bytecode, source_map, filename, dts_hash, engine_version, compiler_version, source_bytes, created_at, mac";
const APPROVAL = "SELECT hash, approved_by, approved_at, mac FROM cache_approvals WHERE hash = $1";
const APPROVALS = "SELECT hash, approved_by, approved_at, mac FROM cache_approvals WHERE hash = ANY($1::text[])";
const SELECT_WITH_APPROVAL = `SELECT ${COLUMNS.split(", ").map((c) => `a.${c}`).join(", ")}, p.approved_by, p.approved_at, p.mac AS approval_mac
  FROM cache_artifacts a LEFT JOIN cache_approvals p ON p.hash = a.hash WHERE a.hash = $1`;

export class PgCacheRows implements CacheRows {
  readonly #pg: PgConnection;
  /** Approval lookups asked for in this turn, by hash (see approvalAsync). */
  #approvalLookups = new Map<string, { resolve: (row: ApprovalRow | undefined) => void; reject: (error: unknown) => void }[]>();
  readonly memory = false;

  constructor(pg: PgConnection) {
    this.#pg = pg;
    pg.migrate(CACHE_NAMESPACE, PG_CACHE_MIGRATIONS);
  }

  get name(): string {
    return this.#pg.name;
  }

  select(hash: string): ArtifactRow | undefined {
    return this.#pg.query("cache.get", `SELECT ${COLUMNS} FROM cache_artifacts WHERE hash = $1`, [hash]).rows[0] as ArtifactRow | undefined;
  }

  selectWithApproval(hash: string): { row: ArtifactRow; approval: ApprovalRow | undefined } | undefined {
    const found = this.#pg.query("cache.get", SELECT_WITH_APPROVAL, [hash]).rows[0];
    if (found === undefined) return undefined;
    const { approved_by, approved_at, approval_mac, ...row } = found;
    return { row: row as unknown as ArtifactRow, approval: approval_mac === null ? undefined : { hash, approved_by, approved_at, mac: approval_mac } };
  }

  upsert(r: ArtifactWrite): void {
    this.#pg.query(
      "cache.put",
      `INSERT INTO cache_artifacts (${COLUMNS}, bytes, last_used_at, hits)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)
       ON CONFLICT (hash) DO UPDATE SET
         bytecode = EXCLUDED.bytecode, source_map = EXCLUDED.source_map, filename = EXCLUDED.filename,
         dts_hash = EXCLUDED.dts_hash, engine_version = EXCLUDED.engine_version,
         compiler_version = EXCLUDED.compiler_version, source_bytes = EXCLUDED.source_bytes,
         created_at = EXCLUDED.created_at, mac = EXCLUDED.mac, bytes = EXCLUDED.bytes,
         last_used_at = GREATEST(cache_artifacts.last_used_at, EXCLUDED.last_used_at)`,
      [r.hash, r.bytecode, r.sourceMap, r.filename, r.dtsHash, r.engineVersion, r.compilerVersion, r.sourceBytes, r.createdAt, r.mac, r.bytes, r.now],
    );
  }

  touch(batch: readonly UsageWrite[]): void {
    // Row locks only: another instance's writes to other rows never make a hit wait, so `wait` needs no special case.
    this.#pg.transaction(
      "cache.touch",
      batch.map((u) => ({
        sql: "UPDATE cache_artifacts SET hits = hits + $1, last_used_at = GREATEST(last_used_at, $2) WHERE hash = $3",
        params: [u.hits, u.lastUsedAt, u.hash],
      })),
    );
  }

  totals(): { entries: number; bytes: number } {
    const row = this.#pg.query("cache.stats", "SELECT count(*) AS entries, coalesce(sum(bytes), 0)::bigint AS bytes FROM cache_artifacts").rows[0];
    return { entries: Number(row?.["entries"] ?? 0), bytes: Number(row?.["bytes"] ?? 0) };
  }

  summaries(): SummaryRow[] {
    return this.#pg.query(
      "cache.list",
      `SELECT a.hash, a.filename, a.bytes, a.source_bytes, a.dts_hash, a.engine_version, a.compiler_version,
              a.created_at, a.last_used_at, a.hits, p.approved_by, p.approved_at, p.mac AS approval_mac
       FROM cache_artifacts a LEFT JOIN cache_approvals p ON p.hash = a.hash
       ORDER BY a.last_used_at DESC, a.hash`,
    ).rows as unknown as SummaryRow[];
  }

  scan(): Iterable<ArtifactRow> {
    return this.#pg.query("cache.verify", `SELECT ${COLUMNS} FROM cache_artifacts ORDER BY hash`).rows as unknown as ArtifactRow[];
  }

  integrityOk(): boolean {
    return true;
  }

  deleteUnchanged(artifacts: readonly { hash: string; mac: unknown }[], approvals: readonly { hash: string; mac: unknown }[]): number {
    const statements: PgStatement[] = [
      ...artifacts.map((b) => ({ sql: "DELETE FROM cache_artifacts WHERE hash = $1 AND mac IS NOT DISTINCT FROM $2", params: [b.hash, b.mac] })),
      ...approvals.map((b) => ({ sql: "DELETE FROM cache_approvals WHERE hash = $1 AND mac IS NOT DISTINCT FROM $2", params: [b.hash, b.mac] })),
    ];
    return this.#pg.transaction("cache.verify", statements).reduce((n, r) => n + r.rowCount, 0);
  }

  prune(limits: PruneLimits, now: number): { hash: string; bytes: number }[] {
    const { olderThanMs, maxBytes, keepApproved } = limits;
    const unapproved = keepApproved ? "AND NOT EXISTS (SELECT 1 FROM cache_approvals p WHERE p.hash = a.hash)" : "";
    const dropApprovals = keepApproved
      ? ""
      : ", gone_approvals AS (DELETE FROM cache_approvals p USING victims v WHERE p.hash = v.hash)";
    const statements: PgStatement[] = [{ sql: "LOCK TABLE cache_artifacts IN SHARE ROW EXCLUSIVE MODE" }];
    if (olderThanMs !== undefined) {
      statements.push({
        sql: `WITH victims AS (DELETE FROM cache_artifacts a WHERE last_used_at < $1 ${unapproved} RETURNING hash, bytes)${dropApprovals}
              SELECT hash, bytes FROM victims`,
        params: [now - olderThanMs],
      });
    }
    if (maxBytes !== undefined) {
      // Least recently used first until the rows left fit: a running total over the candidates, newest kept.
      statements.push({
        sql: `WITH total AS (SELECT coalesce(sum(bytes), 0) AS n FROM cache_artifacts),
              ranked AS (
                SELECT a.hash, a.bytes,
                       sum(a.bytes) OVER (ORDER BY a.last_used_at ASC, a.hash ROWS UNBOUNDED PRECEDING) - a.bytes AS before
                FROM cache_artifacts a WHERE TRUE ${unapproved}),
              victims AS (
                DELETE FROM cache_artifacts c USING ranked r, total t
                WHERE c.hash = r.hash AND t.n - r.before > $1 RETURNING c.hash, c.bytes)${dropApprovals}
              SELECT hash, bytes FROM victims`,
        params: [maxBytes],
      });
    }
    const results = this.#pg.transaction("cache.prune", statements);
    return results.slice(1).flatMap((r) => r.rows.map((v) => ({ hash: String(v["hash"]), bytes: Number(v["bytes"]) })));
  }

  approval(hash: string): ApprovalRow | undefined {
    return this.#pg.query("cache.approval", APPROVAL, [hash]).rows[0] as ApprovalRow | undefined;
  }

  /**
   * The lookups asked for in one turn of the event loop go in one statement, each hash once (concurrent runs of one
   * script ask for the same approval): read after they were asked, so an approval given elsewhere is seen at once.
   */
  approvalAsync(hash: string): Promise<ApprovalRow | undefined> {
    let waiting = this.#approvalLookups.get(hash);
    if (waiting === undefined) {
      if (this.#approvalLookups.size === 0) setImmediate(() => this.#lookUpApprovals());
      this.#approvalLookups.set(hash, (waiting = []));
    }
    const waiters = waiting;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  #lookUpApprovals(): void {
    const lookups = this.#approvalLookups;
    this.#approvalLookups = new Map();
    this.#pg.queryAsync("cache.approval", APPROVALS, [[...lookups.keys()]]).then(
      (result) => {
        const found = new Map(result.rows.map((r) => [String(r["hash"]), r as unknown as ApprovalRow]));
        for (const [hash, waiters] of lookups) for (const w of waiters) w.resolve(found.get(hash));
      },
      (error: unknown) => {
        for (const waiters of lookups.values()) for (const w of waiters) w.reject(error);
      },
    );
  }

  upsertApproval(hash: string, approvedBy: string, approvedAt: number, mac: Uint8Array): void {
    this.#pg.query(
      "cache.approve",
      `INSERT INTO cache_approvals (hash, approved_by, approved_at, mac) VALUES ($1, $2, $3, $4)
       ON CONFLICT (hash) DO UPDATE SET approved_by = EXCLUDED.approved_by, approved_at = EXCLUDED.approved_at, mac = EXCLUDED.mac`,
      [hash, approvedBy, approvedAt, mac],
    );
  }

  approvals(): ApprovalRow[] {
    return this.#pg.query("cache.verify", "SELECT hash, approved_by, approved_at, mac FROM cache_approvals ORDER BY hash").rows as unknown as ApprovalRow[];
  }

  close(): void {
    // The connection belongs to whoever opened it (the harness closes it once for every store on it).
  }
}
