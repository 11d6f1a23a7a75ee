/**
 * The audit log's rows in PostgreSQL (namespace `audit`): every instance of a fleet writes its runs and calls to the
 * same tables, so `cody runs` on any machine shows them all.
 */
import type { PgConnection, PgResult, PgStatement } from "../store/index.js";
import { AUDIT_NAMESPACE } from "./schema.js";
import { CALL_COUNTS, runPageWhere, toCall, toRun, toRunPage, type AuditRows, type AuditWrite, type CallRow, type RawCall, type RawRun, type RunPage, type RunPageOptions, type RunRow } from "./store.js";

/** Append only. One step holds what SQLite's three steps built (PostgreSQL started at that schema). */
export const PG_AUDIT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_runs (
     run_id            TEXT PRIMARY KEY,
     seq               BIGSERIAL,
     script_hash       TEXT,
     script_name       TEXT,
     started_at        BIGINT NOT NULL,
     ended_at          BIGINT,
     outcome           TEXT,
     error_code        TEXT,
     error_message     TEXT,
     owner_pid         INTEGER,
     owner_id          TEXT,
     crash_detected_at BIGINT
   );
   CREATE INDEX audit_runs_started ON audit_runs (started_at DESC, seq DESC);
   CREATE INDEX audit_runs_unended ON audit_runs (owner_id) WHERE outcome IS NULL;
   CREATE TABLE audit_calls (
     id               BIGSERIAL PRIMARY KEY,
     run_id           TEXT NOT NULL,
     script_hash      TEXT,
     call_id          TEXT NOT NULL,
     tool             TEXT NOT NULL,
     source           TEXT NOT NULL,
     detached         INTEGER NOT NULL DEFAULT 0,
     args_digest      TEXT NOT NULL,
     args_preview     TEXT NOT NULL,
     decision         TEXT,
     decided_by       TEXT,
     decision_reason  TEXT,
     approval         TEXT,
     approval_wait_ms DOUBLE PRECISION,
     handler_started  INTEGER NOT NULL DEFAULT 0,
     started_at       BIGINT NOT NULL,
     duration_ms      DOUBLE PRECISION,
     outcome          TEXT NOT NULL DEFAULT 'pending',
     error_code       TEXT,
     error_message    TEXT,
     note             TEXT,
     sandbox          TEXT
   );
   CREATE INDEX audit_calls_run ON audit_calls (run_id, id);`,
];

const RUN_SELECT = `SELECT r.run_id, r.script_hash, r.script_name, r.started_at, r.ended_at, r.outcome, r.error_code,
  r.error_message, r.owner_pid, r.crash_detected_at, ${CALL_COUNTS} FROM audit_runs r`;

function statement(w: AuditWrite): PgStatement[] {
  switch (w.op) {
    case "runStart":
      return [{
        sql: `INSERT INTO audit_runs (run_id, script_hash, script_name, started_at, owner_pid, owner_id) VALUES ($1, $2, $3, $4, $5, $6)
              ON CONFLICT (run_id) DO UPDATE SET
                script_hash = COALESCE(EXCLUDED.script_hash, audit_runs.script_hash),
                script_name = COALESCE(EXCLUDED.script_name, audit_runs.script_name),
                started_at = LEAST(audit_runs.started_at, EXCLUDED.started_at)`,
        params: [w.runId, w.scriptHash, w.scriptName, w.startedAt, w.ownerPid, w.ownerId],
      }];
    case "runEnd":
      return [{
        sql: "UPDATE audit_runs SET ended_at = $2, outcome = $3, error_code = $4, error_message = $5 WHERE run_id = $1",
        params: [w.runId, w.endedAt, w.outcome, w.errorCode, w.errorMessage],
      }];
    case "insertCall": {
      const c = w.call;
      const e = w.end;
      if (e !== undefined) {
        return [{
          sql: `WITH run AS (
                  INSERT INTO audit_runs (run_id, script_hash, started_at, owner_pid, owner_id) VALUES ($1, $2, $9, $17, $18)
                  ON CONFLICT (run_id) DO NOTHING)
                INSERT INTO audit_calls (run_id, script_hash, call_id, tool, source, detached, args_digest, args_preview, started_at,
                  decision, decided_by, decision_reason, approval, approval_wait_ms, handler_started, sandbox,
                  outcome, duration_ms, error_code, error_message, note)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $19, $20, $21, $22, $23) RETURNING id`,
          params: [c.runId, c.scriptHash, c.callId, c.tool, c.source, c.detached, c.argsDigest, c.argsPreview, c.startedAt,
            c.decision, c.decidedBy, c.reason, c.approval, c.approvalWaitMs, c.handlerStarted, c.sandbox, w.ownerPid, w.ownerId,
            e.outcome, e.durationMs, e.errorCode, e.errorMessage, e.note],
        }];
      }
      // One statement: the run row (when missing) and the call row, atomic without a transaction of their own.
      return [{
        sql: `WITH run AS (
                INSERT INTO audit_runs (run_id, script_hash, started_at, owner_pid, owner_id) VALUES ($1, $2, $9, $17, $18)
                ON CONFLICT (run_id) DO NOTHING)
              INSERT INTO audit_calls (run_id, script_hash, call_id, tool, source, detached, args_digest, args_preview, started_at,
                decision, decided_by, decision_reason, approval, approval_wait_ms, handler_started, sandbox)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
        params: [c.runId, c.scriptHash, c.callId, c.tool, c.source, c.detached, c.argsDigest, c.argsPreview, c.startedAt,
          c.decision, c.decidedBy, c.reason, c.approval, c.approvalWaitMs, c.handlerStarted, c.sandbox, w.ownerPid, w.ownerId],
      }];
    }
    case "decision":
      return [{
        sql: `UPDATE audit_calls SET decision = $2, decided_by = $3, decision_reason = $4, approval = $5, approval_wait_ms = $6
              WHERE id = $1`,
        params: [w.id, w.decision, w.decidedBy, w.reason, w.approval, w.approvalWaitMs],
      }];
    case "handlerStarted":
      return [{ sql: "UPDATE audit_calls SET handler_started = 1 WHERE id = $1", params: [w.id] }];
    case "sandbox":
      return [{ sql: "UPDATE audit_calls SET sandbox = $2 WHERE id = $1", params: [w.id, w.mode] }];
    case "endCall":
      return [{
        sql: `UPDATE audit_calls SET outcome = $2, duration_ms = $3, error_code = $4, error_message = $5, note = COALESCE($6, note)
              WHERE id = $1`,
        params: [w.id, w.outcome, w.durationMs, w.errorCode, w.errorMessage, w.note],
      }];
    case "crashRun":
      // One statement, so the calls are closed only when this run was (another instance may have closed it first).
      return [{
        sql: `WITH closed AS (
                UPDATE audit_runs SET outcome = 'crashed', crash_detected_at = $3, error_message = $4
                WHERE run_id = $1 AND outcome IS NULL AND owner_id = $2 RETURNING run_id),
              calls AS (
                UPDATE audit_calls SET outcome = 'unknown', note = 'its process ended before the call settled'
                WHERE run_id IN (SELECT run_id FROM closed) AND outcome = 'pending')
              SELECT count(*) AS n FROM closed`,
        params: [w.runId, w.ownerId, w.now, w.message],
      }];
  }
}

