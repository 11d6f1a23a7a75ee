import test from "ava";
import {
  ApprovalDeniedError,
  ApprovalTimeoutError,
  PatchError,
  PathOutsideWorkspaceError,
  ToolArgumentError,
  ToolError,
} from "../../src/errors/index.js";
import { ScriptPool, type RunEvent, type ToolInvocation } from "../../src/runtime/index.js";
import { artifact, echo } from "./helpers.js";

const pool = new ScriptPool({ workers: 2 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

test("a tool call round-trips its arguments and result as plain JSON", async (t) => {
  const r = await pool.run(await artifact("return await tools.echo({ x: 1, list: [1, 'a', null] })"), {
    invokeTool: echo,
    toolNames: ["echo"],
  });
  t.true(r.ok);
  t.deepEqual(r.value, { tool: "echo", args: { x: 1, list: [1, "a", null] } });
  t.is(r.toolCalls.length, 1);
  t.like(r.toolCalls[0], { id: "c1", tool: "echo", ok: true, outcome: "ok", detached: false });
});

test("dotted tool names become nested objects, including tools.mcp.<server>.<tool> and tools.spawn.<same>", async (t) => {
  const r = await pool.run(
    await artifact(
      "return [typeof tools.mcp.everything.echo, typeof tools.spawn.mcp.everything.echo, typeof tools.readFile, Object.isFrozen(tools)]",
    ),
    { invokeTool: echo, toolNames: ["readFile", "mcp.everything.echo"] },
  );
  t.deepEqual(r.value, ["function", "function", "function", true]);
  const called = await pool.run(await artifact("return await tools.mcp.everything.echo({ message: 'hi' })"), {
    invokeTool: echo,
    toolNames: ["mcp.everything.echo"],
  });
  t.deepEqual(called.value, { tool: "mcp.everything.echo", args: { message: "hi" } });
});

test("a rejected tool call is a catchable ToolError carrying name, message, tool, code and details", async (t) => {
  const r = await pool.run(
    await artifact(`
      try { await tools.fail({}); return "not reached"; }
      catch (e) { return { name: e.name, message: e.message, tool: e.tool, code: e.code, details: e.details,
                           isToolError: e instanceof ToolError, isError: e instanceof Error, denied: e instanceof ApprovalDeniedError }; }`),
    {
      invokeTool: async () => {
        throw new ToolError("disk on fire", { tool: "fail", path: "/x" });
      },
      toolNames: ["fail"],
    },
  );
  t.true(r.ok);
  t.deepEqual(r.value, {
    name: "ToolError",
    message: "disk on fire",
    tool: "fail",
    code: "CODY_TOOL_FAILED",
    details: { tool: "fail", path: "/x" },
    isToolError: true,
    isError: true,
    denied: false,
  });
  t.is(r.toolCalls[0]?.outcome, "error");
});

test("a denial (CODY_APPROVAL_DENIED) arrives as ApprovalDeniedError, a subclass of ToolError, and is recorded as denied", async (t) => {
  const r = await pool.run(
    await artifact(`
      try { await tools.rm({ path: "/" }); }
      catch (e) { return [e.name, e instanceof ApprovalDeniedError, e instanceof ToolError, e.code, e.message]; }`),
    {
      invokeTool: async () => {
        throw new ApprovalDeniedError("no thanks", { tool: "rm", reason: "user said no" });
      },
      toolNames: ["rm"],
    },
  );
  t.deepEqual(r.value, ["ApprovalDeniedError", true, true, "CODY_APPROVAL_DENIED", "no thanks"]);
  t.is(r.toolCalls[0]?.outcome, "denied");
});

test("a plain host Error becomes a ToolError and the host stack never enters the VM", async (t) => {
  const r = await pool.run(await artifact("try { await tools.x(); } catch (e) { return [e.name, e.message, JSON.stringify(e.details), String(e.stack).includes('node:')]; }"), {
    invokeTool: () => {
      throw new Error("sync throw");
    },
    toolNames: ["x"],
  });
  t.deepEqual(r.value, ["ToolError", "sync throw", '{"tool":"x"}', false]);
});

test("an uncaught async rejection fails the run with ScriptRuntimeError instead of crashing anything", async (t) => {
  const r = await pool.run(await artifact("await tools.fail({}); return 1;"), {
    invokeTool: async () => {
      await new Promise((res) => setTimeout(res, 5));
      throw new ToolError("late failure", { tool: "fail" });
    },
    toolNames: ["fail"],
  });
  t.false(r.ok);
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.is(r.error?.details.name, "ToolError");
  t.is(r.error?.details.code, "CODY_TOOL_FAILED");
  t.regex(r.error?.message ?? "", /late failure/);
  // The stack of a tool rejection is its call site in the script.
  t.like(r.error?.location, { file: "test.ts", line: 2 });
  const after = await pool.run(await artifact("return 2"), { invokeTool: echo, toolNames: [] });
  t.is(after.value, 2);
});

test("Promise.all, Promise.race and Promise.allSettled work over tool calls, and await chains see each result", async (t) => {
  const invokeTool = async (call: ToolInvocation): Promise<unknown> => {
    const args = call.args as { n: number; fail?: boolean };
    await new Promise((res, rej) => {
      const timer = setTimeout(res, args.n);
      call.signal.addEventListener("abort", () => (clearTimeout(timer), rej(call.signal.reason)));
    });
    if (args.fail) throw new ToolError(`fail ${args.n}`, { tool: call.tool });
    return args.n;
  };
  const r = await pool.run(
    await artifact(`
      const all = await Promise.all([tools.t({ n: 3 }), tools.t({ n: 1 }), tools.t({ n: 2 })]);
      const race = await Promise.race([tools.t({ n: 60000 }), tools.t({ n: 1 })]);
      const settled = await Promise.allSettled([tools.t({ n: 1, fail: true }), tools.t({ n: 2 })]);
      const chained = await tools.t({ n: 1 }).then((v) => tools.t({ n: v + 1 })).then((v) => v * 10);
      return { all, race, settled: settled.map((s) => s.status === "fulfilled" ? s.value : s.reason.message), chained };`),
    { invokeTool, toolNames: ["t"], limits: { maxConcurrentToolCalls: 8 } },
  );
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, { all: [3, 1, 2], race: 1, settled: ["fail 1", 2], chained: 20 });
  // The race loser was still pending when the script returned: it was aborted.
  t.deepEqual(r.abortedCalls, ["c4"]);
});

test("arguments are serialized inside the VM: getters run there, prototypes and functions do not cross", async (t) => {
  let seen: unknown;
  const r = await pool.run(
    await artifact(`
      class Point { constructor() { this.x = 1; } get y() { return 2; } }
      const p = new Point();
      const args = { p, fn() {}, get computed() { return "from-getter"; }, date: new Date(0), nested: { n: NaN } };
      return await tools.t(args);`),
    {
      invokeTool: async (call) => {
        seen = call.args;
        return "ok";
      },
      toolNames: ["t"],
    },
  );
  t.true(r.ok);
  t.deepEqual(seen, { p: { x: 1 }, computed: "from-getter", date: "1970-01-01T00:00:00.000Z", nested: { n: null } });
  t.is(Object.getPrototypeOf((seen as { p: object }).p), Object.prototype);
});

test("arguments that are not JSON (BigInt, cycles) reject the call with CODY_TOOL_INVALID_ARGS without reaching the host", async (t) => {
  let calls = 0;
  const r = await pool.run(
    await artifact(`
      const out = [];
      try { await tools.t({ big: 1n }); } catch (e) { out.push(e.name, e.code); }
      const cyclic = {}; cyclic.self = cyclic;
      try { await tools.t(cyclic); } catch (e) { out.push(e.code); }
      return out;`),
    {
      invokeTool: async () => {
        calls++;
        return 1;
      },
      toolNames: ["t"],
    },
  );
  t.deepEqual(r.value, ["ToolArgumentError", "CODY_TOOL_INVALID_ARGS", "CODY_TOOL_INVALID_ARGS"]);
  t.is(calls, 0);
});

test("a call without arguments sends {} and a tool returning undefined resolves to undefined", async (t) => {
  let seen: unknown = "unset";
  const r = await pool.run(await artifact("const v = await tools.t(); return v === undefined;"), {
    invokeTool: async (call) => {
      seen = call.args;
      return undefined;
    },
    toolNames: ["t"],
  });
  t.deepEqual(seen, {});
  t.is(r.value, true);
});

test("a host result that is not JSON-serializable rejects the guest call with a ToolError", async (t) => {
  const r = await pool.run(await artifact("try { await tools.t(); } catch (e) { return [e.name, /not JSON-serializable/.test(e.message)]; }"), {
    invokeTool: async () => ({ big: 10n }),
    toolNames: ["t"],
  });
  t.deepEqual(r.value, ["ToolError", true]);
});

test("events arrive in order and console entries are streamed live, before the run ends", async (t) => {
  const events: RunEvent[] = [];
  let consoleSeenBeforeTool = false;
  const r = await pool.run(await artifact("console.log('before', 1, { a: 1 }); const v = await tools.t({}); console.warn('after'); return v;"), {
    invokeTool: async () => {
      consoleSeenBeforeTool = events.some((e) => e.type === "console");
      return 7;
    },
    toolNames: ["t"],
    onEvent: (e) => events.push(e),
    runId: "run-events",
    cache: "hit",
  });
  t.true(consoleSeenBeforeTool);
  t.deepEqual(
    events.map((e) => e.type),
    ["start", "console", "tool_call", "tool_result", "console", "end"],
  );
  t.like(events[0], { type: "start", runId: "run-events", cache: "hit" });
  t.like(events[1], { type: "console", entry: { level: "log", text: 'before 1 {"a":1}' } });
  t.like(events[2], { type: "tool_call", id: "c1", tool: "t", args: {}, detached: false });
  t.like(events[3], { type: "tool_result", id: "c1", ok: true, outcome: "ok" });
  t.is(r.console.length, 2);
  t.is(r.console[1]?.level, "warn");
  t.is(r.value, 7);
  t.is(r.runId, "run-events");
  t.is(r.cache, "hit");
});

test("a listener that throws does not break the run", async (t) => {
  const r = await pool.run(await artifact("console.log('x'); return 1"), {
    invokeTool: echo,
    toolNames: [],
    onEvent: () => {
      throw new Error("listener bug");
    },
  });
  t.is(r.value, 1);
});

test("invalid run options are refused with InvalidOptionError naming the path", async (t) => {
  const a = await artifact("return 1");
  const e1 = await t.throwsAsync(pool.run(a, { invokeTool: echo, toolNames: [], limits: { timeoutMs: -5 } }));
  t.is((e1 as { code?: string }).code, "CODY_INVALID_OPTION");
  const e2 = await t.throwsAsync(pool.run(a, { invokeTool: "nope" as unknown as typeof echo, toolNames: [] }));
  t.is((e2 as { details?: { path?: string } }).details?.path, "invokeTool");
});

test("many concurrent runs each get their own tools, calls and results", async (t) => {
  const results = await Promise.all(
    Array.from({ length: 24 }, async (_, i) =>
      pool.run(await artifact(`const r = await tools.who${i % 3}({ i: ${i} }); console.log("run", ${i}); return [r.tool, r.args.i];`), {
        invokeTool: echo,
        toolNames: [`who${i % 3}`],
      }),
    ),
  );
  results.forEach((r, i) => {
    t.deepEqual(r.value, [`who${i % 3}`, i]);
    t.deepEqual(r.console.map((e) => e.text), [`run ${i}`]);
  });
});

test("each failure code arrives as its ToolError subclass, every one instanceof ToolError and Error; unknown codes stay ToolError", async (t) => {
  const failures: Record<string, Error> = {
    args: new ToolArgumentError("path must be string", { path: "/path" }),
    outside: new PathOutsideWorkspaceError("Path `../x` is outside the workspace", { path: "../x" }),
    denied: new ApprovalDeniedError("not approved", {}),
    failed: new ToolError("disk on fire", {}),
    patch: new PatchError("hunk did not apply", {}),
    approvalTimeout: new ApprovalTimeoutError("nobody answered", {}),
  };
  const r = await pool.run(
    await artifact(`
      const out = {};
      for (const kind of ${JSON.stringify(Object.keys(failures))}) {
        try { await tools.t({ kind }); out[kind] = "resolved"; }
        catch (e) {
          const cls = e instanceof ToolArgumentError ? "ToolArgumentError"
            : e instanceof PathOutsideWorkspaceError ? "PathOutsideWorkspaceError"
            : e instanceof ApprovalDeniedError ? "ApprovalDeniedError"
            : e instanceof ToolError ? "ToolError" : "other";
          out[kind] = [cls, e.name, e.code, e.tool, e instanceof ToolError, e instanceof Error, e.constructor === globalThis[e.name]];
        }
      }
      return out;`),
    {
      invokeTool: async (call) => {
        throw failures[(call.args as { kind: string }).kind];
      },
      toolNames: ["t"],
    },
  );
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, {
    args: ["ToolArgumentError", "ToolArgumentError", "CODY_TOOL_INVALID_ARGS", "t", true, true, true],
    outside: ["PathOutsideWorkspaceError", "PathOutsideWorkspaceError", "CODY_PATH_OUTSIDE_WORKSPACE", "t", true, true, true],
    denied: ["ApprovalDeniedError", "ApprovalDeniedError", "CODY_APPROVAL_DENIED", "t", true, true, true],
    failed: ["ToolError", "ToolError", "CODY_TOOL_FAILED", "t", true, true, true],
    patch: ["ToolError", "ToolError", "CODY_PATCH_FAILED", "t", true, true, true],
    approvalTimeout: ["ToolError", "ToolError", "CODY_APPROVAL_TIMEOUT", "t", true, true, true],
  });
});

