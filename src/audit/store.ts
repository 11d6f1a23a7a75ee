/**
 * What the audit log needs from a database: a transaction of writes (run start/end, call rows and their updates),
 * the runs left open by other processes, and the reads of `cody runs`. The log's own rules (which writes wait, which
 * are batched, crash detection) are the same over every backend; SQLite (sqlite-rows.ts) and PostgreSQL (pg-rows.ts)
 * implement this, and test/store/contract.ts holds both to it.
 */
import type { DecidedBy } from "../approval/index.js";

/** `unknown`: the call was pending when its process died (closed by `closeCrashedRuns`). */
export type CallOutcome = "ok" | "error" | "aborted" | "denied" | "pending" | "unknown";
/** `crashed`: the process running it died before recording an end (closed by `closeCrashedRuns`). */
export type RunOutcome = "ok" | "error" | "aborted" | "timeout" | "denied" | "crashed";
export type CallSource = "script" | "structured";

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

/** Which runs `pageRuns` returns. */
export interface RunPageOptions {
  limit: number;
  /** The `next` of the previous page. */
  after?: readonly [number, number] | undefined;
  /** Only these outcomes; `null` stands for runs still in progress (no outcome yet). */
  outcomes?: readonly (RunOutcome | null)[] | undefined;
  /** Started at or after (epoch ms). */
  since?: number | undefined;
  /** Started before (epoch ms). */
  until?: number | undefined;
}

