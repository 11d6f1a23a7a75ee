/**
 * Group commit of run starts (AuditLog.recordRunStartGrouped): the writes queued in one
 * turn of the event loop share one transaction on the next, each caller resumes only once its row is committed, a
 * flush before close answers every waiter, and a batch the database refuses is a StoreError for each waiter.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import test, { type ExecutionContext } from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { StoreError } from "../../src/errors/index.js";
import { openDatabase } from "../../src/store/index.js";
import { countTransactions } from "./helpers.js";

function tempLog(t: ExecutionContext): { file: string; audit: AuditLog } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-group-"));
  const file = path.join(dir, "cache.db");
  const audit = new AuditLog(openDatabase(file), { deferWrites: true });
  t.teardown(() => {
    if (audit.db.open) audit.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { file, audit };
}

/** Rows another connection sees: only what is committed. */
function committedRuns(file: string): string[] {
  const reader = new Database(file, { readonly: true });
  try {
    return (reader.prepare("SELECT run_id FROM audit_runs ORDER BY run_id").all() as { run_id: string }[]).map((r) => r.run_id);
  } finally {
    reader.close();
  }
}

const call = (runId: string, callId: string) => ({ runId, callId, tool: "readFile", source: "script" as const, args: { path: "a.txt" }, handlerStarted: true });

test("64 run starts queued in one turn are committed in one transaction, each waiter resuming after the commit", async (t) => {
  const { file, audit } = tempLog(t);
  // Every commit of the rows is one transaction.
  let transactions = 0;
  countTransactions(audit, () => transactions++);
  const ids = Array.from({ length: 64 }, (_, i) => `run-${String(i).padStart(2, "0")}`);
  const seenAtResume: number[] = [];
  const done = ids.map((runId) => audit.recordRunStartGrouped({ runId }).then(() => seenAtResume.push(committedRuns(file).length)));
  // Nothing is written in the turn the starts were queued in.
  t.deepEqual(committedRuns(file), []);
  await Promise.all(done);
  t.is(transactions, 1);
  t.deepEqual(committedRuns(file), ids);
  t.true(seenAtResume.every((n) => n === 64));
});

test("a call start commits at once, together with the run starts and ends queued before it, and answers their waiters", async (t) => {
  const { file, audit } = tempLog(t);
  let resumed = false;
  const waiting = audit.recordRunStartGrouped({ runId: "r1" }).then(() => (resumed = true));
  const id = audit.startCall(call("r1", "c1"));
  // Committed in the call's own transaction, before the turn the grouped flush was scheduled for.
  t.deepEqual(committedRuns(file), ["r1"]);
  await waiting;
  t.true(resumed);
  audit.endCall(id, "ok", { durationMs: 1 });
  audit.recordRunEnd("r1", { outcome: "ok" });
  const run = audit.getRun("r1");
  t.deepEqual(run?.calls.map((c) => [c.callId, c.outcome, c.handlerStarted]), [["c1", "ok", true]]);
  t.is(run?.run.outcome, "ok");
});

test("flush() before close commits grouped starts still queued and answers their waiters", async (t) => {
  const { file, audit } = tempLog(t);
  const waiting = audit.recordRunStartGrouped({ runId: "queued" });
  audit.flush();
  audit.db.close();
  await t.notThrowsAsync(waiting);
  t.deepEqual(committedRuns(file), ["queued"]);
});

test("a batch the database refuses rejects every waiter with a StoreError naming its operation; deferred writes wait for room", async (t) => {
  const { file, audit } = tempLog(t);
  await audit.recordRunStartGrouped({ runId: "before" });
  audit.recordRunEnd("before", { outcome: "ok" });
  audit.db.pragma("query_only = ON");
  const errors = await Promise.all([
    audit.recordRunStartGrouped({ runId: "refused" }).then(() => undefined, (e: unknown) => e),
    audit.recordRunStartGrouped({ runId: "refused-too" }).then(() => undefined, (e: unknown) => e),
  ]);
  t.true(errors[0] instanceof StoreError);
  t.like((errors[0] as StoreError).details, { operation: "audit.recordRunStart", sqliteCode: "SQLITE_READONLY" });
  t.like((errors[1] as StoreError).details, { operation: "audit.recordRunStart", sqliteCode: "SQLITE_READONLY" });
  // The run end queued before the fault is kept (not lost) and lands with the next commit once writes work again.
  t.true(audit.refusedWrites > 0);
  audit.db.pragma("query_only = OFF");
  await audit.recordRunStartGrouped({ runId: "after" });
  t.is(audit.refusedWrites, 0);
  t.deepEqual(committedRuns(file), ["after", "before"]);
  t.is(audit.getRun("before")?.run.outcome, "ok");
});

test("a grouped start waits out another connection's write lock without blocking the event loop, then commits", async (t) => {
  const { file, audit } = tempLog(t);
  const holder = new Database(file);
  t.teardown(() => holder.close());
  holder.exec("BEGIN IMMEDIATE");
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const waiting = audit.recordRunStartGrouped({ runId: "after-lock" });
  // Event-driven: the loop keeps turning while the lock is held (a blocking busy wait would stop the timer).
  while (ticks < 5) await new Promise((r) => setTimeout(r, 10));
  holder.exec("COMMIT");
  await waiting;
  clearInterval(timer);
  t.deepEqual(committedRuns(file), ["after-lock"]);
});

test("a grouped start whose database stays locked past busy_timeout is rejected with SQLITE_BUSY", async (t) => {
  const { file, audit } = tempLog(t);
  audit.db.pragma("busy_timeout = 200");
  const holder = new Database(file);
  t.teardown(() => holder.close());
  holder.exec("BEGIN IMMEDIATE");
  const error = await audit.recordRunStartGrouped({ runId: "locked" }).then(() => undefined, (e: unknown) => e);
  holder.exec("ROLLBACK");
  t.true(error instanceof StoreError);
  t.like((error as StoreError).details, { operation: "audit.recordRunStart" });
  t.regex(String((error as StoreError).details["sqliteCode"]), /^SQLITE_BUSY/);
  t.deepEqual(committedRuns(file), []);
});
