/**
 * The audit log: one row per tool call and one per run, in the shared database (SQLite or PostgreSQL, behind
 * AuditRows). A call row is written when the
 * call arrives (outcome `pending`) and updated as it is decided, started and settled, so after a crash, timeout or
 * abort the log still says which calls ran to completion (`ok`), which were cut off after their handler started
 * (`aborted`, handler_started = 1) and which never ran.
 */
import { asStoreError, currentOwner, isStoreFault, ownerIsGone, ownerPid, storeOp, type Database } from "../store/index.js";
import { redact } from "../redact.js";
import { RUN_OUTCOME_OF_CODE, StoreError, UsageError } from "../errors/index.js";
import type { DecidedBy } from "../approval/index.js";
import { argsDigest } from "./digest.js";
import { SqliteAuditRows } from "./sqlite-rows.js";
import type { AuditRows, AuditWrite, CallEnd, CallInsert, CallOutcome, CallRow, CallSource, RunOutcome, RunPage, RunPageOptions, RunRow } from "./store.js";

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
/** SQLite's busy_timeout (store/open.ts): a lock held longer than this by another process is reported. */
const BUSY_TIMEOUT_MS = 5_000;

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

/** A queued write; `waiter` is set when its caller awaits the commit (a grouped run start or call row). */
interface PendingWrite {
  write: AuditWrite;
  waiter?: { operation: string; resolve: (result: number) => void; reject: (error: unknown) => void };
  /** A queued call row (see `queueCall`): the provisional id its later updates were given. */
  provisional?: number;
}

/** A call row queued by `queueCall`, until committed: updates that arrived meanwhile, and whom to tell its id. */
interface ProvisionalCall {
  held: AuditWrite[];
  onCommitted: ((id: number) => void) | undefined;
  runId: string;
  /** Told once the row is committed, dropped, or refused for good (see `queuedCallsSettled`). */
  settled: (() => void)[];
  /** Settled already: refused for good but kept for a retry (its run holds the fault), so nobody waits for it. */
  done?: boolean;
}

export class AuditLog {
  readonly rows: AuditRows;
  /**
   * Writes that need not precede anything (run start/end, a call's outcome) wait here and are committed together in
   * one transaction on the next turn of the event loop, or earlier when a call row is inserted or the log is read.
   * Only a call's start row is written synchronously, because it must exist before the handler can have side effects.
   */
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  /** Deferred writes dropped because MAX_PENDING was reached while the database refused writes. */
  #lost = 0;
  /** Since when an opportunistic flush has found the database locked by another process. */
  #busySince: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  /** Writes the database refused at the last commit and that wait for a retry (0 once a commit succeeds). */
  #refused = 0;
  /** The error of the last commit that found the database locked (given to waiters if the lock outlasts them). */
  #lockedBy: unknown;
  readonly #deferWrites: boolean;
  readonly #onError: ((error: unknown) => void) | undefined;
  /** An asynchronous group commit is in flight (backends with `asyncWrites`): the next one waits for it. */
  #inFlight = false;
  /** Settles once the group commit in flight has been handled (see `settle`). */
  #inFlightDone: Promise<void> | undefined;
  /** Grouped call starts of this turn (backends with `asyncWrites`): see #sendCallStarts. */
  #callStarts: PendingWrite[] = [];
  /** Call rows queued by `queueCall`, by the (negative) provisional id handed out for them. */
  readonly #provisional = new Map<number, ProvisionalCall>();
  #nextProvisional = -1;

  /**
   * Use `db` (a SQLite database opened with `openDatabase`, or any backend's AuditRows), creating or upgrading the
   * audit tables, then close runs whose process is gone. With `deferWrites`, run ends and call outcomes are batched
   * (see `flush`); the owner must call `flush()` before closing the database.
   */
  constructor(db: Database | AuditRows, options: AuditLogOptions = {}) {
    this.rows = "commit" in db ? db : new SqliteAuditRows(db);
    this.#deferWrites = options.deferWrites === true;
    this.#onError = options.onError;
    if (options.closeCrashedRuns !== false) {
      try {
        this.closeCrashedRuns();
      } catch (error) {
        // Reading the log must still work on a full or read-only database; the next open tries again.
        this.#report(error);
      }
    }
  }