/** One page, most recent first; `next` (start time, insertion order) continues after its last run. */
export interface RunPage {
  runs: RunRow[];
  next: readonly [number, number] | undefined;
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

/** One write of the log; `commit` applies a list of them in one transaction. */
export type AuditWrite =
  | { op: "runStart"; runId: string; scriptHash: string | null; scriptName: string | null; startedAt: number; ownerPid: number; ownerId: string }
  | { op: "runEnd"; runId: string; endedAt: number; outcome: RunOutcome; errorCode: string | null; errorMessage: string | null }
  /** `end`: the call already settled while its queued row waited (see AuditLog.queueCall): row and end in one write. */
  | { op: "insertCall"; call: CallInsert; ownerPid: number; ownerId: string; end?: CallEnd }
  | {
      op: "decision";
      id: number;
      decision: string;
      decidedBy: string;
      reason: string | null;
      approval: string | null;
      approvalWaitMs: number | null;
    }
  | { op: "handlerStarted"; id: number }
  | { op: "sandbox"; id: number; mode: string }
  | {
      op: "endCall";
      id: number;
      outcome: CallOutcome;
      durationMs: number;
      errorCode: string | null;
      errorMessage: string | null;
      note: string | null;
    }
  /** Close a run whose owner is gone (only if still open and still that owner's); its pending calls become unknown. */
  | { op: "crashRun"; runId: string; ownerId: string; now: number; message: string };

/** A call row as inserted (the run row is created too when missing). */
/** How a call settled (the endCall write's fields). */
export interface CallEnd {
  outcome: CallOutcome;
  durationMs: number;
  errorCode: string | null;
  errorMessage: string | null;
  note: string | null;
}

export interface CallInsert {
  runId: string;
  scriptHash: string | null;
  callId: string;
  tool: string;
  source: CallSource;
  detached: number;
  argsDigest: string;
  argsPreview: string;
  startedAt: number;
  decision: string | null;
  decidedBy: string | null;
  reason: string | null;
  approval: string | null;
  approvalWaitMs: number | null;
  handlerStarted: number;
  sandbox: string | null;
}

export interface AuditRows {
  /** Where the rows live (a file path, a URL with the password masked), for messages. */
  readonly name: string;
  /** False once the database is closed (deferred writes then have nowhere to go). */
  readonly open: boolean;
  /**
   * Apply `writes` in order in one transaction (all or none). Returns one number per write: the new call's id for
   * `insertCall`, the rows changed otherwise. With `wait: false` a backend that would wait for another writer's lock
   * fails at once (the caller retries later).
   */
  commit(writes: readonly AuditWrite[], opts: { wait: boolean }): number[];
  /**
   * True when `commitAsync` leaves the caller's thread free while the database works (a server round trip), so the
   * log may keep a commit in flight while runs go on; false when it is `commit` in a promise (SQLite, in-process).
   */
  readonly asyncWrites: boolean;
  /**
   * `commit` (waiting for locks) as a promise. Asynchronous commits apply in the order they were made, and a later
   * synchronous `commit` or read sees them; with `ordered: false` (rows that depend on no write in flight, such as a
   * new call's row) the commit is sent at once instead of after those in flight. Rejects as `commit` throws.
   */
  commitAsync(writes: readonly AuditWrite[], opts?: { ordered?: boolean }): Promise<number[]>;
  /** Runs without an end whose owner is not `exceptOwnerId`. */
  unendedRuns(exceptOwnerId: string): { runId: string; ownerId: string }[];
  /** Most recent first. */
  listRuns(limit: number): RunRow[];
  /**
   * One page of runs, optionally only some outcomes (`null` = still running) and a start-time window
   * `[since, until)`. Keyset paging on (started_at, insertion order), so runs recorded meanwhile do not shift pages.
   */
  pageRuns(opts: RunPageOptions): RunPage;
  getRun(runId: string): { run: RunRow; calls: CallRow[] } | undefined;
  /** Run ids starting with `prefix`, at most 10. */
  findRunIds(prefix: string): string[];
}

/** The columns every backend's run query returns (audit_runs plus counts of its calls by outcome). */
export interface RawRun {
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

export interface RawCall {
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

/** Counts of a run's calls by outcome, as columns of the run query (the same SQL on SQLite and PostgreSQL). */
export const CALL_COUNTS = `
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id) AS total,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'ok') AS n_ok,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'error') AS n_error,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'aborted') AS n_aborted,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'denied') AS n_denied,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'pending') AS n_pending,
    (SELECT COUNT(*) FROM audit_calls c WHERE c.run_id = r.run_id AND c.outcome = 'unknown') AS n_unknown`;

export function toRun(r: RawRun): RunRow {
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

export function toCall(r: RawCall): CallRow {
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

/**
 * The WHERE clause of a page query, with `param(i)` naming the i-th placeholder in the backend's syntax (`?` or
 * `$n`) and `order` the insertion-order column (`rowid` or `seq`). Shared so both backends filter alike.
 */
export function runPageWhere(
  opts: RunPageOptions,
  order: string,
  param: (index: number) => string,
): { where: string; params: (number | string)[] } {
  const where: string[] = [];
  const params: (number | string)[] = [];
  const p = (value: number | string): string => {
    params.push(value);
    return param(params.length);
  };
  if (opts.after) {
    const [at, seq] = opts.after;
    where.push(`(r.started_at < ${p(at)} OR (r.started_at = ${p(at)} AND r.${order} < ${p(seq)}))`);
  }
  if (opts.outcomes && opts.outcomes.length > 0) {
    const named = opts.outcomes.filter((o): o is RunOutcome => o !== null);
    const parts = named.length > 0 ? [`r.outcome IN (${named.map((o) => p(o)).join(", ")})`] : [];
    if (opts.outcomes.includes(null)) parts.push("r.outcome IS NULL");
    where.push(`(${parts.join(" OR ")})`);
  }
  if (opts.since !== undefined) where.push(`r.started_at >= ${p(opts.since)}`);
  if (opts.until !== undefined) where.push(`r.started_at < ${p(opts.until)}`);
  return { where: where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "", params };
}

/** The page from `limit + 1` rows fetched in order (the extra row only tells whether there is a next page). */
export function toRunPage(rows: (RawRun & { seq: number | string })[], limit: number): RunPage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { runs: page.map(toRun), next: rows.length > limit && last ? ([Number(last.started_at), Number(last.seq)] as const) : undefined };
}
