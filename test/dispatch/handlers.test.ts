import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { ToolDispatcher } from "../../src/dispatch/index.js";
import { AbortedError, PathOutsideWorkspaceError, ToolError } from "../../src/errors/index.js";
import type { ToolContext, ToolDefinition } from "../../src/tools/index.js";
import { explode, invocation, registry, slowWrite, tempWorkspace } from "./helpers.js";

test("a plain Error from a handler becomes a ToolError naming the tool, with the message", async (t) => {
  const ws = tempWorkspace();
  try {
    const d = new ToolDispatcher({ registry: registry(explode), workspaceRoot: ws.root });
    const e = await t.throwsAsync(d.callStructured({ runId: "r", callId: "c", tool: "explode", args: {} }, new AbortController().signal), { instanceOf: ToolError });
    t.is(e?.message, "explode: kaboom");
    t.is(e?.details["tool"], "explode");
  } finally {
    ws.cleanup();
  }
});

test("a CodyError from a handler reaches the caller unchanged", async (t) => {
  const ws = tempWorkspace();
  const outside: ToolDefinition = {
    name: "outside",
    description: "x",
    risk: "read-only",
    argsSchema: { type: "object" },
    resultSchema: {},
    async handler() {
      throw new PathOutsideWorkspaceError("Path `../x` is outside the workspace", { path: "../x" });
    },
  };
  try {
    const d = new ToolDispatcher({ registry: registry(outside), workspaceRoot: ws.root });
    const run = d.forRun({ runId: "r", scriptHash: "h", scriptApproved: false });
    await t.throwsAsync(run(invocation("c1", "outside", {})), { instanceOf: PathOutsideWorkspaceError, message: "Path `../x` is outside the workspace" });
  } finally {
    ws.cleanup();
  }
});

test("handlers get the real workspace root and the call's own signal", async (t) => {
  const ws = tempWorkspace();
  let seen: ToolContext | undefined;
  const probe: ToolDefinition = {
    name: "probe",
    description: "x",
    risk: "read-only",
    argsSchema: { type: "object" },
    resultSchema: {},
    async handler(_args, ctx) {
      seen = ctx;
      return "ok";
    },
  };
  try {
    const link = `${ws.root}-link`;
    fs.symlinkSync(ws.root, link);
    try {
      const d = new ToolDispatcher({ registry: registry(probe), workspaceRoot: link });
      const inv = invocation("c1", "probe", {});
      t.is(await d.forRun({ runId: "r", scriptHash: "h", scriptApproved: false })(inv), "ok");
      t.is(seen?.workspaceRoot, fs.realpathSync(ws.root));
      t.is(seen?.signal, inv.signal);
    } finally {
      fs.unlinkSync(link);
    }
  } finally {
    ws.cleanup();
  }
});

test("aborting a running call rejects at once with AbortedError; its side effect is cut off", async (t) => {
  const ws = tempWorkspace();
  const slow = slowWrite();
  try {
    const d = new ToolDispatcher({ registry: registry(slow.tool), workspaceRoot: ws.root, policy: { policy: "never", allowTools: ["slowWrite"] } });
    const controller = new AbortController();
    const p = d.forRun({ runId: "r", scriptHash: "h", scriptApproved: false })(invocation("c1", "slowWrite", { name: "job" }, controller.signal));
    await slow.started;
    controller.abort(new Error("time limit"));
    const e = await t.throwsAsync(p, { instanceOf: AbortedError });
    t.regex(e?.message ?? "", /slowWrite \(c1\) cut off while running: time limit/);
    t.is(e?.details["handlerStarted"], true);
    t.true(fs.existsSync(path.join(ws.root, "job.started")));
    t.false(fs.existsSync(path.join(ws.root, "job.done")));
  } finally {
    ws.cleanup();
  }
});

test("a call whose signal is already aborted never reaches its handler", async (t) => {
  const ws = tempWorkspace();
  const slow = slowWrite();
  try {
    const d = new ToolDispatcher({ registry: registry(slow.tool), workspaceRoot: ws.root, policy: { dangerouslyApproveAll: true } });
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    const e = await t.throwsAsync(
      d.callStructured({ runId: "r", callId: "c", tool: "slowWrite", args: { name: "x" } }, controller.signal),
      { instanceOf: AbortedError },
    );
    t.is(e?.details["handlerStarted"], false);
    t.false(fs.existsSync(path.join(ws.root, "x.started")));
  } finally {
    ws.cleanup();
  }
});