  /** The SQLite database under the log. @throws UsageError when the log is on another backend. */
  get db(): Database {
    if (this.rows instanceof SqliteAuditRows) return this.rows.db;
    throw new UsageError(`The audit log is not on SQLite (${this.rows.name})`, { path: this.rows.name });
  }

  /**
   * Record that a run began (the integrator calls this before the script starts). Written at once, with any deferred
   * writes, in one transaction: a run reported as accepted always has its row, and the row names this process as
   * the owner so that a later process can tell whether the run is still going.
   *
   * @throws StoreError when the database refuses the write (the run must then not start).
   */
  recordRunStart(input: RunStartInput): void {
    this.#commit("audit.recordRunStart", runStartWrite(input));
  }

  /**
   * recordRunStart with group commit: the row is committed together with every other write queued in this turn of the
   * event loop (other runs' starts, deferred ends), in one transaction on the next turn, and the promise resolves once
   * it is committed. A run awaits it before it starts, so an accepted run still always has its row; what 64
   * concurrent runs save is 63 transactions per turn. Without `deferWrites` it commits at once. (A call's row is not
   * grouped: the run already holds a worker then, and waiting a turn of a busy event loop would hold it longer.)
   *
   * @throws StoreError (rejects) when the database refuses the batch, or stays locked past the busy timeout.
   */
  recordRunStartGrouped(input: RunStartInput): Promise<void> {
    const write = runStartWrite(input);
    if (!this.#deferWrites) {
      try {
        this.#commit("audit.recordRunStart", write);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ write, waiter: { operation: "audit.recordRunStart", resolve: () => resolve(), reject } });
      this.#scheduleFlush();
    });
  }

