import test from "ava";
import fs from "node:fs";
import path from "node:path";
import { CallbackApprover, type ApprovalRequest } from "../../src/approval/index.js";
import { AbortedError, ApprovalDeniedError, SandboxError } from "../../src/errors/index.js";
import { tightenSandbox } from "../../src/sandbox/index.js";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { createBuiltinRegistry } from "../../src/tools/builtin.js";
import { tempDb } from "../audit/helpers.js";

/** A dispatcher over a real workspace, the built-in tools (real exec in bwrap) and a real audit database. */
function setup(
  t: { teardown(fn: () => void): void },
  opts: { policy: "on-request" | "never" | "untrusted"; answers?: ("approve" | "deny" | "abort")[]; approveAll?: boolean },
) {
  const db = tempDb();
  t.teardown(() => db.cleanup());
  const root = fs.realpathSync(fs.mkdtempSync(path.join("/var/tmp", "cody-escalate-")));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const asked: ApprovalRequest[] = [];
  const answers = [...(opts.answers ?? [])];
  const dispatcher = new ToolDispatcher({
    registry: createBuiltinRegistry(),
    workspaceRoot: root,
    policy: { policy: opts.policy, allowTools: ["exec"], dangerouslyApproveAll: opts.approveAll === true },
    approver: new CallbackApprover((req) => {
      asked.push(req);
      return answers.shift() ?? "deny";
    }),
    audit: db.audit,
  });
  const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.txt`);
  t.teardown(() => fs.rmSync(outside, { force: true }));
  return { dispatcher, asked, audit: db.audit, root, outside };
}

const writeOutside = (file: string) => ({ command: ["sh", "-c", `echo escaped > ${file}`] });

test("under on-request a sandbox denial asks to re-run unsandboxed, shows the denial, and the audit records both modes", async (t) => {
  const { dispatcher, asked, audit, outside } = setup(t, { policy: "on-request", answers: ["approve"] });
  const result = (await dispatcher.callStructured({ runId: "r1", callId: "c1", tool: "exec", args: writeOutside(outside) }, new AbortController().signal)) as {
    exitCode: number;
    sandbox: string;
  };
  t.is(result.exitCode, 0);
  t.is(result.sandbox, "danger-full-access");
  t.is(fs.readFileSync(outside, "utf8"), "escaped\n");
  t.is(asked.length, 1);
  t.regex(asked[0]?.reason ?? "", /blocked by the sandbox \(filesystem\).*without the sandbox/);
  t.regex(asked[0]?.sandboxDenial ?? "", /workspace-write.*danger-full-access/);
  const call = audit.getRun("r1")?.calls[0];
  t.is(call?.outcome, "ok");
  t.is(call?.sandbox, "danger-full-access");
  t.regex(call?.note ?? "", /blocked by the sandbox \(filesystem\); re-run without the sandbox: approved/);
});

test("a denied re-run fails with the SandboxError and nothing escapes", async (t) => {
  const { dispatcher, asked, audit, outside } = setup(t, { policy: "on-request", answers: ["deny"] });
  await t.throwsAsync(
    dispatcher.callStructured({ runId: "r2", callId: "c1", tool: "exec", args: writeOutside(outside) }, new AbortController().signal),
    { instanceOf: SandboxError },
  );
  t.is(asked.length, 1);
  t.false(fs.existsSync(outside));
  const call = audit.getRun("r2")?.calls[0];
  t.is(call?.sandbox, "workspace-write");
  t.is(call?.errorCode, "CODY_TOOL_SANDBOX");
  t.regex(call?.note ?? "", /denied/);
});

test("abort at the sandbox prompt aborts the call", async (t) => {
  const { dispatcher, outside } = setup(t, { policy: "on-request", answers: ["abort"] });
  await t.throwsAsync(
    dispatcher.callStructured({ runId: "r3", callId: "c1", tool: "exec", args: writeOutside(outside) }, new AbortController().signal),
    { instanceOf: AbortedError },
  );
  t.false(fs.existsSync(outside));
});

test("under never a sandbox denial just fails, without asking", async (t) => {
  const { dispatcher, asked, audit, outside } = setup(t, { policy: "never" });
  await t.throwsAsync(
    dispatcher.callStructured({ runId: "r4", callId: "c1", tool: "exec", args: writeOutside(outside) }, new AbortController().signal),
    { instanceOf: SandboxError },
  );
  t.is(asked.length, 0);
  t.false(fs.existsSync(outside));
  t.is(audit.getRun("r4")?.calls[0]?.sandbox, "workspace-write");
});

test("approve-all does not lift the sandbox either", async (t) => {
  const { dispatcher, asked, outside } = setup(t, { policy: "on-request", approveAll: true });
  await t.throwsAsync(
    dispatcher.callStructured({ runId: "r5", callId: "c1", tool: "exec", args: writeOutside(outside) }, new AbortController().signal),
    { instanceOf: SandboxError },
  );
  t.is(asked.length, 0);
});

test("a call that succeeds in the sandbox is recorded with its mode and asks nothing; non-exec tools record none", async (t) => {
  const { dispatcher, asked, audit, root } = setup(t, { policy: "on-request" });
  fs.writeFileSync(path.join(root, "a.txt"), "a");
  await dispatcher.callStructured({ runId: "r6", callId: "c1", tool: "exec", args: { command: ["cat", "a.txt"] } }, new AbortController().signal);
  await dispatcher.callStructured({ runId: "r6", callId: "c2", tool: "readFile", args: { path: "a.txt" } }, new AbortController().signal);
  t.is(asked.length, 0);
  const calls = audit.getRun("r6")?.calls ?? [];
  t.is(calls[0]?.sandbox, "workspace-write");
  t.is(calls[1]?.sandbox, null);
});

test("an exec the policy denies never reaches the sandbox question", async (t) => {
  const db = tempDb();
  t.teardown(() => db.cleanup());
  const root = fs.realpathSync(fs.mkdtempSync(path.join("/var/tmp", "cody-escalate-")));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const dispatcher = new ToolDispatcher({ registry: createBuiltinRegistry(), workspaceRoot: root, policy: { policy: "never" }, audit: db.audit });
  await t.throwsAsync(
    dispatcher.callStructured({ runId: "r7", callId: "c1", tool: "exec", args: { command: ["touch", "x"] } }, new AbortController().signal),
    { instanceOf: ApprovalDeniedError },
  );
});

test("a run that tightened the sandbox (a REST request) is never offered an unsandboxed re-run", async (t) => {
  const { dispatcher, asked, outside } = setup(t, { policy: "on-request", answers: ["approve"] });
  const invoke = dispatcher.forRun({
    runId: "r-tight",
    scriptHash: "h-tight",
    scriptApproved: false,
    sandbox: tightenSandbox(dispatcher.sandbox, { mode: "read-only" }),
  });
  await t.throwsAsync(
    invoke({
      callId: "c1",
      tool: "exec",
      args: writeOutside(outside),
      detached: false,
      signal: new AbortController().signal,
      pauseClock: () => () => undefined,
    }),
    { instanceOf: SandboxError },
  );
  t.is(asked.length, 0, "nobody was asked to lift a sandbox the run itself asked for");
  t.false(fs.existsSync(outside));
});
