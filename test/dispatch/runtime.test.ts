/**
 * The dispatcher behind the real runtime: QuickJS scripts in worker threads calling `tools.*`, answered through the
 * dispatcher's validation, approval and audit, with real files and a real SQLite audit log.
 */
import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { ScriptPool } from "../../src/runtime/index.js";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { CallbackApprover, type ApprovalAnswer, type ApprovalRequest } from "../../src/approval/index.js";
import { runOutcomeForError, sideEffectOf } from "../../src/audit/index.js";
import { serializeError } from "../../src/errors/index.js";
import { artifact } from "../runtime/helpers.js";
import { tempDb } from "../audit/helpers.js";
import { readFile, registry, slowWrite, writeNote } from "./helpers.js";

const pool = new ScriptPool({ workers: 1, vmsPerWorker: 1 });
test.after.always(() => pool.close());

test("a script's Promise.all over two risky calls waits on two approvals answered out of order; the denial is catchable", async (t) => {
  const db = tempDb();
  const pending: { req: ApprovalRequest; answer(a: ApprovalAnswer): void }[] = [];
  const approver = new CallbackApprover(
    (req) =>
      new Promise<ApprovalAnswer>((resolve) => {
        pending.push({ req, answer: resolve });
        // Answer only once both are waiting, and the second one first.
        if (pending.length === 2) {
          pending[1]?.answer("approve");
          setTimeout(() => pending[0]?.answer("deny"), 10);
        }
      }),
  );
  try {
    const d = new ToolDispatcher({ registry: registry(readFile, writeNote), workspaceRoot: db.dir, approver, audit: db.audit });
    const a = await artifact(`
      const results = await Promise.allSettled([
        tools.writeNote({ name: "one.txt", text: "1" }),
        tools.writeNote({ name: "two.txt", text: "2" }),
      ]);
      return results.map((r) => r.status === "fulfilled" ? r.value : [r.reason.name, r.reason.code, r.reason.message]);`);
    const r = await pool.run(a, {
      invokeTool: d.forRun({ runId: "rt-1", scriptHash: a.hash, scriptName: a.filename, scriptApproved: false }),
      toolNames: ["readFile", "writeNote"],
      runId: "rt-1",
    });
    t.true(r.ok, JSON.stringify(r.error));
    t.deepEqual(r.value, [["ApprovalDeniedError", "CODY_APPROVAL_DENIED", "writeNote was not approved: denied by the user"], { bytes: 1 }]);
    t.false(fs.existsSync(path.join(db.dir, "one.txt")));
    t.true(fs.existsSync(path.join(db.dir, "two.txt")));
    t.deepEqual(db.audit.getRun("rt-1")?.calls.map((c) => [c.callId, c.outcome]), [
      ["c1", "denied"],
      ["c2", "ok"],
    ]);
  } finally {
    db.cleanup();
  }
});

test("a script sees exactly the validation error a structured call gets", async (t) => {
  const db = tempDb();
  try {
    const d = new ToolDispatcher({ registry: registry(readFile), workspaceRoot: db.dir });
    const a = await artifact(`try { await tools.readFile({ path: 42 }); } catch (e) { return [e instanceof ToolError, e.code, e.message, e.details]; }`);
    const r = await pool.run(a, { invokeTool: d.forRun({ runId: "rt-2", scriptHash: a.hash, scriptApproved: false }), toolNames: ["readFile"] });
    const structured = serializeError(
      await d.callStructured({ runId: "s", callId: "c1", tool: "readFile", args: { path: 42 } }, new AbortController().signal).catch((e: unknown) => e),
    );
    // The guest's class is the runtime's choice (a ToolError subclass); code, message and details are the dispatcher's.
    t.deepEqual(r.value, [true, structured.code, structured.message, structured.details]);
    t.is(structured.message, "readFile: /path must be string, got 42 (number)");
  } finally {
    db.cleanup();
  }
});

test("when a run times out the audit log shows the completed call as ok and the running one as cut off", async (t) => {
  const db = tempDb();
  const slow = slowWrite();
  try {
    const d = new ToolDispatcher({
      registry: registry(writeNote, slow.tool),
      workspaceRoot: db.dir,
      policy: { policy: "never", allowTools: ["writeNote", "slowWrite"] },
      audit: db.audit,
    });
    const a = await artifact(`
      await tools.writeNote({ name: "first.txt", text: "done" });
      await tools.slowWrite({ name: "second" });
      return "unreachable";`);
    db.audit.recordRunStart({ runId: "rt-3", scriptHash: a.hash, scriptName: a.filename });
    const r = await pool.run(a, {
      invokeTool: d.forRun({ runId: "rt-3", scriptHash: a.hash, scriptApproved: false }),
      toolNames: ["writeNote", "slowWrite"],
      // Far past what the first call needs on a loaded box, so the second has always started when time runs out.
      limits: { timeoutMs: 3000 },
      runId: "rt-3",
    });
    t.false(r.ok);
    t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
    db.audit.recordRunEnd("rt-3", { outcome: runOutcomeForError(r.error?.code), errorCode: r.error?.code, errorMessage: r.error?.message });
    // the cut-off call's row is written when its signal aborts, which may trail the run's result by a tick
    for (let i = 0; i < 100 && db.audit.getRun("rt-3")?.calls[1]?.outcome === "pending"; i++) await new Promise((res) => setTimeout(res, 10));
    const found = db.audit.getRun("rt-3");
    t.is(found?.run.outcome, "timeout");
    t.deepEqual(found?.calls.map((c) => [c.callId, c.tool, c.outcome, sideEffectOf(c)]), [
      ["c1", "writeNote", "ok", "completed"],
      ["c2", "slowWrite", "aborted", "cut-off"],
    ]);
    t.true(fs.existsSync(path.join(db.dir, "first.txt")));
    t.true(fs.existsSync(path.join(db.dir, "second.started")));
    t.false(fs.existsSync(path.join(db.dir, "second.done")));
  } finally {
    db.cleanup();
  }
});

test("time spent waiting for a person does not count against the script's wall time", async (t) => {
  const db = tempDb();
  try {
    // The approver answers at three times the run's time limit: had the clock kept running, the run would have timed
    // out long before. The script's own work outside the wait (a few ms, measured below) has 1000 ms.
    const limitMs = 1000;
    const approver = new CallbackApprover(() => new Promise<ApprovalAnswer>((resolve) => setTimeout(() => resolve("approve"), 3 * limitMs)));
    const d = new ToolDispatcher({ registry: registry(writeNote), workspaceRoot: db.dir, approver, audit: db.audit });
    const a = await artifact(`return await tools.writeNote({ name: "slow-approval.txt", text: "ok" });`);
    const r = await pool.run(a, {
      invokeTool: d.forRun({ runId: "rt-4", scriptHash: a.hash, scriptApproved: false }),
      toolNames: ["writeNote"],
      limits: { timeoutMs: limitMs },
    });
    t.true(r.ok, JSON.stringify(r.error));
    t.deepEqual(r.value, { bytes: 2 });
    const waited = db.audit.getRun("rt-4")?.calls[0]?.approvalWaitMs ?? 0;
    t.true(waited >= 2 * limitMs, String(waited));
    t.log(`run ${r.durationMs} ms, of which ${Math.round(waited)} ms waiting for approval`);
  } finally {
    db.cleanup();
  }
});