  /**
   * startCall with group commit, on a backend whose commits leave this thread free (`asyncWrites`: PostgreSQL): the
   * row is committed with every other write of this turn of the event loop, and the promise resolves with its id once
   * it is committed, so a handler awaiting it still starts only after its row exists. Elsewhere (SQLite, or without
   * `deferWrites`) it is `startCall`, committed at once.
   *
   * @throws StoreError (rejects) when the database refuses the batch.
   */
  startCallGrouped(input: StartCallInput): Promise<number> {
    const write = callInsertWrite(input);
    if (!this.#deferWrites || !this.rows.asyncWrites) {
      try {
        return Promise.resolve(this.#commit("audit.startCall", write));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return new Promise<number>((resolve, reject) => {
      this.#callStarts.push({ write, waiter: { operation: "audit.startCall", resolve, reject } });
      if (this.#callStarts.length === 1) setImmediate(() => this.#sendCallStarts());
    });
  }

  /**
   * The call rows queued in this turn, in one transaction sent at once rather than after the group commit in flight:
   * each caller holds a script worker until its row is committed, and a new row depends on no write in flight (it
   * creates its run's row if that is missing).
   */
  #sendCallStarts(): void {
    const batch = this.#callStarts;
    if (batch.length === 0) return; // sent already by `settle`
    this.#callStarts = [];
    this.rows.commitAsync(batch.map((w) => w.write), { ordered: false }).then(
      (ids) => batch.forEach((w, i) => w.waiter?.resolve(ids[i] ?? 0)),
      (error: unknown) => {
        for (const w of batch) w.waiter?.reject(asStoreError(w.waiter.operation, error, this.rows.name));
      },
    );
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
    const candidates = storeOp("audit.closeCrashedRuns", this.rows.name, () => this.rows.unendedRuns(mine));
    return this.closeRunsOf(candidates.filter((r) => ownerIsGone(r.ownerId)), now);
  }

  /**
   * Close these runs as `crashed` (each only if still open and still that owner's): `closeCrashedRuns` for owners
   * seen dead on this host, a lease that expired for owners on other machines. Returns the ids closed.
   *
   * @throws StoreError when the database refuses the write.
   */
  closeRunsOf(dead: readonly { runId: string; ownerId: string }[], now = Date.now(), why?: string): string[] {
    if (dead.length === 0) return [];
    const writes: AuditWrite[] = dead.map((r) => {
      const pid = ownerPid(r.ownerId) ?? "?";
      const message =
        why ?? `the process that ran it (pid ${pid}) ended without recording an end; found at ${new Date(now).toISOString()}`;
      return { op: "crashRun", runId: r.runId, ownerId: r.ownerId, now, message };
    });
    const changed = this.#commitAll("audit.closeCrashedRuns", writes);
    return dead.filter((_, i) => (changed[i] ?? 0) > 0).map((r) => r.runId);
  }

  /**
   * Commit every deferred write now (before reading, and before the database is closed).
   *
   * @throws StoreError when the database refuses them; they stay queued and are retried with the next write.
   */
  flush(): void {
    // Twice at most: the ends of queued call rows committed by the first pass follow in a second (see queueCall).
    while (this.#pending.length > 0) this.#commitAll("audit.flush", []);
  }

  /**
   * `flush`, after every asynchronous commit in flight (a backend with `asyncWrites`) has settled and the updates it
   * released (a queued call row's held end) are queued too: what the owner awaits before closing the database.
   *
   * @throws StoreError as `flush`.
   */
  async settle(): Promise<void> {
    for (let i = 0; i < 100 && (this.#inFlight || this.#callStarts.length > 0); i++) {
      if (this.#callStarts.length > 0) this.#sendCallStarts();
      await (this.#inFlightDone ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
    this.flush();
  }

  /** Deferred writes not yet committed (a flush the database refused leaves them here). */
  get pendingWrites(): number {
    return this.#pending.length;
  }

  /** Writes the database refused at the last attempt, waiting for a retry; 0 once a commit has succeeded. */
  get refusedWrites(): number {
    return this.#refused;
  }

  /** `write` after the deferred writes, in one transaction; returns what `write` returned. */
  #commit(operation: string, write: AuditWrite): number {
    return this.#commitAll(operation, [write])[0] as number;
  }

  /**
   * Run the queued writes and then `writes` in one transaction (returning the results of `writes`), then resolve the
   * waiters of grouped writes. On a storage fault everything rolls back and the deferred writes are queued again (the
   * newest MAX_PENDING), so the log catches up once the disk has room; grouped writes are rejected (their callers fail
   * closed), or queued again too when this was a non-waiting flush that found the database locked (it is retried).
   * Any other failure (a bug) drops the deferred writes rather than failing every later write.
   */
  #commitAll(operation: string, writes: readonly AuditWrite[], wait = true): number[] {
    const batch = this.#pending;
    this.#pending = [];
    let results: number[];
    try {
      results = this.rows.commit([...batch.map((w) => w.write), ...writes], { wait });
    } catch (error) {
      const retry = this.#refuse(batch, error, !wait && isLocked(error));
      const wrapped = asStoreError(operation, error, this.rows.name);
      if (this.#lost > 0 && wrapped instanceof Error) {
        wrapped.message += ` (${this.#lost} deferred audit writes lost so far)`;
      }
      // A queued call row the database refused leaves its run's record incomplete: the run must fail like one whose
      // call row was refused at once (the harness fails a run in progress that is reported a StoreError with its id).
      this.#settleRefusedCalls(batch, wrapped, isStoreFault(error) && !retry);
      throw wrapped;
    }
    this.#refused = 0;
    this.#settle(batch, results);
    return results.slice(batch.length);
  }

  /** A batch is committed: its waiters get their results, its queued call rows their ids. */
  #settle(batch: readonly PendingWrite[], results: readonly number[]): void {
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i] as PendingWrite;
      w.waiter?.resolve(results[i] ?? 0);
      if (w.provisional !== undefined) this.#resolveProvisional(w.provisional, results[i] as number);
    }
  }

  /**
   * A commit of `batch` failed with `error`: on a storage fault the deferred writes are queued again (the newest
   * MAX_PENDING); waiters are rejected, or queued again too when `lockRetry` (a flush that found SQLite locked).
   */
  #refuse(batch: PendingWrite[], error: unknown, lockRetry: boolean): boolean {
    const fault = isStoreFault(error);
    // Only a lock is worth waiting out; a waiter whose write the database refused outright gets the error now.
    const retry = fault && lockRetry;
    const keep: PendingWrite[] = [];
    for (const w of batch) {
      if (w.waiter === undefined ? fault : retry) keep.push(w);
      else w.waiter?.reject(asStoreError(w.waiter.operation, error, this.rows.name));
    }
    if (fault) {
      const all = keep.concat(this.#pending);
      // Only deferred writes are dropped past the cap: a waiter is a caller still waiting for an answer.
      let over = all.length - MAX_PENDING;
      this.#pending = over > 0 ? all.filter((w) => w.waiter !== undefined || over-- <= 0) : all;
      this.#lost += all.length - this.#pending.length;
      this.#refused = this.#pending.length;
    }
    if (retry) this.#lockedBy = error;
    return retry;
  }

  /**
   * The group commit on a backend with `asyncWrites`: the queued writes go in one transaction while this thread goes
   * on; writes queued meanwhile wait for it and go in the next one. A refused batch is handled as a refused flush
   * (deferred writes kept for the next write, waiters rejected, the error reported).
   */
  #flushAsync(): void {
    if (this.#inFlight || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#inFlight = true;
    let again = false;
    this.#inFlightDone = this.rows
      .commitAsync(batch.map((w) => w.write))
      .then(
        (results) => {
          this.#refused = 0;
          this.#settle(batch, results);
          again = true;
        },
        (error: unknown) => {
          this.#refuse(batch, error, false);
          const wrapped = asStoreError("audit.flush", error, this.rows.name);
          // Queued call rows that waited behind this batch are not retried until the next write either: their runs
          // fail now too, rather than wait for a database that refused the batch before them.
          this.#settleRefusedCalls(batch.concat(this.#pending), wrapped, isStoreFault(error));
          this.#report(wrapped);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        // After a refusal the kept deferred writes wait for the next write rather than retrying in a loop; a caller
        // that queued meanwhile is waiting, so its batch is tried (and answered) now.
        this.#inFlightDone = undefined;
        if (this.#pending.some((w) => again || w.waiter !== undefined)) this.#scheduleFlush();
      })
      .catch((error: unknown) => this.#report(error));
  }

  /** A queued call row is committed: its id is known, and updates that waited for it are queued with it. */
  #resolveProvisional(provisional: number, id: number): void {
    const entry = this.#provisional.get(provisional);
    if (entry === undefined) return;
    this.#provisional.delete(provisional);
    entry.onCommitted?.(id);
    settleAll(entry);
    if (entry.held.length === 0) return;
    for (const write of entry.held) this.#pending.push({ write: { ...write, id } as AuditWrite });
    this.#scheduleFlush();
  }

  /** Queued call rows no longer queued (dropped past the cap, or by a failure that was not a storage fault). */
  #forgetDropped(batch: readonly PendingWrite[]): void {
    const queued = new Set<number>();
    for (const w of this.#pending) if (w.provisional !== undefined) queued.add(w.provisional);
    for (const w of batch) {
      if (w.provisional === undefined || queued.has(w.provisional)) continue;
      const entry = this.#provisional.get(w.provisional);
      this.#provisional.delete(w.provisional);
      if (entry) settleAll(entry);
    }
  }

  /**
   * A batch was refused: queued call rows no longer queued are forgotten, and when the refusal is final (`failRuns`)
   * each run with a queued call row in it is reported, so the harness fails it like a run whose call row was refused
   * at once.
   */
  #settleRefusedCalls(batch: readonly PendingWrite[], error: unknown, failRuns: boolean): void {
    this.#forgetDropped(batch);
    if (!failRuns) return;
    this.#reportRuns(batch, error);
    // Their runs now hold the fault; rows kept for a retry must not keep a run waiting for a database that is gone.
    for (const w of batch) {
      const entry = w.provisional === undefined ? undefined : this.#provisional.get(w.provisional);
      if (entry) settleAll(entry);
    }
  }

  #reportRuns(batch: readonly PendingWrite[], error: unknown): void {
    if (!(error instanceof StoreError)) return;
    const runs = new Set<string>();
    for (const w of batch) if (w.provisional !== undefined && w.write.op === "insertCall") runs.add(w.write.call.runId);
    for (const runId of runs) {
      this.#report(new StoreError(`${error.message}; a read-only call of run ${runId} is not recorded yet`, { ...error.details, runId }, { cause: error }));
    }
  }

