/**
 * Read-only calls' rows join the audit's next batch (AuditLog.queueCall) instead of a transaction of their own: the
 * row is committed on the next turn, updates made before that follow it, a side-effecting call still commits at once,
 * and a queued row the database refuses is reported with its run's id (so the harness fails the run).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import test, { type ExecutionContext } from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { StoreError } from "../../src/errors/index.js";
import { createHarness } from "../../src/harness.js";
import { openDatabase } from "../../src/store/index.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { countTransactions } from "./helpers.js";

function tempLog(t: ExecutionContext, onError?: (error: unknown) => void): { file: string; audit: AuditLog } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-queued-"));
  const file = path.join(dir, "cache.db");
  const audit = new AuditLog(openDatabase(file), { deferWrites: true, ...(onError ? { onError } : {}) });
  t.teardown(() => {
    if (audit.db.open) audit.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { file, audit };
}

/** Call rows another connection sees: only what is committed. */
function committedCalls(file: string): {
  call_id: string;
  outcome: string;
  handler_started: number;
  id: number;
  duration_ms: number | null;
  error_code: string | null;
  note: string | null;
}[] {
  const reader = new Database(file, { readonly: true });
  try {
    return reader.prepare("SELECT id, call_id, outcome, handler_started, duration_ms, error_code, note FROM audit_calls ORDER BY id").all() as ReturnType<typeof committedCalls>;
  } finally {
    reader.close();
  }
}

const call = (runId: string, callId: string) => ({ runId, callId, tool: "readFile", source: "script" as const, args: { path: "a.txt" }, handlerStarted: true });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("a queued call row takes no transaction of its own: it is committed with the turn's batch", async (t) => {
  const { file, audit } = tempLog(t);
  let transactions = 0;
  countTransactions(audit, () => transactions++);
  t.true(audit.queueCall(call("r1", "c1")) < 0);
  t.true(audit.queueCall(call("r1", "c2")) < 0);
  t.is(transactions, 0);
  t.deepEqual(committedCalls(file), []);
  await turn();
  t.is(transactions, 1);
  t.deepEqual(committedCalls(file).map((c) => c.call_id), ["c1", "c2"]);
});

test("a queued call row is committed on the next turn, and an end recorded before that right after it", async (t) => {
  const { file, audit } = tempLog(t);
  let committedId: number | undefined;
  const provisional = audit.queueCall(call("r1", "c1"), (id) => (committedId = id));
  t.true(provisional < 0);
  audit.endCall(provisional, "ok", { durationMs: 1 });
  t.deepEqual(committedCalls(file), []);
  await turn();
  // The row with its end, in one write.
  t.deepEqual(committedCalls(file).map((c) => [c.call_id, c.outcome, c.handler_started]), [["c1", "ok", 1]]);
  t.is(committedId, committedCalls(file)[0]?.id);
  // Later corrections go by the real id.
  audit.endCall(committedId as number, "ok", { durationMs: 2, note: "completed after the call was aborted" });
  t.is(audit.getRun("r1")?.calls[0]?.note, "completed after the call was aborted");
});

test("a call that settles before its queued row is committed is ended in its insert: one transaction for both", async (t) => {
  const { file, audit } = tempLog(t);
  let transactions = 0;
  countTransactions(audit, () => transactions++);
  const a = audit.queueCall(call("r1", "c1"));
  const b = audit.queueCall(call("r1", "c2"));
  audit.endCall(a, "ok", { durationMs: 1, note: "first" });
  // A second end before the commit corrects the first, keeping its note when it gives none (as the UPDATE would).
  audit.endCall(a, "error", { durationMs: 2, errorCode: "CODY_X", errorMessage: "boom" });
  audit.endCall(b, "ok", { durationMs: 3 });
  await turn();
  t.is(transactions, 1);
  t.deepEqual(
    committedCalls(file).map((c) => [c.call_id, c.outcome, c.duration_ms, c.error_code, c.note]),
    [["c1", "error", 2, "CODY_X", "first"], ["c2", "ok", 3, null, null]],
  );
});

test("many queued call rows share one transaction; a side-effecting call's row still commits at once, with them", async (t) => {
  const { file, audit } = tempLog(t);
  let transactions = 0;
  countTransactions(audit, () => transactions++);
  for (let i = 0; i < 20; i++) audit.queueCall(call(`r${i}`, "c1"));
  t.is(transactions, 0);
  audit.startCall({ ...call("w", "c1"), tool: "writeFile" });
  t.is(transactions, 1);
  t.is(committedCalls(file).length, 21);
  await turn();
  t.is(transactions, 1);
});

