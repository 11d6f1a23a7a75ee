import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { CallbackApprover, type ApprovalAnswer, type ApprovalRequest, type Approver } from "../../src/approval/index.js";
import { AbortedError, ApprovalDeniedError, ApprovalTimeoutError, InvalidOptionError } from "../../src/errors/index.js";
import { fakeExec, invocation, readFile, registry, tempWorkspace, ticks, writeNote } from "./helpers.js";

/** An approver whose answers the test gives by hand, in any order. */
class ManualApprover implements Approver {
  readonly pending: { req: ApprovalRequest; signal: AbortSignal; answer(a: ApprovalAnswer): void }[] = [];
  readonly seen: ApprovalRequest[] = [];
  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    this.seen.push(req);
    return new Promise((resolve) => this.pending.push({ req, signal, answer: resolve }));
  }
  find(callId: string) {
    const p = this.pending.find((x) => x.req.callId === callId);
    if (!p) throw new Error(`no pending request for ${callId}`);
    return p;
  }
}

function setup(opts: { approver?: Approver; policy?: ConstructorParameters<typeof ToolDispatcher>[0]["policy"]; approvalTimeoutMs?: number } = {}) {
  const ws = tempWorkspace();
  const dispatcher = new ToolDispatcher({
    registry: registry(readFile, writeNote, fakeExec),
    workspaceRoot: ws.root,
    policy: opts.policy ?? { policy: "on-request" },
    approver: opts.approver,
    ...(opts.approvalTimeoutMs === undefined ? {} : { limits: { approvalTimeoutMs: opts.approvalTimeoutMs } }),
  });
  const exists = (name: string) => fs.existsSync(path.join(ws.root, name));
  return { ws, dispatcher, exists };
}

test("two approvals pending at once can be answered out of order, each call waiting only for its own", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptName: "two.ts", scriptApproved: false });
    const a = run(invocation("c1", "writeNote", { name: "one.txt", text: "1" }));
    const b = run(invocation("c2", "writeNote", { name: "two.txt", text: "2" }));
    const read = run(invocation("c3", "readFile", { path: "missing-is-fine-for-order" })).catch(() => "read settled");
    const all = Promise.allSettled([a, b]);
    await ticks();
    t.is(approver.pending.length, 2, "both requests are pending at the same time");
    // The read-only call did not wait for either approval.
    t.is(await read, "read settled");
    approver.find("c2").answer("approve");
    t.deepEqual(await b, { bytes: 1 });
    t.true(exists("two.txt"));
    t.false(exists("one.txt"), "the first call is still waiting");
    approver.find("c1").answer("deny");
    const [ra, rb] = await all;
    t.is(rb.status, "fulfilled");
    t.is(ra.status, "rejected");
    t.true((ra as PromiseRejectedResult).reason instanceof ApprovalDeniedError);
    t.false(exists("one.txt"));
  } finally {
    ws.cleanup();
  }
});

test("a denial surfaces as ApprovalDeniedError naming the tool and the reason, and nothing runs", async (t) => {
  const { ws, dispatcher, exists } = setup({ approver: new CallbackApprover(() => "deny") });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    const e = await t.throwsAsync(run(invocation("c1", "writeNote", { name: "x.txt", text: "x" })), { instanceOf: ApprovalDeniedError });
    t.is(e?.details["tool"], "writeNote");
    t.is(e?.details["reason"], "denied by the user");
    t.is(e?.message, "writeNote was not approved: denied by the user");
    t.false(exists("x.txt"));
  } finally {
    ws.cleanup();
  }
});