/** One number per write from the transaction's results: the new call's id, the runs closed, or the rows changed. */
function outcomes(writes: readonly AuditWrite[], plan: PgStatement[][], results: PgResult[]): number[] {
  let at = 0;
  return writes.map((w, i) => {
    const n = (plan[i] as PgStatement[]).length;
    const last = results[at + n - 1];
    at += n;
    if (w.op === "insertCall") return Number(last?.rows[0]?.["id"]);
    if (w.op === "crashRun") return Number(last?.rows[0]?.["n"] ?? 0);
    return last?.rowCount ?? 0;
  });
}

export class PgAuditRows implements AuditRows {
  readonly #pg: PgConnection;

  constructor(pg: PgConnection) {
    this.#pg = pg;
    pg.migrate(AUDIT_NAMESPACE, PG_AUDIT_MIGRATIONS);
  }

  get name(): string {
    return this.#pg.name;
  }

  get open(): boolean {
    return this.#pg.open;
  }

  commit(writes: readonly AuditWrite[]): number[] {
    const plan = writes.map(statement);
    return outcomes(writes, plan, this.#pg.transaction("audit.write", plan.flat()));
  }

  /** A round trip to the server: the caller's thread is free meanwhile. */
  readonly asyncWrites = true;

  async commitAsync(writes: readonly AuditWrite[], opts: { ordered?: boolean } = {}): Promise<number[]> {
    const plan = writes.map(statement);
    return outcomes(writes, plan, await this.#pg.transactionAsync("audit.write", plan.flat(), { ordered: opts.ordered ?? true }));
  }

  unendedRuns(exceptOwnerId: string): { runId: string; ownerId: string }[] {
    return this.#pg
      .query("audit.closeCrashedRuns", "SELECT run_id, owner_id FROM audit_runs WHERE outcome IS NULL AND owner_id IS NOT NULL AND owner_id <> $1", [exceptOwnerId])
      .rows.map((r) => ({ runId: String(r["run_id"]), ownerId: String(r["owner_id"]) }));
  }

  listRuns(limit: number): RunRow[] {
    return (this.#pg.query("audit.listRuns", `${RUN_SELECT} ORDER BY r.started_at DESC, r.seq DESC LIMIT $1`, [limit]).rows as unknown as RawRun[]).map(toRun);
  }

  pageRuns(opts: RunPageOptions): RunPage {
    const { where, params } = runPageWhere(opts, "seq", (n) => `$${n}`);
    const sql = `${RUN_SELECT.replace("SELECT r.run_id,", "SELECT r.seq, r.run_id,")}${where} ORDER BY r.started_at DESC, r.seq DESC LIMIT $${params.length + 1}`;
    return toRunPage(this.#pg.query("audit.pageRuns", sql, [...params, opts.limit + 1]).rows as unknown as (RawRun & { seq: string })[], opts.limit);
  }

  getRun(runId: string): { run: RunRow; calls: CallRow[] } | undefined {
    const [run, calls] = this.#pg.transaction("audit.getRun", [
      { sql: `${RUN_SELECT} WHERE r.run_id = $1`, params: [runId] },
      { sql: "SELECT * FROM audit_calls WHERE run_id = $1 ORDER BY id", params: [runId] },
    ]);
    const raw = run?.rows[0] as RawRun | undefined;
    if (raw === undefined) return undefined;
    return { run: toRun(raw), calls: (calls?.rows as unknown as RawCall[]).map(toCall) };
  }

  findRunIds(prefix: string): string[] {
    return this.#pg
      .query("audit.findRunIds", "SELECT run_id FROM audit_runs WHERE substr(run_id, 1, length($1)) = $1 ORDER BY run_id LIMIT 10", [prefix])
      .rows.map((r) => String(r["run_id"]));
  }
}
