/** The audit log's rows in the shared SQLite file (namespace `audit`; tables in schema.ts). */
import type BetterSqlite3 from "better-sqlite3";
import { migrate, type Database } from "../store/index.js";
import { AUDIT_MIGRATIONS, AUDIT_NAMESPACE } from "./schema.js";
import { SqliteWriter, type SqliteWriterOptions } from "./sqlite-writer.js";
import { CALL_COUNTS, runPageWhere, toCall, toRun, toRunPage, type AuditRows, type AuditWrite, type CallRow, type RawCall, type RawRun, type RunPage, type RunPageOptions, type RunRow } from "./store.js";

type Stmt = BetterSqlite3.Statement<unknown[]>;

const RUN_SELECT = `SELECT r.*, ${CALL_COUNTS} FROM audit_runs r`;

export interface SqliteAuditRowsOptions {
  /**
   * Commit the log's asynchronous writes (its group commits, grouped call rows) on a writer thread with its own
   * connection to the file, leaving this thread free meanwhile (sqlite-writer.ts). For a long-lived process under
   * load (`cody serve`); a one-shot command would pay a thread start it does not need. Synchronous commits and reads
   * stay on `db`, after the thread's commits in flight. Not for `:memory:` (a second connection would see another
   * database). @default undefined (no writer: every commit on `db`)
   */
  writer?: SqliteWriterOptions | undefined;
}

export class SqliteAuditRows implements AuditRows {
  readonly db: Database;
  /** The writer thread's handle (undefined without the `writer` option). */
  readonly writer: SqliteWriter | undefined;
  readonly #stmts;
  #busy:
    | { get: BetterSqlite3.Statement<[], { timeout: number }>; none: Stmt; restore: Map<number, Stmt> }
    | undefined;
  /**
   * One transaction function for every batch: `db.transaction()` builds five wrapper functions and their properties
   * each time it is called, and the log commits about once per event-loop turn.
   */
  readonly #applyAll: BetterSqlite3.Transaction<(writes: readonly AuditWrite[]) => number[]>;