test("the request shows the script, its allowed tools and the validated arguments with secrets redacted", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher } = setup({ approver });
  try {
    const run = dispatcher.forRun({ runId: "r9", scriptHash: "abc123", scriptName: "deploy.ts", scriptApproved: false, allowedTools: ["writeNote", "exec"] });
    const p = run(invocation("c1", "writeNote", { name: "env", text: `OPENAI=sk-${"x".repeat(30)} ${"y".repeat(300)}` }));
    await ticks();
    const req = approver.find("c1").req;
    t.like(req, { runId: "r9", callId: "c1", source: "script", scriptHash: "abc123", scriptName: "deploy.ts", tool: "writeNote", risk: "writes" });
    t.deepEqual(req.allowedTools, ["writeNote", "exec"]);
    const text = (req.args as { text: string }).text;
    t.false(text.includes("sk-xxx"));
    t.true(text.startsWith("OPENAI=[REDACTED] yyy"));
    t.regex(text, /… \[\+\d+ chars\]$/);
    approver.find("c1").answer("approve");
    t.deepEqual(await p, { bytes: 341 });
  } finally {
    ws.cleanup();
  }
});

test("the run's clock is paused while a person is asked and resumed after, also on denial and timeout", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher } = setup({ approver });
  const quick = setup({ approver, approvalTimeoutMs: 1 });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    const inv = invocation("c1", "writeNote", { name: "a", text: "a" });
    const p = run(inv);
    await ticks();
    t.deepEqual(inv.clock, { paused: 1, resumed: 0 });
    approver.find("c1").answer("approve");
    await p;
    t.deepEqual(inv.clock, { paused: 1, resumed: 1 });

    const denied = invocation("c2", "writeNote", { name: "b", text: "b" });
    const pd = run(denied);
    await ticks();
    approver.find("c2").answer("deny");
    await t.throwsAsync(pd, { instanceOf: ApprovalDeniedError });
    t.deepEqual(denied.clock, { paused: 1, resumed: 1 });

    const timed = invocation("c3", "writeNote", { name: "c", text: "c" });
    const quickRun = quick.dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    await t.throwsAsync(quickRun(timed), { instanceOf: ApprovalTimeoutError });
    t.deepEqual(timed.clock, { paused: 1, resumed: 1 });

    const skipped = invocation("c4", "readFile", { path: "a" });
    await run(skipped);
    t.deepEqual(skipped.clock, { paused: 0, resumed: 0 }, "no pause when nobody is asked");
  } finally {
    ws.cleanup();
    quick.ws.cleanup();
  }
});

test("an unanswered request times out with ApprovalTimeoutError and the approver's signal aborts", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver, approvalTimeoutMs: 1 });
  try {
    const e = await t.throwsAsync(
      dispatcher.callStructured({ runId: "r", callId: "s1", tool: "writeNote", args: { name: "t", text: "t" } }, new AbortController().signal),
      { instanceOf: ApprovalTimeoutError },
    );
    t.is(e?.details["timeoutMs"], 1);
    t.true(approver.pending[0]?.signal.aborted);
    t.false(exists("t"));
  } finally {
    ws.cleanup();
  }
});

test("approval timeout edge: an answer given before the timeout counts, none at all times out", async (t) => {
  const { ws, dispatcher } = setup({ approver: new CallbackApprover(() => "approve"), approvalTimeoutMs: 1 });
  try {
    // An immediate answer settles before a 1 ms timer can fire.
    t.deepEqual(await dispatcher.callStructured({ runId: "r", callId: "s1", tool: "writeNote", args: { name: "t", text: "t" } }, new AbortController().signal), { bytes: 1 });
  } finally {
    ws.cleanup();
  }
  const late = setup({ approver: new CallbackApprover(() => new Promise(() => undefined)), approvalTimeoutMs: 1 });
  try {
    await t.throwsAsync(late.dispatcher.callStructured({ runId: "r", callId: "s1", tool: "writeNote", args: { name: "t", text: "t" } }, new AbortController().signal), { instanceOf: ApprovalTimeoutError });
  } finally {
    late.ws.cleanup();
  }
});

test("answering abort rejects with AbortedError and tells the caller to abort the run", async (t) => {
  const { ws, dispatcher, exists } = setup({ approver: new CallbackApprover(() => "abort") });
  try {
    const reasons: AbortedError[] = [];
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false, onAbortRequested: (e) => reasons.push(e) });
    const e = await t.throwsAsync(run(invocation("c1", "writeNote", { name: "a", text: "a" })), { instanceOf: AbortedError });
    t.is(reasons.length, 1);
    t.is(reasons[0], e);
    t.is(e?.details["by"], "user");
    t.false(exists("a"));
  } finally {
    ws.cleanup();
  }
});