test("the error classes are fixed globals; instances a script makes get their class's code by default", async (t) => {
  const r = await pool.run(
    await artifact(`
      const original = ToolArgumentError;
      try { globalThis.ToolArgumentError = class {}; } catch {}
      try { delete globalThis.PathOutsideWorkspaceError; } catch {}
      class Mine extends ToolError {}
      return {
        kept: ToolArgumentError === original && typeof PathOutsideWorkspaceError === "function",
        stillSubclass: Object.getPrototypeOf(ToolArgumentError) === ToolError,
        codes: [new ToolError("a").code, new ToolArgumentError("b").code, new PathOutsideWorkspaceError("c").code,
                new ApprovalDeniedError("d").code, new Mine("e").code, new ToolArgumentError("f", { code: "X" }).code],
        names: [new ToolArgumentError().name, PathOutsideWorkspaceError.name, new Mine().name],
      };`),
    { invokeTool: echo, toolNames: [] },
  );
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, {
    kept: true,
    stillSubclass: true,
    codes: ["CODY_TOOL_FAILED", "CODY_TOOL_INVALID_ARGS", "CODY_PATH_OUTSIDE_WORKSPACE", "CODY_APPROVAL_DENIED", "CODY_TOOL_FAILED", "X"],
    names: ["ToolArgumentError", "PathOutsideWorkspaceError", "ToolError"],
  });
});

test("an uncaught ToolArgumentError ends the run with its name and code in the ScriptRuntimeError details", async (t) => {
  const r = await pool.run(await artifact("await tools.t({ big: 1n });"), { invokeTool: echo, toolNames: ["t"] });
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.is(r.error?.details.name, "ToolArgumentError");
  t.is(r.error?.details.code, "CODY_TOOL_INVALID_ARGS");
});
