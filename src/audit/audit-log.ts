/**
 * The audit log: one row per tool call and one per run, in the shared SQLite file. A call row is written when the
 * call arrives (outcome `pending`) and updated as it is decided, started and settled, so after a crash, timeout or
 * abort the log still says which calls ran to completion (`ok`), which were cut off after their handler started
 * (`aborted`, handler_started = 1) and which never ran.
 */
import { asStoreError, currentOwner, isStoreFault, migrate, ownerIsGone, ownerPid, storeOp, type Database } from "../store/index.js";
import { redact } from "../redact.js";
import { RUN_OUTCOME_OF_CODE, StoreError } from "../errors/index.js";
import type { DecidedBy } from "../approval/index.js";
import { argsDigest } from "./digest.js";
import { AUDIT_MIGRATIONS, AUDIT_NAMESPACE } from "./schema.js";

/** `unknown`: the call was pending when its process died (closed by `closeCrashedRuns`). */
export type CallOutcome = "ok" | "error" | "aborted" | "denied" | "pending" | "unknown";
/** `crashed`: the process running it died before recording an end (closed by `closeCrashedRuns`). */
export type RunOutcome = "ok" | "error" | "aborted" | "timeout" | "denied" | "crashed";
export type CallSource = "script" | "structured";

export interface StartCallInput {
  runId: string;
  scriptHash?: string | undefined;
  callId: string;
  tool: string;
  source: CallSource;
  detached?: boolean;
  /** The arguments as received; stored only as a digest and a redacted preview. */
  args: unknown;
  /** @default Date.now() */
  startedAt?: number;
  /** The decision, when already made (saves a write). */
  decision?: CallDecisionInput | undefined;
  /** The handler is about to be invoked (saves a write). */
  handlerStarted?: boolean;
  /** The sandbox mode a confined tool runs under (exec). */
  sandbox?: string | undefined;
}

export interface CallDecisionInput {
  decision: "skip" | "ask" | "forbid";
  decidedBy: DecidedBy;
  reason?: string | undefined;
  /** The person's answer when one was asked (or `timeout`). */
  approval?: "approve" | "deny" | "always" | "abort" | "timeout" | undefined;
  approvalWaitMs?: number | undefined;
}

export interface EndCallInput {
  durationMs: number;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  note?: string | undefined;
}

export interface RunRow {
  runId: string;
  scriptHash: string | null;
  scriptName: string | null;
  startedAt: number;
  endedAt: number | null;
  outcome: RunOutcome | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The process that ran it (null for runs recorded before owners were). */
  ownerPid: number | null;
  /** When a later process found the owner gone and closed the run as `crashed`. */
  crashDetectedAt: number | null;
  /** Counts of this run's calls by outcome. */
  calls: { total: number; ok: number; error: number; aborted: number; denied: number; pending: number; unknown: number };
}

export interface CallRow {
  id: number;
  runId: string;
  scriptHash: string | null;
  callId: string;
  tool: string;
  source: CallSource;
  detached: boolean;
  argsDigest: string;
  argsPreview: string;
  decision: "skip" | "ask" | "forbid" | null;
  decidedBy: DecidedBy | null;
  decisionReason: string | null;
  approval: string | null;
  approvalWaitMs: number | null;
  handlerStarted: boolean;
  startedAt: number;
  durationMs: number | null;
  outcome: CallOutcome;
  errorCode: string | null;
  errorMessage: string | null;
  note: string | null;
  /** The sandbox mode the call ran under (confined tools only; the last mode when it was re-run unsandboxed). */
  sandbox: string | null;
}

interface RawRun {
  run_id: string;
  script_hash: string | null;
  script_name: string | null;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome | null;
  error_code: string | null;
  error_message: string | null;
  owner_pid: number | null;
  crash_detected_at: number | null;
  total: number;
  n_ok: number;
  n_error: number;
  n_aborted: number;
  n_denied: number;
  n_pending: number;
  n_unknown: number;
}

interface RawCall {
  id: number;
  run_id: string;
  script_hash: string | null;
  call_id: string;
  tool: string;
  source: CallSource;
  detached: number;
  args_digest: string;
  args_preview: string;
  decision: CallRow["decision"];
  decided_by: DecidedBy | null;
  decision_reason: string | null;
  approval: string | null;
  approval_wait_ms: number | null;
  handler_started: number;
  started_at: number;
  duration_ms: number | null;
  outcome: CallOutcome;
  error_code: string | null;
  error_message: string | null;
  note: string | null;
  sandbox: string | null;
}