  /** Reject every grouped write still queued (the database stayed locked past the busy timeout). */
  #rejectWaiters(): void {
    const waiting = this.#pending.filter((w) => w.waiter !== undefined);
    if (waiting.length === 0) return;
    this.#pending = this.#pending.filter((w) => w.waiter === undefined);
    for (const w of waiting) w.waiter?.reject(asStoreError(w.waiter.operation, this.#lockedBy, this.rows.name));
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
   * lock — a busy wait would stall the event loop, and with it every run's clock, for up to 5 s — but retries
   * shortly instead, and reports SQLITE_BUSY only once the lock has been held longer than the busy timeout. Any other
   * refusal is reported at once (a throw here would end the process). Reads then show what is committed.
   */
  #flushSoon(): void {
    if (!this.rows.open || this.#pending.length === 0) return;
    try {
      this.#commitAll("audit.flush", [], false);
      // Updates that waited for a queued call row's id are queued now: a read must see them too.
      if (this.#pending.length > 0) this.#commitAll("audit.flush", [], false);
      this.#busySince = undefined;
    } catch (error) {
      const code = error instanceof StoreError ? String(error.details["sqliteCode"]) : "";
      if (!code.startsWith("SQLITE_BUSY") && !code.startsWith("SQLITE_LOCKED")) {
        this.#report(error);
        return;
      }
      const now = Date.now();
      this.#busySince ??= now;
      if (now - this.#busySince >= BUSY_TIMEOUT_MS) {
        // Locked past the busy timeout: the callers waiting for their rows get the error they would have got by waiting.
        this.#rejectWaiters();
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
    // The owner's final flush (before closing) writes whatever is left; a retry must not keep the process alive —
    // unless a run is waiting for its grouped row: then the process has work left and must not exit under it.
    if (!this.#pending.some((w) => w.waiter !== undefined)) this.#retry.unref();
  }

  #defer(write: AuditWrite): void {
    if (!this.#deferWrites) {
      this.#commit("audit.write", write);
      return;
    }
    this.#pending.push({ write });
    this.#scheduleFlush();
  }

  /** One flush on the next turn of the event loop, however many writes are queued in this one. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // The database may have been closed by an owner that flushed first; then there is nothing left to write. A
      // refused flush is reported: it runs on its own turn of the event loop, where a throw would end the process.
      if (!this.rows.open) return;
      if (this.rows.asyncWrites) this.#flushAsync();
      else this.#flushSoon();
    });
  }

  /** Record how a run ended. `outcomeForError` maps an error code to the outcome. */
  recordRunEnd(
    runId: string,
    input: { outcome: RunOutcome; errorCode?: string | undefined; errorMessage?: string | undefined; endedAt?: number },
  ): void {
    this.#defer({
      op: "runEnd",
      runId,
      endedAt: input.endedAt ?? Date.now(),
      outcome: input.outcome,
      errorCode: input.errorCode ?? null,
      errorMessage: cut(input.errorMessage),
    });
  }

  /**
   * Write a call row (outcome `pending`) and return its id. Creates the run row if the run was not recorded. The
   * dispatcher passes the decision and `handlerStarted` along when it already knows them, so a call that needs no
   * approval costs two writes: this one, just before its handler starts, and `endCall`.
   */
  startCall(input: StartCallInput): number {
    return this.#commit("audit.startCall", callInsertWrite(input));
  }

  /**
   * startCall for a call that cannot have an effect (a `read-only` tool): the row is queued and committed with the
   * next batch (on the next turn of the event loop, or with the next synchronous write) instead of in a transaction of
   * its own. Returns a provisional (negative) id that `endCall`, `recordDecision`, `recordSandbox` and
   * `markHandlerStarted` take like a real one until the row is committed; `onCommitted` then gets the real id, which
   * the caller must use from then on; an update made before that (an end too) changes the queued row, or
   * follows it in a second transaction of the same flush when an earlier update is already held. A crash can lose the row with the batch in flight; a batch the database refuses is reported
   * (`onError`) with the run's id, so the harness fails that run if it is still going. Without `deferWrites` it is
   * startCall.
   */
  queueCall(input: StartCallInput, onCommitted?: (id: number) => void): number {
    const write = callInsertWrite(input);
    if (!this.#deferWrites) return this.#commit("audit.startCall", write);
    const provisional = this.#nextProvisional--;
    this.#provisional.set(provisional, { held: [], onCommitted, runId: input.runId, settled: [] });
    this.#pending.push({ write, provisional });
    this.#scheduleFlush();
    return provisional;
  }

  /**
   * Settles once every call row `queueCall` queued for `runId` is committed, or refused for good (its run was
   * reported a StoreError with its id first); `undefined` when none is queued. The harness awaits it before it reports
   * a run's result, so a run never says ok while one of its calls may still go unrecorded; rows of many runs are
   * still committed together.
   */
  queuedCallsSettled(runId: string): Promise<void> | undefined {
    const entries: ProvisionalCall[] = [];
    for (const entry of this.#provisional.values()) if (entry.runId === runId && entry.done !== true) entries.push(entry);
    if (entries.length === 0) return undefined;
    return new Promise<void>((resolve) => {
      let left = entries.length;
      for (const entry of entries) entry.settled.push(() => --left === 0 && resolve());
    });
  }

  /**
   * The real id of a call row, or `undefined` while a queued row is not committed yet (then `update` changes the queued
   * insert in place when it can, and `write` is held to follow the row). Returns the id to write with.
   */
  #realId(
    id: number,
    write: AuditWrite,
    update?: (call: CallInsert, insert: AuditWrite & { op: "insertCall" }) => void,
  ): number | undefined {
    if (id >= 0) return id;
    const entry = this.#provisional.get(id);
    if (entry === undefined) return undefined; // its row was dropped: nothing to update
    const queued = update && this.#pending.find((w) => w.provisional === id);
    if (queued && update && queued.write.op === "insertCall" && entry.held.length === 0) update(queued.write.call, queued.write);
    else entry.held.push(write);
    return undefined;
  }

  /** Record the policy's decision and, when a person was asked, their answer. */
  recordDecision(id: number, input: CallDecisionInput): void {
    const write: AuditWrite = {
      op: "decision",
      id,
      decision: input.decision,
      decidedBy: input.decidedBy,
      reason: input.reason ?? null,
      approval: input.approval ?? null,
      approvalWaitMs: input.approvalWaitMs ?? null,
    };
    const real = this.#realId(id, write, (call) => {
      call.decision = write.decision;
      call.decidedBy = write.decidedBy;
      call.reason = write.reason;
      call.approval = write.approval;
      call.approvalWaitMs = write.approvalWaitMs;
    });
    if (real !== undefined) this.#write("audit.recordDecision", { ...write, id: real });
  }

  /** Record the sandbox mode a call runs under (again when it is re-run without the sandbox). */
  recordSandbox(id: number, mode: string): void {
    const real = this.#realId(id, { op: "sandbox", id, mode }, (call) => (call.sandbox = mode));
    if (real !== undefined) this.#write("audit.recordSandbox", { op: "sandbox", id: real, mode });
  }

  /** Mark that the handler was invoked: from here on the call may have had side effects. */
  markHandlerStarted(id: number): void {
    const real = this.#realId(id, { op: "handlerStarted", id }, (call) => (call.handlerStarted = 1));
    if (real !== undefined) this.#write("audit.markHandlerStarted", { op: "handlerStarted", id: real });
  }

  /** One write on its own (deferred writes stay queued). */
  #write(operation: string, write: AuditWrite): void {
    storeOp(operation, this.rows.name, () => this.rows.commit([write], { wait: true }));
  }

  /** Settle a call. May be called again to correct it (a handler that finished after its call was aborted). */
  endCall(id: number, outcome: CallOutcome, input: EndCallInput): void {
    const write: AuditWrite = {
      op: "endCall",
      id,
      outcome,
      durationMs: input.durationMs,
      errorCode: input.errorCode ?? null,
      errorMessage: cut(input.errorMessage),
      note: input.note ?? null,
    };
    // A read-only call that settles before its queued row is committed (a small file read in the same turn) is
    // ended in its insert: one write, and no second transaction for an end waiting for the row's id.
    const real = this.#realId(id, write, (_call, insert) => {
      const end: CallEnd = {
        outcome,
        durationMs: write.durationMs,
        errorCode: write.errorCode,
        errorMessage: write.errorMessage,
        // as `note = COALESCE(@note, note)` when a later end corrects an earlier one
        note: write.note ?? insert.end?.note ?? null,
      };
      insert.end = end;
    });
    if (real !== undefined) this.#defer({ ...write, id: real });
  }

  /** The most recent runs first. */
  listRuns(limit = 20): RunRow[] {
    this.#flushSoon();
    return storeOp("audit.listRuns", this.rows.name, () => this.rows.listRuns(Math.max(0, Math.floor(limit))));
  }

  /**
   * One page of runs, most recent first, optionally only some outcomes (`null` = still running) and a start-time
   * window `[since, until)` in epoch ms. `after` is the previous page's `next`; keyset paging on (started_at, rowid),
   * so runs recorded meanwhile do not shift later pages.
   */
  pageRuns(opts: RunPageOptions): RunPage {
    this.#flushSoon();
    return storeOp("audit.pageRuns", this.rows.name, () => this.rows.pageRuns(opts));
  }

  /** Run ids starting with `prefix` (at most 10), so a person can type a short id. */
  findRunIds(prefix: string): string[] {
    this.#flushSoon();
    return storeOp("audit.findRunIds", this.rows.name, () => this.rows.findRunIds(prefix));
  }

  /** One run and its calls in the order they arrived, or undefined when the id is unknown. */
  getRun(runId: string): { run: RunRow; calls: CallRow[] } | undefined {
    this.#flushSoon();
    return storeOp("audit.getRun", this.rows.name, () => this.rows.getRun(runId));
  }
}