test("aborting the run while its call waits for approval rejects it and takes the question down", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver });
  try {
    const controller = new AbortController();
    const inv = invocation("c1", "writeNote", { name: "a", text: "a" }, controller.signal);
    const p = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false })(inv);
    await ticks();
    controller.abort(new Error("run timed out"));
    const e = await t.throwsAsync(p, { instanceOf: AbortedError });
    t.regex(e?.message ?? "", /aborted while waiting for approval: run timed out/);
    t.true(approver.find("c1").signal.aborted);
    t.deepEqual(inv.clock, { paused: 1, resumed: 1 });
    approver.find("c1").answer("approve"); // too late: ignored
    await ticks();
    t.false(exists("a"));
  } finally {
    ws.cleanup();
  }
});

test("always approves and stops asking for that tool in the same script, but another script is asked again", async (t) => {
  const answers: ApprovalAnswer[] = ["always", "deny"];
  const asked: string[] = [];
  const { ws, dispatcher } = setup({ approver: new CallbackApprover((req) => (asked.push(`${req.scriptHash}:${req.callId}`), answers.shift() ?? "deny")) });
  try {
    const runA = dispatcher.forRun({ runId: "r1", scriptHash: "A", scriptApproved: false });
    await runA(invocation("c1", "writeNote", { name: "1", text: "1" }));
    await runA(invocation("c2", "writeNote", { name: "2", text: "2" }));
    const again = dispatcher.forRun({ runId: "r2", scriptHash: "A", scriptApproved: false });
    await again(invocation("c1", "writeNote", { name: "3", text: "3" }));
    const runB = dispatcher.forRun({ runId: "r3", scriptHash: "B", scriptApproved: false });
    await t.throwsAsync(runB(invocation("c1", "writeNote", { name: "4", text: "4" })), { instanceOf: ApprovalDeniedError });
    t.deepEqual(asked, ["A:c1", "B:c1"]);
  } finally {
    ws.cleanup();
  }
});

test("always on an exec call remembers its subcommand prefix only", async (t) => {
  const asked: string[] = [];
  const { ws, dispatcher } = setup({ approver: new CallbackApprover((req) => (asked.push(req.callId), "always")) });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    await run(invocation("c1", "exec", { command: ["git", "commit", "-m", "a"] }));
    await run(invocation("c2", "exec", { command: ["git", "commit", "--amend"] }));
    await run(invocation("c3", "exec", { command: ["git", "push"] }));
    t.deepEqual(asked, ["c1", "c3"]);
    t.is(fs.readFileSync(path.join(ws.root, "exec.log"), "utf8").trim().split("\n").length, 3);
  } finally {
    ws.cleanup();
  }
});

test("on-request runs an approved script's calls without asking", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: true });
    await run(invocation("c1", "writeNote", { name: "ok", text: "x" }));
    t.true(exists("ok"));
    t.is(approver.seen.length, 0);
  } finally {
    ws.cleanup();
  }
});

test("without an approver a call that needs approval is denied; the policy then defaults to never", async (t) => {
  const ws = tempWorkspace();
  try {
    const d = new ToolDispatcher({ registry: registry(writeNote), workspaceRoot: ws.root });
    t.is(d.policy.policy, "never");
    const asking = new ToolDispatcher({ registry: registry(writeNote), workspaceRoot: ws.root, policy: { policy: "on-request" } });
    const e = await t.throwsAsync(
      asking.callStructured({ runId: "r", callId: "s", tool: "writeNote", args: { name: "a", text: "a" } }, new AbortController().signal),
      { instanceOf: ApprovalDeniedError },
    );
    t.regex(e?.message ?? "", /nobody to ask/);
    t.is(new ToolDispatcher({ registry: registry(writeNote), workspaceRoot: ws.root, approver: new CallbackApprover(() => "deny") }).policy.policy, "on-request");
  } finally {
    ws.cleanup();
  }
});

