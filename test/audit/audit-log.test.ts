import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { AUDIT_MIGRATIONS, AuditLog, argsDigest, canonicalJson, runOutcomeForError, sideEffectOf } from "../../src/audit/index.js";
import { CallbackApprover } from "../../src/approval/index.js";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { openDatabase, migrate, schemaVersion } from "../../src/store/index.js";
import { ToolError } from "../../src/errors/index.js";
import type { ToolDefinition } from "../../src/tools/index.js";
import { explode, fakeExec, readFile, registry, slowWrite, ticks, writeNote } from "../dispatch/helpers.js";
import { auditHarness, tempDb } from "./helpers.js";

test("canonical JSON sorts keys at every level, so the digest ignores key order", (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}');
  t.is(argsDigest({ a: 1, b: 2 }), argsDigest({ b: 2, a: 1 }));
  t.not(argsDigest({ a: 1 }), argsDigest({ a: 2 }));
  t.regex(argsDigest({}), /^sha256:[0-9a-f]{64}$/);
});

test("every call of a real run lands in the log: ok, error, denied and aborted, with decision and who made it", async (t) => {
  const db = tempDb();
  db.audit.db.close();
  const slow = slowWrite();
  const harness = await auditHarness(db.dir, {
    registry: registry(readFile, writeNote, fakeExec, explode, slow.tool),
    policy: { policy: "on-request", allowTools: ["slowWrite"] },
    approver: new CallbackApprover((req) => (req.callId === "c2" ? "approve" : "deny")),
  });
  t.teardown(async () => {
    await harness.close();
    db.cleanup();
  });
  fs.writeFileSync(path.join(db.dir, "in.txt"), "input\n");
  const secret = `ghp_${"a".repeat(36)}`;
  const source = [
    'await tools.readFile({ path: "in.txt" });',
    'await tools.writeNote({ name: "n.txt", text: "hi" });',
    `try { await tools.writeNote({ name: "no.txt", text: "${secret}" }); } catch {}`,
    "try { await tools.explode({}); } catch {}",
    "try { await tools.readFile({ path: 42 }); } catch {}",
    'await tools.slowWrite({ name: "job" });',
  ].join("\n");
  const controller = new AbortController();
  void slow.started.then(() => controller.abort());
  const result = await harness.run({ source, filename: "mix.ts" }, { runId: "run-1", signal: controller.signal });
  t.is(result.error?.code, "CODY_ABORTED", JSON.stringify(result.error));
  harness.audit.flush();

  const found = harness.audit.getRun("run-1");
  if (!found) return t.fail("the run was not recorded");
  const { run: row, calls } = found;
  t.like(row, { runId: "run-1", scriptHash: result.hash, scriptName: "mix.ts", outcome: "aborted", errorCode: "CODY_ABORTED" });
  t.deepEqual(row.calls, { total: 6, ok: 2, error: 2, aborted: 1, denied: 1, pending: 0, unknown: 0 });
  t.true(row.endedAt !== null && row.endedAt >= row.startedAt);
  const by = Object.fromEntries(calls.map((c) => [c.callId, c]));
  t.like(by["c1"], { tool: "readFile", source: "script", decision: "skip", decidedBy: "policy", outcome: "ok", handlerStarted: true, scriptHash: result.hash });
  t.like(by["c2"], { decision: "ask", decidedBy: "user", approval: "approve", outcome: "ok", handlerStarted: true });
  t.true((by["c2"]?.approvalWaitMs ?? -1) >= 0);
  t.like(by["c3"], { decision: "ask", decidedBy: "user", approval: "deny", outcome: "denied", errorCode: "CODY_APPROVAL_DENIED", handlerStarted: false });
  t.like(by["c4"], { outcome: "error", errorCode: "CODY_TOOL_FAILED", errorMessage: "explode: kaboom", handlerStarted: true });
  t.like(by["c5"], { outcome: "error", errorCode: "CODY_TOOL_INVALID_ARGS", decision: null, handlerStarted: false });
  t.like(by["c6"], { decision: "skip", decidedBy: "allow-rule", outcome: "aborted", errorCode: "CODY_ABORTED", handlerStarted: true });
  for (const c of calls) t.true((c.durationMs ?? -1) >= 0, c.callId);
  // digests are of the arguments as the script sent them; previews are redacted
  t.is(by["c3"]?.argsDigest, argsDigest({ name: "no.txt", text: secret }));
  t.false(by["c3"]?.argsPreview.includes(secret));
  t.is(by["c3"]?.argsPreview, '{"name":"no.txt","text":"[REDACTED]"}');
  // which side effects ran and which were cut off, matching the files on disk
  t.deepEqual(calls.map((c) => [c.callId, sideEffectOf(c)]), [
    ["c1", "completed"],
    ["c2", "completed"],
    ["c3", "not-run"],
    ["c4", "failed"],
    ["c5", "not-run"],
    ["c6", "cut-off"],
  ]);
  t.true(fs.existsSync(path.join(db.dir, "n.txt")));
  t.false(fs.existsSync(path.join(db.dir, "no.txt")));
  t.true(fs.existsSync(path.join(db.dir, "job.started")));
  t.false(fs.existsSync(path.join(db.dir, "job.done")));
});