const RUN_SELECT = `
  SELECT r.*,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id) AS total,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'ok') AS n_ok,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'error') AS n_error,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'aborted') AS n_aborted,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'denied') AS n_denied,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'pending') AS n_pending,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'unknown') AS n_unknown
  FROM audit_runs r`;

/** Error messages can be long (stack-like); the log keeps a readable head. */
const MAX_MESSAGE = 2000;
const cut = (s: string | undefined): string | null => (s === undefined ? null : s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);
/**
 * Deferred writes kept for a retry after the database refused them (disk full…). Past this many the oldest are
 * dropped, and the next report says how many were lost: memory must not grow without bound while the disk stays full.
 */
const MAX_PENDING = 10_000;
/** How soon a deferred flush that found the database locked tries again. */
const BUSY_RETRY_MS = 100;

export interface AuditLogOptions {
  /** Batch run ends and call outcomes (see `flush`). @default false */
  deferWrites?: boolean;
  /**
   * Told about failures nobody else can be: a deferred flush that the database refused (the writes are kept and
   * retried with the next write), or closing crashed runs at open. Never called for a write whose caller gets the
   * error thrown. Without it such failures are silent — but never an uncaught exception.
   */
  onError?: (error: unknown) => void;
  /** Close runs left by dead processes when opening (see `closeCrashedRuns`). @default true */
  closeCrashedRuns?: boolean;
}

export class AuditLog {
  readonly db: Database;
  readonly #stmts;
  /**
   * Writes that need not precede anything (run start/end, a call's outcome) wait here and are committed together in
   * one transaction on the next turn of the event loop, or earlier when a call row is inserted or the log is read.
   * Only a call's start row is written synchronously, because it must exist before the handler can have side effects.
   */
  #pending: (() => void)[] = [];
  #flushScheduled = false;
  /** Deferred writes dropped because MAX_PENDING was reached while the database refused writes. */
  #lost = 0;
  /** Since when an opportunistic flush has found the database locked by another process. */
  #busySince: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  readonly #deferWrites: boolean;
  readonly #onError: ((error: unknown) => void) | undefined;

  /**
   * Use `db` (opened with `openDatabase`), creating or upgrading the audit tables, then close runs whose process is
   * gone. With `deferWrites`, run ends and call outcomes are batched (see `flush`); the owner must call `flush()`
   * before closing the database.
   */
  constructor(db: Database, options: AuditLogOptions = {}) {
    this.db = db;
    this.#deferWrites = options.deferWrites === true;
    this.#onError = options.onError;
    migrate(db, AUDIT_NAMESPACE, AUDIT_MIGRATIONS);
    this.#stmts = {
      ensureRun: db.prepare(
        "INSERT OR IGNORE INTO audit_runs (run_id, script_hash, started_at, owner_pid, owner_id) VALUES (?, ?, ?, ?, ?)",
      ),
      runStart: db.prepare(
        `INSERT INTO audit_runs (run_id, script_hash, script_name, started_at, owner_pid, owner_id)
         VALUES (@runId, @scriptHash, @scriptName, @startedAt, @ownerPid, @ownerId)
         ON CONFLICT(run_id) DO UPDATE SET
           script_hash = COALESCE(excluded.script_hash, script_hash),
           script_name = COALESCE(excluded.script_name, script_name),
           started_at = MIN(started_at, excluded.started_at)`,
      ),
      runEnd: db.prepare(
        `UPDATE audit_runs SET ended_at = @endedAt, outcome = @outcome, error_code = @errorCode, error_message = @errorMessage
         WHERE run_id = @runId`,
      ),
      insertCall: db.prepare(
        `INSERT INTO audit_calls (run_id, script_hash, call_id, tool, source, detached, args_digest, args_preview, started_at,
           decision, decided_by, decision_reason, approval, approval_wait_ms, handler_started, sandbox)
         VALUES (@runId, @scriptHash, @callId, @tool, @source, @detached, @argsDigest, @argsPreview, @startedAt,
           @decision, @decidedBy, @reason, @approval, @approvalWaitMs, @handlerStarted, @sandbox)`,
      ),
      decision: db.prepare(
        `UPDATE audit_calls SET decision = @decision, decided_by = @decidedBy, decision_reason = @reason,
           approval = @approval, approval_wait_ms = @approvalWaitMs WHERE id = @id`,
      ),
      handlerStarted: db.prepare("UPDATE audit_calls SET handler_started = 1 WHERE id = ?"),
      sandbox: db.prepare("UPDATE audit_calls SET sandbox = ? WHERE id = ?"),
      endCall: db.prepare(
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
      crashRun: db.prepare(
        `UPDATE audit_runs SET outcome = 'crashed', crash_detected_at = @now, error_message = @message WHERE run_id = @runId AND outcome IS NULL AND owner_id = @ownerId`,
      ),
      crashCalls: db.prepare(
        `UPDATE audit_calls SET outcome = 'unknown', note = 'its process ended before the call settled'
         WHERE run_id = ? AND outcome = 'pending'`,
      ),
    };
    if (options.closeCrashedRuns !== false) {
      try {
        this.closeCrashedRuns();
      } catch (error) {
        // Reading the log must still work on a full or read-only database; the next open tries again.
        this.#report(error);
      }
    }
  }

