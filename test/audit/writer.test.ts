/**
 * The audit writer thread (SqliteAuditRows' `writer`, used by `cody serve`): group commits run on its own connection
 * while the event loop goes on, and every guarantee of the synchronous path holds — rows committed before the caller
 * resumes, order kept, reads and synchronous writes after the commits in flight, typed errors for refused writes and
 * for a thread that dies, a new thread for the next write, and close() flushing and stopping it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import test, { type ExecutionContext } from "ava";
import { AuditLog, SqliteAuditRows, type SqliteWriterOptions } from "../../src/audit/index.js";
import { StoreError } from "../../src/errors/index.js";
import { openDatabase, type Database as Db } from "../../src/store/index.js";
import { createHarness } from "../../src/harness.js";
import { createBuiltinRegistry } from "../../src/tools/index.js";

interface Log {
  dir: string;
  file: string;
  db: Db;
  rows: SqliteAuditRows;
  audit: AuditLog;
  errors: unknown[];
}

/** An audit log whose group commits go to a writer thread; `writer` may first prepare the file. */
function writerLog(t: ExecutionContext, writer: SqliteWriterOptions | ((file: string) => SqliteWriterOptions) = {}): Log {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-writer-"));
  const file = path.join(dir, "cache.db");
  const opts = typeof writer === "function" ? writer(file) : writer;
  const db = openDatabase(file);
  const rows = new SqliteAuditRows(db, { writer: opts });
  const errors: unknown[] = [];
  const audit = new AuditLog(rows, { deferWrites: true, onError: (e) => errors.push(e) });
  t.teardown(() => {
    rows.stopWriter();
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, file, db, rows, audit, errors };
}

/** Rows changed by this connection since it was opened: the writer's commits are not counted here. */
const changesHere = (db: Db): number => (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;

/** What another connection sees: only what is committed. */
function committed(file: string): { runs: { run_id: string; outcome: string | null }[]; calls: number } {
  const reader = new Database(file, { readonly: true });
  try {
    return {
      runs: reader.prepare("SELECT run_id, outcome FROM audit_runs ORDER BY run_id").all() as { run_id: string; outcome: string | null }[],
      calls: (reader.prepare("SELECT count(*) AS n FROM audit_calls").get() as { n: number }).n,
    };
  } finally {
    reader.close();
  }
}

const sideEffect = (runId: string, callId: string) => ({ runId, callId, tool: "writeFile", source: "script" as const, args: { path: "a.txt" }, handlerStarted: true });
const readOnly = (runId: string, callId: string) => ({ runId, callId, tool: "readFile", source: "script" as const, args: { path: "a.txt" } });

test("group commits run on the writer's connection, each caller resuming once its row is committed; checkpoints move there and back", async (t) => {
  const { file, db, rows, audit } = writerLog(t);
  t.true(audit.rows.asyncWrites);
  t.is(db.pragma("wal_autocheckpoint", { simple: true }), 1000);
  const before = changesHere(db);
  const seen: number[] = [];
  await Promise.all(Array.from({ length: 32 }, (_, i) => audit.recordRunStartGrouped({ runId: `r${String(i).padStart(2, "0")}` }).then(() => seen.push(committed(file).runs.length))));
  t.true(seen.every((n) => n === 32), "every caller resumed after the batch was committed");
  const id = await audit.startCallGrouped(sideEffect("r00", "c1"));
  t.true(id > 0);
  t.is(committed(file).calls, 1, "a side-effecting call's row is committed before its caller may run the handler");
  t.is(changesHere(db), before, "this thread's connection wrote nothing");
  t.not(rows.writer?.worker, undefined);
  t.is(db.pragma("wal_autocheckpoint", { simple: true }), 0, "this connection leaves checkpoints to the writer while it runs");
  rows.stopWriter();
  t.is(rows.writer?.worker, undefined);
  t.is(db.pragma("wal_autocheckpoint", { simple: true }), 1000, "and takes them back when it stops");
  // Without its thread the log goes on synchronously, on this connection.
  t.false(audit.rows.asyncWrites);
  await audit.recordRunStartGrouped({ runId: "z-after-stop" });
  t.is(committed(file).runs.length, 33);
  t.true(changesHere(db) > before);
});

test("order is kept: ends queued while their starts are in flight, a synchronous write and a read after a batch in flight", async (t) => {
  const { file, rows, audit } = writerLog(t);
  const runs = Array.from({ length: 100 }, (_, i) => `o${String(i).padStart(3, "0")}`);
  await Promise.all(
    runs.map(async (runId, i) => {
      await audit.recordRunStartGrouped({ runId });
      const q = audit.queueCall(readOnly(runId, "c1"));
      audit.endCall(q, "ok", { durationMs: 1 });
      await audit.queuedCallsSettled(runId);
      audit.recordRunEnd(runId, { outcome: i % 2 === 0 ? "ok" : "error" });
    }),
  );
  // A start queued now and its end queued while that batch is in flight.
  const started = audit.recordRunStartGrouped({ runId: "late" });
  await new Promise((r) => setImmediate(r));
  t.is(rows.writer?.inFlight, 1, "the start is in flight");
  audit.recordRunEnd("late", { outcome: "ok" });
  // A synchronous write and a read come after it, on this thread's connection.
  const id = audit.startCall(sideEffect("late", "c2"));
  t.like(audit.getRun("late"), { run: { outcome: "ok" }, calls: [{ id, callId: "c2" }] });
  await started;
  await audit.settle();
  const seen = committed(file);
  t.is(seen.calls, 101);
  t.deepEqual(
    seen.runs.filter((r) => r.run_id.startsWith("o")).map((r) => r.outcome),
    runs.map((_, i) => (i % 2 === 0 ? "ok" : "error")),
  );
  for (const runId of runs) t.like(audit.getRun(runId)?.run.calls, { total: 1, ok: 1 });
});

test("the writer thread dying with a batch in flight: the runs waiting on it get StoreError, their rows are not claimed, the next write starts a new writer", async (t) => {
  const { file, rows, audit, errors } = writerLog(t);
  await audit.recordRunStartGrouped({ runId: "first" });
  const firstThread = rows.writer?.worker?.threadId;
  t.not(firstThread, undefined);
  // The thread throws an uncaught error before it reads the batches sent after this.
  rows.writer?.injectCrash();
  const waiting = [audit.recordRunStartGrouped({ runId: "lost-1" }), audit.recordRunStartGrouped({ runId: "lost-2" })];
  const call = audit.startCallGrouped(sideEffect("first", "c1"));
  for (const p of [...waiting, call]) {
    const error = await t.throwsAsync(p);
    t.true(error instanceof StoreError, String(error));
    t.regex(error?.message ?? "", /audit writer thread stopped \(exit code 1\): the audit writer was told to crash/);
  }
  t.deepEqual(committed(file).runs.map((r) => r.run_id), ["first"], "no row reported as refused was written");
  // The refused group commit is also reported (the server's /healthz says degraded), as a typed error.
  t.true(errors.every((e) => e instanceof StoreError));
  // The next write starts a new thread and goes through.
  await audit.recordRunStartGrouped({ runId: "after" });
  t.not(rows.writer?.worker?.threadId, firstThread);
  t.deepEqual(committed(file).runs.map((r) => r.run_id), ["after", "first"]);
});

test("a read while a dying writer holds a batch does not wait it out: the waiter gets StoreError and the read answers", async (t) => {
  const { rows, audit } = writerLog(t);
  await audit.recordRunStartGrouped({ runId: "first" });
  rows.writer?.injectCrash();
  const waiting = audit.recordRunStartGrouped({ runId: "lost" });
  waiting.catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  t.is(rows.writer?.inFlight, 1, "the batch is in flight behind the crash");
  // A synchronous read first waits for the batches in flight; the thread's exit ends that wait (waiting out its 30 s
  // limit would throw StoreError here instead of answering).
  t.is(audit.getRun("first")?.run.runId, "first");
  t.is(audit.getRun("lost"), undefined);
  const error = await t.throwsAsync(waiting);
  t.true(error instanceof StoreError, String(error));
  t.regex(error?.message ?? "", /audit writer thread stopped/);
});

test("a write the writer's connection refuses (disk full) is a StoreError with SQLITE_FULL for its waiter; a refused deferred flush is reported, never thrown", async (t) => {
  const { file, audit: full, errors } = writerLog(t, (f) => {
    // 512-byte pages, the tables created, and the file capped at that size on the writer's connection: a row that
    // needs a page more cannot be written there (this thread's connection is not capped).
    const raw = new Database(f);
    raw.pragma("page_size = 512");
    raw.close();
    const opened = openDatabase(f);
    void new SqliteAuditRows(opened);
    const pages = opened.pragma("page_count", { simple: true }) as number;
    opened.close();
    return { pragmas: [`max_page_count = ${pages}`] };
  });
  const error = await t.throwsAsync(full.recordRunStartGrouped({ runId: "big", scriptName: "x".repeat(4000) }));
  t.true(error instanceof StoreError, String(error));
  t.like((error as StoreError).details, { operation: "audit.recordRunStart", sqliteCode: "SQLITE_FULL" });
  t.deepEqual(committed(file).runs, []);
  // A deferred write (an end) refused the same way is reported and kept for the next write.
  full.recordRunEnd("big", { outcome: "error", errorMessage: "y".repeat(4000) });
  const flushed = full.recordRunStartGrouped({ runId: "huge", scriptName: "z".repeat(4000) });
  await t.throwsAsync(flushed);
  t.true(errors.length === 0 || errors.every((e) => e instanceof StoreError));
  t.true(full.pendingWrites > 0, "the refused end is kept for a retry");
});

test("closing a harness with the writer flushes every queued write and stops the thread; the rows are all there after", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-writer-h-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "a.txt"), "hello");
  const harness = await createHarness({
    cwd: dir,
    dbPath: path.join(dir, "cache.db"),
    registry: createBuiltinRegistry(),
    pool: { workers: 1, vmsPerWorker: 1 },
    typecheck: false,
    limits: { timeoutMs: 60_000 },
    policy: { allowTools: ["writeFile"] },
    auditWriter: true,
  });
  const rows = harness.audit.rows as SqliteAuditRows;
  t.true(rows.asyncWrites);
  const source = 'const a = await tools.readFile({ path: "a.txt" });\nawait tools.writeFile({ path: "b.txt", content: a.content });\nreturn 1;';
  const results = await Promise.all(Array.from({ length: 8 }, () => harness.run({ source, filename: "w.ts" })));
  t.true(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)?.error));
  const worker = rows.writer?.worker;
  t.not(worker, undefined);
  const exited = new Promise<number>((resolve) => worker?.once("exit", resolve));
  // Ends are queued (deferred) when the results come back: close() must write them.
  await harness.close();
  await exited;
  t.is(rows.writer?.worker, undefined);
  const reader = new Database(path.join(dir, "cache.db"), { readonly: true });
  t.teardown(() => reader.close());
  const runs = reader.prepare("SELECT outcome FROM audit_runs").all() as { outcome: string | null }[];
  t.is(runs.length, 8);
  t.true(runs.every((r) => r.outcome === "ok"));
  const calls = reader.prepare("SELECT tool, outcome, handler_started FROM audit_calls ORDER BY id").all() as { tool: string; outcome: string; handler_started: number }[];
  t.is(calls.length, 16);
  t.true(calls.every((c) => c.outcome === "ok" && c.handler_started === 1));
});