  constructor(db: Database, opts: SqliteAuditRowsOptions = {}) {
    this.db = db;
    migrate(db, AUDIT_NAMESPACE, AUDIT_MIGRATIONS);
    if (opts.writer !== undefined && !db.memory) this.writer = this.#writerFor(db, opts.writer);
    const prepare = (sql: string): Stmt => db.prepare<unknown[]>(sql);
    this.#stmts = {
      ensureRun: prepare(
        "INSERT OR IGNORE INTO audit_runs (run_id, script_hash, started_at, owner_pid, owner_id) VALUES (?, ?, ?, ?, ?)",
      ),
      runStart: prepare(
        `INSERT INTO audit_runs (run_id, script_hash, script_name, started_at, owner_pid, owner_id)
         VALUES (@runId, @scriptHash, @scriptName, @startedAt, @ownerPid, @ownerId)
         ON CONFLICT(run_id) DO UPDATE SET
           script_hash = COALESCE(excluded.script_hash, script_hash),
           script_name = COALESCE(excluded.script_name, script_name),
           started_at = MIN(started_at, excluded.started_at)`,
      ),
      runEnd: prepare(
        `UPDATE audit_runs SET ended_at = @endedAt, outcome = @outcome, error_code = @errorCode, error_message = @errorMessage
         WHERE run_id = @runId`,
      ),
      insertCall: prepare(
        `INSERT INTO audit_calls (run_id, script_hash, call_id, tool, source, detached, args_digest, args_preview, started_at,
           decision, decided_by, decision_reason, approval, approval_wait_ms, handler_started, sandbox)
         VALUES (@runId, @scriptHash, @callId, @tool, @source, @detached, @argsDigest, @argsPreview, @startedAt,
           @decision, @decidedBy, @reason, @approval, @approvalWaitMs, @handlerStarted, @sandbox)`,
      ),
      insertEndedCall: prepare(
        `INSERT INTO audit_calls (run_id, script_hash, call_id, tool, source, detached, args_digest, args_preview, started_at,
           decision, decided_by, decision_reason, approval, approval_wait_ms, handler_started, sandbox,
           outcome, duration_ms, error_code, error_message, note)
         VALUES (@runId, @scriptHash, @callId, @tool, @source, @detached, @argsDigest, @argsPreview, @startedAt,
           @decision, @decidedBy, @reason, @approval, @approvalWaitMs, @handlerStarted, @sandbox,
           @outcome, @durationMs, @errorCode, @errorMessage, @note)`,
      ),
      decision: prepare(
        `UPDATE audit_calls SET decision = @decision, decided_by = @decidedBy, decision_reason = @reason,
           approval = @approval, approval_wait_ms = @approvalWaitMs WHERE id = @id`,
      ),
      handlerStarted: prepare("UPDATE audit_calls SET handler_started = 1 WHERE id = ?"),
      sandbox: prepare("UPDATE audit_calls SET sandbox = ? WHERE id = ?"),
      endCall: prepare(
        `UPDATE audit_calls SET outcome = @outcome, duration_ms = @durationMs, error_code = @errorCode,
           error_message = @errorMessage, note = COALESCE(@note, note) WHERE id = @id`,
      ),
      listRuns: db.prepare<[number], RawRun>(`${RUN_SELECT} ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?`),
      getRun: db.prepare<[string], RawRun>(`${RUN_SELECT} WHERE r.run_id = ?`),
      getCalls: db.prepare<[string], RawCall>("SELECT * FROM audit_calls WHERE run_id = ? ORDER BY id"),
      byPrefix: db.prepare<[{ p: string }], { run_id: string }>(
        "SELECT run_id FROM audit_runs WHERE substr(run_id, 1, length(@p)) = @p ORDER BY run_id LIMIT 10",
      ),
      unended: db.prepare<[string], { run_id: string; owner_id: string }>(
        "SELECT run_id, owner_id FROM audit_runs WHERE outcome IS NULL AND owner_id IS NOT NULL AND owner_id != ?",
      ),
      crashRun: prepare(
        `UPDATE audit_runs SET outcome = 'crashed', crash_detected_at = @now, error_message = @message WHERE run_id = @runId AND outcome IS NULL AND owner_id = @ownerId`,
      ),
      crashCalls: prepare(
        `UPDATE audit_calls SET outcome = 'unknown', note = 'its process ended before the call settled'
         WHERE run_id = ? AND outcome = 'pending'`,
      ),
    };
    this.#applyAll = db.transaction((writes: readonly AuditWrite[]) => {
      const out = new Array<number>(writes.length);
      for (let i = 0; i < writes.length; i++) out[i] = this.#apply(writes[i] as AuditWrite);
      return out;
    });
  }

  get name(): string {
    return this.db.name;
  }

  get open(): boolean {
    return this.db.open;
  }

  commit(writes: readonly AuditWrite[], opts: { wait: boolean }): number[] {
    // After the writer's commits in flight, so that writes keep the order they were made in.
    this.writer?.drain();
    if (opts.wait) return this.#applyAll.immediate(writes);
    // Never wait for another process's lock: busy_timeout would stall the event loop, and every run's clock with it.
    // Through statements prepared once: `db.pragma()` compiles each time, and this runs once per batch (measured
    // ≈ 4 % of the event loop's CPU at 64 runs in flight).
    const busy = (this.#busy ??= {
      get: this.db.prepare<[], { timeout: number }>("PRAGMA busy_timeout"),
      none: this.db.prepare<unknown[]>("PRAGMA busy_timeout = 0"),
      restore: new Map(),
    });
    const timeout = Number(busy.get.get()?.timeout) || 0;
    busy.none.run();
    try {
      return this.#applyAll.immediate(writes);
    } finally {
      let restore = busy.restore.get(timeout);
      if (restore === undefined) busy.restore.set(timeout, (restore = this.db.prepare(`PRAGMA busy_timeout = ${timeout}`)));
      restore.run();
    }
  }

  /**
   * With a writer thread the log's group commits go there while this thread goes on; without one SQLite commits
   * in-process, nothing would overlap, and the log keeps its synchronous path.
   */
  get asyncWrites(): boolean {
    return this.writer !== undefined && !this.writer.closed;
  }

  commitAsync(writes: readonly AuditWrite[]): Promise<number[]> {
    if (this.writer !== undefined && !this.writer.closed) return this.writer.commit(writes);
    try {
      return Promise.resolve(this.commit(writes, { wait: true }));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  #apply(w: AuditWrite): number {
    const s = this.#stmts;
    switch (w.op) {
      case "runStart": {
        const { op: _op, ...row } = w;
        return s.runStart.run(row).changes;
      }
      case "runEnd": {
        const { op: _op, ...row } = w;
        return s.runEnd.run(row).changes;
      }
      case "insertCall":
        s.ensureRun.run(w.call.runId, w.call.scriptHash, w.call.startedAt, w.ownerPid, w.ownerId);
        if (w.end !== undefined) return Number(s.insertEndedCall.run({ ...w.call, ...w.end }).lastInsertRowid);
        return Number(s.insertCall.run(w.call).lastInsertRowid);
      case "decision": {
        const { op: _op, ...row } = w;
        return s.decision.run(row).changes;
      }
      case "handlerStarted":
        return s.handlerStarted.run(w.id).changes;
      case "sandbox":
        return s.sandbox.run(w.mode, w.id).changes;
      case "endCall": {
        const { op: _op, ...row } = w;
        return s.endCall.run(row).changes;
      }
      case "crashRun": {
        const changed = s.crashRun.run({ runId: w.runId, ownerId: w.ownerId, now: w.now, message: w.message }).changes;
        if (changed > 0) s.crashCalls.run(w.runId);
        return changed;
      }
    }
  }

  /**
   * Wait for the writer's commits in flight, close its connection and end its thread (before `db` is closed). The
   * rows stay usable without it: later commits run on `db`. Idempotent; nothing to do without a writer.
   */
  stopWriter(): void {
    this.writer?.close();
  }

  /**
   * The writer, and the hand-over of WAL checkpoints: while its thread runs, this connection does not checkpoint
   * (`wal_autocheckpoint = 0`), so the checkpoint a commit triggers runs on the writer's thread, which commits the
   * most; this connection's own setting comes back when the thread stops.
   */
  #writerFor(db: Database, opts: SqliteWriterOptions): SqliteWriter {
    const own = Number(db.pragma("wal_autocheckpoint", { simple: true }));
    return new SqliteWriter(db.name, {
      ...opts,
      onStart: () => {
        db.pragma("wal_autocheckpoint = 0");
        opts.onStart?.();
      },
      onStop: () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${own}`);
        opts.onStop?.();
      },
    });
  }

  unendedRuns(exceptOwnerId: string): { runId: string; ownerId: string }[] {
    this.writer?.drain();
    return this.#stmts.unended.all(exceptOwnerId).map((r) => ({ runId: r.run_id, ownerId: r.owner_id }));
  }

  listRuns(limit: number): RunRow[] {
    this.writer?.drain();
    return this.#stmts.listRuns.all(limit).map(toRun);
  }

  pageRuns(opts: RunPageOptions): RunPage {
    this.writer?.drain();
    const { where, params } = runPageWhere(opts, "rowid", () => "?");
    const sql = `SELECT r.rowid AS seq, r.*, ${CALL_COUNTS} FROM audit_runs r${where} ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?`;
    return toRunPage(this.db.prepare<(number | string)[], RawRun & { seq: number }>(sql).all(...params, opts.limit + 1), opts.limit);
  }

  getRun(runId: string): { run: RunRow; calls: CallRow[] } | undefined {
    this.writer?.drain();
    const raw = this.#stmts.getRun.get(runId);
    if (raw === undefined) return undefined;
    return { run: toRun(raw), calls: this.#stmts.getCalls.all(runId).map(toCall) };
  }

  findRunIds(prefix: string): string[] {
    this.writer?.drain();
    return this.#stmts.byPrefix.all({ p: prefix }).map((r) => r.run_id);
  }
}