  /**
   * Record that a run began (the integrator calls this before the script starts). Written at once, with any deferred
   * writes, in one transaction: a run reported as accepted always has its row, and the row names this process as
   * the owner so that a later process can tell whether the run is still going.
   *
   * @throws StoreError when the database refuses the write (the run must then not start).
   */
  recordRunStart(input: { runId: string; scriptHash?: string | undefined; scriptName?: string | undefined; startedAt?: number }): void {
    const owner = currentOwner();
    const row = {
      runId: input.runId,
      scriptHash: input.scriptHash ?? null,
      scriptName: input.scriptName ?? null,
      startedAt: input.startedAt ?? Date.now(),
      ownerPid: owner.pid,
      ownerId: owner.id,
    };
    this.#commit("audit.recordRunStart", () => this.#stmts.runStart.run(row));
  }

  /**
   * Close every run left open by a process that is gone (see store/owner.ts: host, boot, pid and process start time
   * must all match for the owner to count as alive): the run becomes `crashed` with the time this was noticed, and
   * its calls still `pending` become `unknown`. Runs of live processes — another server on the same file — and runs
   * recorded without an owner are left alone. Returns the ids closed.
   *
   * @throws StoreError when the database refuses the write.
   */
  closeCrashedRuns(now = Date.now()): string[] {
    const mine = currentOwner().id;
    const candidates = storeOp("audit.closeCrashedRuns", this.db.name, () => this.#stmts.unended.all(mine));
    const dead = candidates.filter((r) => ownerIsGone(r.owner_id));
    if (dead.length === 0) return [];
    const closed: string[] = [];
    this.#commit("audit.closeCrashedRuns", () => {
      for (const r of dead) {
        const pid = ownerPid(r.owner_id) ?? "?";
        const message = `the process that ran it (pid ${pid}) ended without recording an end; found at ${new Date(now).toISOString()}`;
        if (this.#stmts.crashRun.run({ runId: r.run_id, ownerId: r.owner_id, now, message }).changes === 0) continue;
        this.#stmts.crashCalls.run(r.run_id);
        closed.push(r.run_id);
      }
    });
    return closed;
  }