test("an update of a queued row made before it is committed changes the queued row", async (t) => {
  const { audit } = tempLog(t);
  const provisional = audit.queueCall({ ...call("r1", "c1"), handlerStarted: false });
  audit.recordDecision(provisional, { decision: "skip", decidedBy: "policy", reason: "read-only" });
  audit.markHandlerStarted(provisional);
  await turn();
  const row = audit.getRun("r1")?.calls[0];
  t.like(row, { decision: "skip", decidedBy: "policy", decisionReason: "read-only", handlerStarted: true, outcome: "pending" });
});

test("a queued call row the database refuses is reported as a StoreError naming its run", async (t) => {
  const reported: unknown[] = [];
  const { audit } = tempLog(t, (error) => reported.push(error));
  audit.db.pragma("query_only = ON");
  audit.queueCall(call("r-refused", "c1"));
  await turn();
  const forRun = reported.find((e) => e instanceof StoreError && e.details["runId"] === "r-refused");
  t.truthy(forRun, "the run is named so that the harness can fail it");
  // Kept for a retry: once the database takes writes again, the row lands.
  audit.db.pragma("query_only = OFF");
  audit.flush();
  t.is(audit.getRun("r-refused")?.calls[0]?.callId, "c1");
});

test("concurrent harness runs' read-only calls are all recorded, settled and started, with fewer transactions than calls", async (t) => {
  const cwd = tempWorkspace(t, { "a.txt": "a\n" });
  const harness = await createHarness({ cwd, pool: { workers: 2 }, limits: { timeoutMs: 60_000 } });
  t.teardown(() => harness.close());
  const source = 'await Promise.all([1, 2, 3, 4].map(() => tools.readFile({ path: "a.txt" })));\nreturn "done";';
  t.true((await harness.run({ source, filename: "reads.ts" })).ok);
  let commits = 0;
  const rows = harness.audit.rows;
  const commit = rows.commit.bind(rows);
  rows.commit = (writes, opts) => {
    commits++;
    return commit(writes, opts);
  };
  const results = await Promise.all(Array.from({ length: 16 }, () => harness.run({ source, filename: "reads.ts" })));
  t.true(results.every((r) => r.ok));
  // Four calls arrive together in each run: before, each took a transaction of its own (64 at least).
  t.true(commits < 64, `${commits} transactions for 64 read-only calls`);
  for (const result of results) {
    const calls = harness.audit.getRun(result.runId)?.calls ?? [];
    t.deepEqual(calls.map((c) => [c.tool, c.outcome, c.handlerStarted, c.decision]), Array.from({ length: 4 }, () => ["readFile", "ok", true, "skip"]));
  }
});

test("an end recorded before its queued row was committed is seen by the next read and survives close", async (t) => {
  const { file, audit } = tempLog(t);
  const read = audit.queueCall(call("r-read", "c1"));
  audit.endCall(read, "ok", { durationMs: 1 });
  // A read flushes first: the row and its end, not the row alone.
  t.is(audit.getRun("r-read")?.calls[0]?.outcome, "ok");
  const closing = audit.queueCall(call("r-close", "c1"));
  audit.endCall(closing, "ok", { durationMs: 1 });
  audit.flush();
  audit.db.close();
  t.deepEqual(committedCalls(file).map((c) => [c.call_id, c.outcome]), [
    ["c1", "ok"],
    ["c1", "ok"],
  ]);
});

test("a run whose queued read-only call row the database refuses fails with CODY_STORE, even when the script ends first", async (t) => {
  const cwd = tempWorkspace(t, { "a.txt": "a\n" });
  const harness = await createHarness({ cwd, pool: { workers: 1 }, limits: { timeoutMs: 60_000 } });
  t.teardown(() => harness.close());
  const file = harness.audit.db.name;
  // Another process holds the write lock when the read's row is queued: the batch is retried later, so the script
  // ends (and its result reaches the harness) before the row is committed. Then the database refuses the retry.
  const other = new Database(file);
  t.teardown(() => other.close());
  let released: Promise<void> | undefined;
  const source = 'await tools.readFile({ path: "a.txt" });\nreturn "done";';
  const result = await harness.run(
    { source, filename: "read.ts" },
    {
      onEvent: (event) => {
        if (event.type !== "tool_call" || released) return;
        other.exec("BEGIN IMMEDIATE");
        released = new Promise((resolve) =>
          setTimeout(() => {
            harness.audit.db.pragma("query_only = ON");
            other.exec("COMMIT");
            resolve();
          }, 300),
        );
      },
    },
  );
  await released;
  harness.audit.db.pragma("query_only = OFF");
  t.false(result.ok, "a run must not say ok while one of its calls may go unrecorded");
  t.is(result.error?.code, "CODY_STORE");
});