type RunStartInput = { runId: string; scriptHash?: string | undefined; scriptName?: string | undefined; startedAt?: number };

/** The insertCall write of a call arriving now: arguments as a digest and a redacted preview, this process as owner. */
function callInsertWrite(input: StartCallInput): AuditWrite & { op: "insertCall" } {
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
  return {
    op: "insertCall",
    ownerPid: owner.pid,
    ownerId: owner.id,
    call: {
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
    },
  };
}

function runStartWrite(input: RunStartInput): AuditWrite {
  const owner = currentOwner();
  return {
    op: "runStart",
    runId: input.runId,
    scriptHash: input.scriptHash ?? null,
    scriptName: input.scriptName ?? null,
    startedAt: input.startedAt ?? Date.now(),
    ownerPid: owner.pid,
    ownerId: owner.id,
  };
}

/** SQLITE_BUSY or SQLITE_LOCKED (another connection holds the lock): worth retrying. */
function isLocked(error: unknown): boolean {
  const code = String((error as { code?: unknown; details?: Record<string, unknown> } | null)?.details?.["sqliteCode"] ?? (error as { code?: unknown } | null)?.code ?? "");
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}

/** The run outcome for an error code: timeouts and aborts are kept apart from other failures. */
export function runOutcomeForError(code: string | undefined): RunOutcome {
  if (code === undefined) return "ok";
  return (Object.hasOwn(RUN_OUTCOME_OF_CODE, code) ? RUN_OUTCOME_OF_CODE[code] : undefined) ?? "error";
}

/** Tell whoever waits on a queued call row that it is settled (once: the list is emptied). */
function settleAll(entry: ProvisionalCall): void {
  entry.done = true;
  for (const settled of entry.settled.splice(0)) settled();
}