  /**
   * Commit every deferred write now (before reading, and before the database is closed).
   *
   * @throws StoreError when the database refuses them; they stay queued and are retried with the next write.
   */
  flush(): void {
    if (this.#pending.length === 0) return;
    this.#commit("audit.flush", () => undefined);
  }

  /** Deferred writes not yet committed (a flush the database refused leaves them here). */
  get pendingWrites(): number {
    return this.#pending.length;
  }

  /**
   * Run the deferred writes and then `write` in one transaction. On a storage fault everything rolls back and the
   * deferred writes are queued again (the newest MAX_PENDING), so the log catches up once the disk has room; any other
   * failure (a bug) drops them rather than failing every later write.
   */
  #commit<T>(operation: string, write: () => T): T {
    const batch = this.#pending;
    this.#pending = [];
    try {
      return this.db.transaction(() => {
        for (const w of batch) w();
        return write();
      }).immediate();
    } catch (error) {
      if (isStoreFault(error)) {
        const all = batch.concat(this.#pending);
        const over = all.length - MAX_PENDING;
        if (over > 0) this.#lost += over;
        this.#pending = over > 0 ? all.slice(over) : all;
      }
      const wrapped = asStoreError(operation, error, this.db.name);
      if (this.#lost > 0 && wrapped instanceof Error) {
        wrapped.message += ` (${this.#lost} deferred audit writes lost so far)`;
      }
      throw wrapped;
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError?.(error);
    } catch {
      // a failing reporter must not turn a reported failure into a crash
    }
  }

  /**
   * An opportunistic flush (on its own turn of the loop, or before a read): it never waits for another process's
   * lock — `busy_timeout` would stall the event loop, and with it every run's clock, for up to 5 s — but retries
   * shortly instead, and reports SQLITE_BUSY only once the lock has been held longer than the busy timeout. Any other
   * refusal is reported at once (a throw here would end the process). Reads then show what is committed.
   */
  #flushSoon(): void {
    if (!this.db.open || this.#pending.length === 0) return;
    const timeout = Number(this.db.pragma("busy_timeout", { simple: true })) || 0;
    try {
      this.db.pragma("busy_timeout = 0");
      try {
        this.flush();
      } finally {
        this.db.pragma(`busy_timeout = ${timeout}`);
      }
      this.#busySince = undefined;
    } catch (error) {
      const code = error instanceof StoreError ? String(error.details["sqliteCode"]) : "";
      if (!code.startsWith("SQLITE_BUSY") && !code.startsWith("SQLITE_LOCKED")) {
        this.#report(error);
        return;
      }
      const now = Date.now();
      this.#busySince ??= now;
      if (now - this.#busySince >= timeout) {
        this.#report(error);
        this.#busySince = now;
      }
      this.#retryLater();
    }
  }

  #retryLater(): void {
    if (this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#flushSoon();
    }, BUSY_RETRY_MS);
    // The owner's final flush (before closing) writes whatever is left; a retry must not keep the process alive.
    this.#retry.unref();
  }

  #defer(write: () => void): void {
    if (!this.#deferWrites) {
      this.#commit("audit.write", write);
      return;
    }
    this.#pending.push(write);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // The database may have been closed by an owner that flushed first; then there is nothing left to write. A
      // refused flush is reported: it runs on its own turn of the event loop, where a throw would end the process.
      if (this.db.open) this.#flushSoon();
    });
  }

  /** Record how a run ended. `outcomeForError` maps an error code to the outcome. */
  recordRunEnd(
    runId: string,
    input: { outcome: RunOutcome; errorCode?: string | undefined; errorMessage?: string | undefined; endedAt?: number },
  ): void {
    const row = {
      runId,
      endedAt: input.endedAt ?? Date.now(),
      outcome: input.outcome,
      errorCode: input.errorCode ?? null,
      errorMessage: cut(input.errorMessage),
    };
    this.#defer(() => this.#stmts.runEnd.run(row));
  }

  /**
   * Write a call row (outcome `pending`) and return its id. Creates the run row if the run was not recorded. The
   * dispatcher passes the decision and `handlerStarted` along when it already knows them, so a call that needs no
   * approval costs two writes: this one, just before its handler starts, and `endCall`.
   */
  startCall(input: StartCallInput): number {
    const startedAt = input.startedAt ?? Date.now();
    let digest: string;
    let preview: string;
    try {
      digest = argsDigest(input.args ?? null);
      preview = JSON.stringify(redact(input.args ?? null)) ?? "null";
    } catch {
      // cyclic or otherwise non-JSON arguments (never from a script, whose values are copied as JSON)
      digest = "unserializable";
      preview = JSON.stringify(String(input.args));
    }
    const owner = currentOwner();
    const id = this.#commit("audit.startCall", () => {
      this.#stmts.ensureRun.run(input.runId, input.scriptHash ?? null, startedAt, owner.pid, owner.id);
      return this.#stmts.insertCall.run({
        runId: input.runId,
        scriptHash: input.scriptHash ?? null,
        callId: input.callId,
        tool: input.tool,
        source: input.source,
        detached: input.detached === true ? 1 : 0,
        argsDigest: digest,
        argsPreview: preview,
        startedAt,
        decision: input.decision?.decision ?? null,
        decidedBy: input.decision?.decidedBy ?? null,
        reason: input.decision?.reason ?? null,
        approval: input.decision?.approval ?? null,
        approvalWaitMs: input.decision?.approvalWaitMs ?? null,
        handlerStarted: input.handlerStarted === true ? 1 : 0,
        sandbox: input.sandbox ?? null,
      }).lastInsertRowid;
    });
    return Number(id);
  }

  /** Record the policy's decision and, when a person was asked, their answer. */
  recordDecision(id: number, input: CallDecisionInput): void {
    storeOp("audit.recordDecision", this.db.name, () => this.#stmts.decision.run({
      id,
      decision: input.decision,
      decidedBy: input.decidedBy,
      reason: input.reason ?? null,
      approval: input.approval ?? null,
      approvalWaitMs: input.approvalWaitMs ?? null,
    }));
  }

  /** Record the sandbox mode a call runs under (again when it is re-run without the sandbox). */
  recordSandbox(id: number, mode: string): void {
    this.#stmts.sandbox.run(mode, id);
  }

  /** Mark that the handler was invoked: from here on the call may have had side effects. */
  markHandlerStarted(id: number): void {
    storeOp("audit.markHandlerStarted", this.db.name, () => this.#stmts.handlerStarted.run(id));
  }

  /** Settle a call. May be called again to correct it (a handler that finished after its call was aborted). */
  endCall(id: number, outcome: CallOutcome, input: EndCallInput): void {
    const row = {
      id,
      outcome,
      durationMs: input.durationMs,
      errorCode: input.errorCode ?? null,
      errorMessage: cut(input.errorMessage),
      note: input.note ?? null,
    };
    this.#defer(() => this.#stmts.endCall.run(row));
  }

  /** The most recent runs first. */
  listRuns(limit = 20): RunRow[] {
    this.#flushSoon();
    return storeOp("audit.listRuns", this.db.name, () => this.#stmts.listRuns.all(Math.max(0, Math.floor(limit))).map(toRun));
  }

  /** Run ids starting with `prefix` (at most 10), so a person can type a short id. */
  findRunIds(prefix: string): string[] {
    this.#flushSoon();
    return storeOp("audit.findRunIds", this.db.name, () => this.#stmts.byPrefix.all({ p: prefix }).map((r) => r.run_id));
  }

  /** One run and its calls in the order they arrived, or undefined when the id is unknown. */
  getRun(runId: string): { run: RunRow; calls: CallRow[] } | undefined {
    this.#flushSoon();
    return storeOp("audit.getRun", this.db.name, () => {
      const raw = this.#stmts.getRun.get(runId);
      if (raw === undefined) return undefined;
      return { run: toRun(raw), calls: this.#stmts.getCalls.all(runId).map(toCall) };
    });
  }
}

/** The run outcome for an error code: timeouts and aborts are kept apart from other failures. */
export function runOutcomeForError(code: string | undefined): RunOutcome {
  if (code === undefined) return "ok";
  return (Object.hasOwn(RUN_OUTCOME_OF_CODE, code) ? RUN_OUTCOME_OF_CODE[code] : undefined) ?? "error";
}

function toRun(r: RawRun): RunRow {
  return {
    runId: r.run_id,
    scriptHash: r.script_hash,
    scriptName: r.script_name,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    ownerPid: r.owner_pid,
    crashDetectedAt: r.crash_detected_at,
    calls: {
      total: r.total,
      ok: r.n_ok,
      error: r.n_error,
      aborted: r.n_aborted,
      denied: r.n_denied,
      pending: r.n_pending,
      unknown: r.n_unknown,
    },
  };
}

function toCall(r: RawCall): CallRow {
  return {
    id: r.id,
    runId: r.run_id,
    scriptHash: r.script_hash,
    callId: r.call_id,
    tool: r.tool,
    source: r.source,
    detached: r.detached === 1,
    argsDigest: r.args_digest,
    argsPreview: r.args_preview,
    decision: r.decision,
    decidedBy: r.decided_by,
    decisionReason: r.decision_reason,
    approval: r.approval,
    approvalWaitMs: r.approval_wait_ms,
    handlerStarted: r.handler_started === 1,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    outcome: r.outcome,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    note: r.note,
    sandbox: r.sandbox ?? null,
  };
}