test("never with allow rules runs allowed tools and exec prefixes and denies the rest without asking", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver, policy: { policy: "never", allowTools: ["writeNote"], allowExec: [["npm", "test"]] } });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    await run(invocation("c1", "writeNote", { name: "w", text: "w" }));
    await run(invocation("c2", "exec", { command: ["npm", "test", "--", "-x"] }));
    await run(invocation("c3", "exec", { command: ["git", "status"] }));
    const e = await t.throwsAsync(run(invocation("c4", "exec", { command: ["npm", "publish"] })), { instanceOf: ApprovalDeniedError });
    t.regex(e?.message ?? "", /approval policy is `never`/);
    t.true(exists("w"));
    t.deepEqual(fs.readFileSync(path.join(ws.root, "exec.log"), "utf8").trim().split("\n"), ['["npm","test","--","-x"]', '["git","status"]']);
    t.is(approver.seen.length, 0);
  } finally {
    ws.cleanup();
  }
});

test("dangerously-approve-all runs everything without asking and says so", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher, exists } = setup({ approver, policy: { policy: "untrusted", dangerouslyApproveAll: true } });
  try {
    t.true(dispatcher.approvesEverything);
    t.regex(dispatcher.policy.warning ?? "", /dangerously-approve-all/);
    await dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: false })(invocation("c1", "writeNote", { name: "x", text: "x" }));
    t.true(exists("x"));
    t.is(approver.seen.length, 0);
  } finally {
    ws.cleanup();
  }
});

test("a script may only call the tools it declared", async (t) => {
  const { ws, dispatcher } = setup({ policy: { policy: "never", dangerouslyApproveAll: true } });
  try {
    const run = dispatcher.forRun({ runId: "r", scriptHash: "h", scriptApproved: true, allowedTools: ["readFile"] });
    const e = await t.throwsAsync(run(invocation("c1", "writeNote", { name: "x", text: "x" })), { instanceOf: ApprovalDeniedError });
    t.regex(e?.message ?? "", /not among the tools this script may call/);
    t.is(e?.details["by"], "allowed-tools");
  } finally {
    ws.cleanup();
  }
});

test("an approver that throws counts as a denial", async (t) => {
  const { ws, dispatcher } = setup({
    approver: new CallbackApprover(() => {
      throw new Error("socket closed");
    }),
  });
  try {
    const e = await t.throwsAsync(dispatcher.callStructured({ runId: "r", callId: "s", tool: "writeNote", args: { name: "a", text: "a" } }, new AbortController().signal), {
      instanceOf: ApprovalDeniedError,
    });
    t.regex(e?.message ?? "", /approver failed: socket closed/);
  } finally {
    ws.cleanup();
  }
});

test("a structured call gets the same approval as a script call and can pause the turn's clock", async (t) => {
  const approver = new ManualApprover();
  const { ws, dispatcher } = setup({ approver });
  try {
    let paused = 0;
    let resumed = 0;
    const p = dispatcher.callStructured({ runId: "turn1", callId: "fc_1", tool: "writeNote", args: { name: "a", text: "a" } }, new AbortController().signal, {
      pauseClock: () => (paused++, () => resumed++),
    });
    await ticks();
    t.like(approver.find("fc_1").req, { source: "structured", runId: "turn1", tool: "writeNote" });
    t.is(approver.find("fc_1").req.scriptHash, undefined);
    approver.find("fc_1").answer("approve");
    await p;
    t.deepEqual([paused, resumed], [1, 1]);
  } finally {
    ws.cleanup();
  }
});

test("a workspace root that does not exist is an InvalidOptionError", (t) => {
  t.throws(() => new ToolDispatcher({ registry: registry(), workspaceRoot: "/definitely/not/here/cody" }), { instanceOf: InvalidOptionError, message: /Workspace root/ });
});