test("a real run's outcome is recorded as the harness saw it: ok, timeout, script error", async (t) => {
  const db = tempDb();
  db.audit.db.close();
  const harness = await auditHarness(db.dir, { registry: registry(readFile) });
  t.teardown(async () => {
    await harness.close();
    db.cleanup();
  });
  const ok = await harness.run({ source: "return 1;", filename: "ok.ts" }, { runId: "r-ok" });
  const timeout = await harness.run({ source: "while (true) {}", filename: "spin.ts" }, { runId: "r-timeout", limits: { timeoutMs: 300 } });
  const thrown = await harness.run({ source: 'throw new Error("boom");', filename: "throw.ts" }, { runId: "r-error" });
  harness.audit.flush();
  t.true(ok.ok);
  t.is(timeout.error?.code, "CODY_LIMIT_TIMEOUT");
  t.is(thrown.error?.code, "CODY_SCRIPT_RUNTIME");
  t.like(harness.audit.getRun("r-ok")?.run, { scriptName: "ok.ts", scriptHash: ok.hash, outcome: "ok", errorCode: null });
  t.like(harness.audit.getRun("r-timeout")?.run, {
    scriptName: "spin.ts",
    outcome: "timeout",
    errorCode: "CODY_LIMIT_TIMEOUT",
    errorMessage: "Script exceeded its time limit of 300 ms",
  });
  t.like(harness.audit.getRun("r-error")?.run, { scriptName: "throw.ts", outcome: "error", errorCode: "CODY_SCRIPT_RUNTIME" });
  t.regex(harness.audit.getRun("r-error")?.run.errorMessage ?? "", /boom/);
});

test("a handler that ignores its signal and finishes after the abort is recorded as completed", async (t) => {
  const db = tempDb();
  let finish!: () => void;
  const gate = new Promise<void>((r) => (finish = r));
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const stubborn: ToolDefinition = {
    name: "stubborn",
    description: "Ignores its signal.",
    risk: "writes",
    argsSchema: { type: "object" },
    resultSchema: {},
    async handler(_a, ctx) {
      started();
      await gate;
      fs.writeFileSync(path.join(ctx.workspaceRoot, "late.txt"), "x");
      return "done";
    },
  };
  try {
    const d = new ToolDispatcher({ registry: registry(stubborn), workspaceRoot: db.dir, policy: { dangerouslyApproveAll: true }, audit: db.audit });
    const controller = new AbortController();
    const p = d.callStructured({ runId: "r", callId: "c1", tool: "stubborn", args: {} }, controller.signal);
    await running;
    controller.abort(new Error("turn ended"));
    await t.throwsAsync(p, { message: /cut off while running/ });
    t.like(db.audit.getRun("r")?.calls[0], { outcome: "aborted", handlerStarted: true, source: "structured", decidedBy: "approve-all" });
    finish();
    for (let i = 0; i < 50 && db.audit.getRun("r")?.calls[0]?.outcome !== "ok"; i++) await ticks();
    t.like(db.audit.getRun("r")?.calls[0], { outcome: "ok", note: "completed after the call was aborted", errorCode: null });
    t.true(fs.existsSync(path.join(db.dir, "late.txt")));
  } finally {
    db.cleanup();
  }
});

