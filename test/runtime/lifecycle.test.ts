import test from "ava";
import { ScriptPool, Turn, type RunEvent } from "../../src/runtime/index.js";
import { artifact, echo, gate } from "./helpers.js";

const pool = new ScriptPool({ workers: 2 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

test("calls still pending when the script returns are aborted and listed; every call is recorded", async (t) => {
  const g = gate();
  const run = pool.run(await artifact("tools.t({ n: 1 }); tools.t({ n: 2 }); return 'early';"), {
    invokeTool: g.invoker,
    toolNames: ["t"],
  });
  const r = await run;
  t.true(r.ok);
  t.is(r.value, "early");
  t.deepEqual(r.abortedCalls, ["c1", "c2"]);
  t.is(r.toolCalls.length, 2);
  for (const rec of r.toolCalls) t.like(rec, { ok: false, outcome: "aborted", detached: false });
  await g.waitFor(2);
  t.true(g.calls.every((c) => c.signal.aborted));
});

test("a spawned call outlives the script until the turn ends, and reports status from inside the script", async (t) => {
  const turn = new Turn();
  const g = gate();
  const events: RunEvent[] = [];
  const r = await pool.run(
    await artifact(`
      const h = tools.spawn.build({ target: "all" });
      const quick = tools.spawn.quick({});
      await quick.result();
      return { id: h.id, status: h.status(), quick: quick.status(), hasResult: typeof h.result === "function" };`),
    {
      invokeTool: async (call) => (call.tool === "quick" ? "fast" : g.invoker(call)),
      toolNames: ["build", "quick"],
      turnSignal: turn.signal,
      onEvent: (e) => events.push(e),
    },
  );
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, { id: "c1", status: "running", quick: "ok", hasResult: true });
  t.deepEqual(r.abortedCalls, []);
  t.like(r.toolCalls[0], { id: "c1", tool: "build", detached: true, outcome: "pending" });
  await g.waitFor(1);
  const build = g.calls[0]!;
  t.true(build.detached);
  t.false(build.signal.aborted, "the spawned call keeps running after the script ended");
  t.is(turn.pending, 1);
  await turn.end();
  t.true(build.signal.aborted);
  t.is(turn.pending, 0);
  t.true(events.some((e) => e.type === "tool_result" && e.id === "c1" && e.outcome === "aborted"));
});

test("a spawned call that finishes on its own settles its handle as ok", async (t) => {
  const turn = new Turn();
  const r = await pool.run(
    await artifact("const h = tools.spawn.t({}); const v = await h.result(); return [v, h.status()];"),
    { invokeTool: async () => "done", toolNames: ["t"], turnSignal: turn.signal },
  );
  t.deepEqual(r.value, ["done", "ok"]);
  await turn.end();
});

test("without a turn, spawned calls end with the script", async (t) => {
  const g = gate();
  const r = await pool.run(await artifact("tools.spawn.t({}); return 1;"), { invokeTool: g.invoker, toolNames: ["t"] });
  t.true(r.ok);
  t.deepEqual(r.abortedCalls, ["c1"]);
  await g.waitFor(1);
  t.true(g.calls[0]?.signal.aborted);
});

test("aborting opts.signal cancels the script and every call it started, spawned ones included", async (t) => {
  const controller = new AbortController();
  const turn = new Turn();
  const g = gate();
  const run = pool.run(await artifact("tools.spawn.bg({}); await tools.fg({}); return 'no';"), {
    invokeTool: g.invoker,
    toolNames: ["bg", "fg"],
    signal: controller.signal,
    turnSignal: turn.signal,
  });
  await g.waitFor(2);
  controller.abort();
  const r = await run;
  t.is(r.error?.code, "CODY_ABORTED");
  t.true(g.calls.every((c) => c.signal.aborted));
  t.deepEqual(r.abortedCalls.sort(), ["c1", "c2"]);
  await turn.end();
});

test("aborting opts.signal stops a busy guest", async (t) => {
  const controller = new AbortController();
  // Aborted once the guest says it is spinning, so the abort always meets a busy guest (not one still starting).
  const run = pool.run(await artifact("console.log('spinning'); while (true) {}"), {
    invokeTool: echo,
    toolNames: [],
    signal: controller.signal,
    onEvent: (e) => e.type === "console" && controller.abort(),
  });
  const r = await run;
  t.is(r.error?.code, "CODY_ABORTED");
});

test("an already-aborted signal ends the run before it starts", async (t) => {
  const r = await pool.run(await artifact("return 1"), { invokeTool: echo, toolNames: [], signal: AbortSignal.abort() });
  t.is(r.error?.code, "CODY_ABORTED");
});

test("a script awaiting a promise nothing can settle fails at once instead of waiting for the timeout", async (t) => {
  const r = await pool.run(await artifact("await new Promise(() => {}); return 1;"), {
    invokeTool: echo,
    toolNames: [],
    limits: { timeoutMs: 60_000 },
  });
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.regex(r.error?.message ?? "", /nothing will ever settle/);
});

test("runs are queued when every worker is busy; a full queue refuses with PoolQueueFullError", async (t) => {
  const small = new ScriptPool({ workers: 1, maxWorkers: 1, maxQueue: 1 });
  await small.ready();
  try {
    const g = gate();
    const a = await artifact("return await tools.t({});");
    const first = small.run(a, { invokeTool: g.invoker, toolNames: ["t"] });
    await g.waitFor(1);
    const second = small.run(a, { invokeTool: echo, toolNames: ["t"] });
    t.is(small.metrics().queued, 1);
    t.is(small.metrics().busy, 1);
    const err = await t.throwsAsync(small.run(a, { invokeTool: echo, toolNames: ["t"] }));
    t.is((err as { code?: string }).code, "CODY_POOL_QUEUE_FULL");
    g.release(0, "one");
    t.is((await first).value, "one");
    t.deepEqual((await second).value, { tool: "t", args: {} });
    const m = small.metrics();
    t.like(m, { workers: 1, busy: 0, queued: 0, runs: 2, failures: 0 });
  } finally {
    await small.close();
  }
});

test("a queued run whose signal aborts leaves the queue with AbortedError", async (t) => {
  const small = new ScriptPool({ workers: 1, maxWorkers: 1 });
  await small.ready();
  try {
    const g = gate();
    const first = small.run(await artifact("return await tools.t({});"), { invokeTool: g.invoker, toolNames: ["t"] });
    await g.waitFor(1);
    const controller = new AbortController();
    const queued = small.run(await artifact("return 2"), { invokeTool: echo, toolNames: [], signal: controller.signal });
    controller.abort();
    t.is((await queued).error?.code, "CODY_ABORTED");
    g.release(0, 1);
    t.is((await first).value, 1);
  } finally {
    await small.close();
  }
});

test("close() refuses new runs and stops running ones with PoolClosedError", async (t) => {
  const p = new ScriptPool({ workers: 1 });
  await p.ready();
  let spinning!: () => void;
  const isSpinning = new Promise<void>((resolve) => (spinning = resolve));
  const running = p.run(await artifact("console.log('spinning'); while (true) {}"), {
    invokeTool: echo,
    toolNames: [],
    onEvent: (e) => e.type === "console" && spinning(),
  });
  await isSpinning;
  await p.close();
  t.is((await running).error?.code, "CODY_POOL_CLOSED");
  const err = await t.throwsAsync(p.run(await artifact("return 1"), { invokeTool: echo, toolNames: [] }));
  t.is((err as { code?: string }).code, "CODY_POOL_CLOSED");
});

test("metrics count runs and failures", async (t) => {
  const p = new ScriptPool({ workers: 1, maxWorkers: 1, vmsPerWorker: 1 });
  await p.ready();
  try {
    await p.run(await artifact("return 1"), { invokeTool: echo, toolNames: [] });
    await p.run(await artifact("throw new Error('x')"), { invokeTool: echo, toolNames: [] });
    const m = p.metrics();
    t.like(m, { workers: 1, runs: 2, failures: 1, busy: 0, utilization: 0 });
    t.true(m.vmsCreated >= 1);
  } finally {
    await p.close();
  }
});

test("runs submitted before the pool is ready wait for it and complete", async (t) => {
  const p = new ScriptPool({ workers: 1, vmsPerWorker: 1 });
  try {
    const a = await artifact("return await tools.echo({ n: 1 })");
    const results = await Promise.all([1, 2, 3].map(() => p.run(a, { invokeTool: echo, toolNames: ["echo"] })));
    t.true(results.every((r) => r.ok));
  } finally {
    await p.close();
  }
});

test("invalid pool options are refused with InvalidOptionError naming the option", (t) => {
  const error = t.throws(() => new ScriptPool({ workers: 0 }));
  t.is((error as { code?: string }).code, "CODY_INVALID_OPTION");
  t.is((error as { details?: { path?: string } }).details?.path, "workers");
  t.throws(() => new ScriptPool({ maxQueue: -1 }));
  t.throws(() => new ScriptPool({ vmsPerWorker: 1.5 }));
});

test("a turn that ends while the script runs aborts its spawned call, and the handle reports aborted", async (t) => {
  const turn = new Turn();
  const g = gate();
  const run = pool.run(
    await artifact(`
      const h = tools.spawn.bg({});
      await tools.wait({});
      let reason = "";
      try { await h.result(); } catch (e) { reason = e.code; }
      return [h.status(), reason];`),
    { invokeTool: g.invoker, toolNames: ["bg", "wait"], turnSignal: turn.signal },
  );
  await g.waitFor(2);
  await turn.end();
  g.release(g.calls.findIndex((c) => c.tool === "wait"), "go");
  const r = await run;
  t.deepEqual(r.value, ["aborted", "CODY_ABORTED"]);
  t.like(r.toolCalls.find((c) => c.tool === "bg"), { outcome: "aborted", detached: true });
});
