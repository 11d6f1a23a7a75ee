/**
 * A pool with `inThread: true` runs guests on the calling thread (runtime/in-thread.ts, what `cody script run` uses).
 * The limits a worker thread got for free must hold here too: the run's timer cannot fire while the guest computes
 * on this thread, and a console line must reach the host while the guest is still computing.
 * Serial: a computing guest blocks this whole thread, the other tests' clocks included.
 */
import test from "ava";
import { ScriptPool } from "../../src/runtime/index.js";
import { artifact, echo, gate, sleep } from "./helpers.js";

async function inThreadPool(t: { teardown(fn: () => Promise<void>): void }, debugHooks = false): Promise<ScriptPool> {
  const pool = new ScriptPool({ inThread: true, singleRun: true, debugHooks });
  t.teardown(() => pool.close());
  await pool.ready();
  return pool;
}

test.serial("runs a script and its tool calls, and serves a second run with a new VM", async (t) => {
  const pool = await inThreadPool(t);
  const r = await pool.run(await artifact("const a = await tools.t({ n: 1 }); console.log('hi'); return a.args.n + 1;"), {
    invokeTool: echo,
    toolNames: ["t"],
  });
  t.true(r.ok, JSON.stringify(r.error));
  t.is(r.value, 2);
  t.deepEqual(r.console.map((c) => c.text), ["hi"]);
  const again = await pool.run(await artifact("return typeof globalThis.leftover;"), { invokeTool: echo, toolNames: [] });
  t.is(again.value, "undefined");
  t.is(pool.metrics().workers, 1);
});

test.serial("a busy loop is stopped at the deadline with TimeoutError, though the timer cannot fire meanwhile", async (t) => {
  const pool = await inThreadPool(t);
  const r = await pool.run(await artifact("while (true) {}"), { invokeTool: echo, toolNames: [], limits: { timeoutMs: 200 } });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  t.deepEqual(r.error?.details, { limitMs: 200 });
  const next = await pool.run(await artifact("return 'alive'"), { invokeTool: echo, toolNames: [] });
  t.is(next.value, "alive");
});

test.serial("a busy loop that catches everything, entered after a tool call, still ends at the deadline", async (t) => {
  const pool = await inThreadPool(t);
  const r = await pool.run(await artifact("await tools.t({}); for (;;) { try { while (true) {} } catch (e) { } }"), {
    invokeTool: echo,
    toolNames: ["t"],
    limits: { timeoutMs: 150 },
  });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  t.is(r.toolCalls.length, 1);
});

test.serial("a paused clock (a person approving) is not counted by the in-thread deadline check", async (t) => {
  const pool = await inThreadPool(t);
  // The pause outlasts the limit; the script's own work (a short loop after the call) takes a few ms of the 300.
  const r = await pool.run(await artifact("const v = await tools.approve(); let n = 0; for (let i = 0; i < 10000; i++) n += i; return [v, n];"), {
    invokeTool: async (call) => {
      const resume = call.pauseClock();
      await sleep(600);
      resume();
      return "approved";
    },
    toolNames: ["approve"],
    limits: { timeoutMs: 300 },
  });
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, ["approved", 49995000]);
});

test.serial("memory within the limit is fine; past it, MemoryLimitError even when the guest catches it", async (t) => {
  const pool = await inThreadPool(t);
  const limits = { memoryBytes: 8 * 1024 * 1024 };
  const ok = await pool.run(await artifact("const a = []; for (let i = 0; i < 1000; i++) a.push('x'.repeat(1000) + i); return a.length;"), {
    invokeTool: echo,
    toolNames: [],
    limits,
  });
  t.true(ok.ok, JSON.stringify(ok.error));
  const caught = await pool.run(
    await artifact("const a = []; for (;;) { try { a.push(new Array(100000).fill(1)); } catch (e) { a.length = 0; } }"),
    { invokeTool: echo, toolNames: [], limits: { ...limits, timeoutMs: 30_000 } },
  );
  t.is(caught.error?.code, "CODY_LIMIT_MEMORY");
  t.deepEqual(caught.error?.details, { limitBytes: 8 * 1024 * 1024 });
  const after = await pool.run(await artifact("return 'fine'"), { invokeTool: echo, toolNames: [] });
  t.is(after.value, "fine");
});

test.serial("exactly maxToolCalls calls succeed; one more, made without awaiting, stops the busy step with ToolCallLimitError", async (t) => {
  const pool = await inThreadPool(t);
  const ok = await pool.run(await artifact("for (let i = 0; i < 3; i++) await tools.t({ i }); return 'done';"), {
    invokeTool: echo,
    toolNames: ["t"],
    limits: { maxToolCalls: 3 },
  });
  t.true(ok.ok, JSON.stringify(ok.error));
  t.is(ok.toolCalls.length, 3);
  const g = gate();
  const past = await pool.run(await artifact("for (;;) tools.t({});"), {
    invokeTool: g.invoker,
    toolNames: ["t"],
    limits: { maxToolCalls: 3, timeoutMs: 30_000 },
  });
  t.is(past.error?.code, "CODY_LIMIT_TOOL_CALLS");
  t.deepEqual(past.error?.details, { limit: 3, tool: "t" });
});

test.serial("a console line reaches the host while the guest is still computing (aborting from it stops the loop)", async (t) => {
  const pool = await inThreadPool(t);
  const abort = new AbortController();
  // Were console messages delivered only after the step, the abort would come too late and the run would time out.
  const r = await pool.run(await artifact("console.log('spinning'); while (true) {}"), {
    invokeTool: echo,
    toolNames: [],
    limits: { timeoutMs: 30_000 },
    signal: abort.signal,
    onEvent: (event) => {
      if (event.type === "console") abort.abort();
    },
  });
  t.is(r.error?.code, "CODY_ABORTED");
  t.deepEqual(r.console.map((c) => c.text), ["spinning"]);
});

test.serial("a WASM trap fails its run with VmCrashedError and the next run gets a new VM", async (t) => {
  const pool = await inThreadPool(t, true);
  const r = await pool.run(await artifact("__cody_debug('trap'); return [1].map((x) => x * 2);"), { invokeTool: echo, toolNames: [] });
  t.is(r.error?.code, "CODY_VM_CRASHED");
  const next = await pool.run(await artifact("return 'next'"), { invokeTool: echo, toolNames: [] });
  t.is(next.value, "next");
});