test("an approval timeout is recorded as denied by timeout", async (t) => {
  const db = tempDb();
  try {
    const d = new ToolDispatcher({
      registry: registry(writeNote),
      workspaceRoot: db.dir,
      approver: new CallbackApprover(() => new Promise(() => undefined)),
      audit: db.audit,
      limits: { approvalTimeoutMs: 1 },
    });
    await t.throwsAsync(d.callStructured({ runId: "r", callId: "c1", tool: "writeNote", args: { name: "a", text: "a" } }, new AbortController().signal));
    t.like(db.audit.getRun("r")?.calls[0], { decision: "ask", decidedBy: "timeout", approval: "timeout", outcome: "denied", errorCode: "CODY_APPROVAL_TIMEOUT" });
  } finally {
    db.cleanup();
  }
});

test("a call that cannot be recorded is not run (fail closed)", async (t) => {
  const db = tempDb();
  try {
    const d = new ToolDispatcher({ registry: registry(writeNote), workspaceRoot: db.dir, policy: { dangerouslyApproveAll: true }, audit: db.audit });
    db.audit.db.close();
    const e = await t.throwsAsync(d.callStructured({ runId: "r", callId: "c1", tool: "writeNote", args: { name: "a", text: "a" } }, new AbortController().signal), {
      instanceOf: ToolError,
    });
    t.regex(e?.message ?? "", /cannot record the call in the audit log.*it was not run/);
    t.false(fs.existsSync(path.join(db.dir, "a")));
  } finally {
    db.cleanup();
  }
});

test("runs are listed newest first with call counts; an unknown run is undefined", (t) => {
  const db = tempDb();
  try {
    db.audit.recordRunStart({ runId: "old", scriptHash: "h0", startedAt: 1000 });
    db.audit.recordRunStart({ runId: "new", scriptHash: "h1", scriptName: "n.ts", startedAt: 2000 });
    const id = db.audit.startCall({ runId: "new", callId: "c1", tool: "readFile", source: "script", args: { path: "a" }, startedAt: 2001 });
    db.audit.endCall(id, "ok", { durationMs: 1.5 });
    // a call for a run nobody recorded creates that run
    db.audit.startCall({ runId: "implicit", callId: "c1", tool: "exec", source: "structured", args: { command: ["x"] }, startedAt: 1500 });
    const runs = db.audit.listRuns(10);
    t.deepEqual(runs.map((r) => r.runId), ["new", "implicit", "old"]);
    t.like(runs[0], { scriptName: "n.ts", outcome: null, calls: { total: 1, ok: 1, error: 0, aborted: 0, denied: 0, pending: 0 } });
    t.like(runs[1], { calls: { total: 1, pending: 1 } });
    t.is(db.audit.listRuns(1).length, 1);
    t.is(db.audit.getRun("nope"), undefined);
    t.deepEqual(db.audit.findRunIds("ne"), ["new"]);
    // recordRunStart after the implicit row fills in the script facts and keeps the earliest start
    db.audit.recordRunStart({ runId: "implicit", scriptHash: "hx", scriptName: "late.ts", startedAt: 1600 });
    t.like(db.audit.getRun("implicit")?.run, { scriptHash: "hx", scriptName: "late.ts", startedAt: 1500 });
  } finally {
    db.cleanup();
  }
});

test("the audit tables share the database with other namespaces and reopen without re-migrating", (t) => {
  const db = tempDb();
  try {
    migrate(db.audit.db, "cache-test", ["CREATE TABLE other_thing (x INTEGER)"]);
    db.audit.recordRunStart({ runId: "r1" });
    db.audit.db.close();
    const again = new AuditLog(openDatabase(db.file));
    t.is(schemaVersion(again.db, "audit"), AUDIT_MIGRATIONS.length);
    t.is(schemaVersion(again.db, "cache-test"), 1);
    t.is(again.listRuns().length, 1);
    again.db.close();
  } finally {
    db.cleanup();
  }
});

test("run outcomes are derived from error codes", (t) => {
  t.is(runOutcomeForError(undefined), "ok");
  t.is(runOutcomeForError("CODY_LIMIT_TIMEOUT"), "timeout");
  t.is(runOutcomeForError("CODY_ABORTED"), "aborted");
  t.is(runOutcomeForError("CODY_APPROVAL_DENIED"), "denied");
  t.is(runOutcomeForError("CODY_SCRIPT_RUNTIME"), "error");
});
