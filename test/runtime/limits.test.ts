import test from "ava";
import { TimeoutError, deserializeError } from "../../src/errors/index.js";
import { ScriptPool } from "../../src/runtime/index.js";
import { artifact, echo, gate, sleep } from "./helpers.js";

const pool = new ScriptPool({ workers: 2 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

test("a script that finishes within timeoutMs succeeds, even with a tool call in between", async (t) => {
  const r = await pool.run(await artifact("let n = 0; for (let i = 0; i < 10000; i++) n += i; await tools.t(); return n;"), {
    invokeTool: async () => sleep(20),
    toolNames: ["t"],
    limits: { timeoutMs: 3000 },
  });
  t.true(r.ok, JSON.stringify(r.error));
  t.is(r.value, 49995000);
});

test("a busy loop is stopped at the deadline with TimeoutError { limitMs }", async (t) => {
  const r = await pool.run(await artifact("while (true) {}"), { invokeTool: echo, toolNames: [], limits: { timeoutMs: 200 } });
  t.false(r.ok);
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  t.deepEqual(r.error?.details, { limitMs: 200 });
  t.true(deserializeError(r.error!) instanceof TimeoutError, "the wire error is rebuilt as its class");
  const next = await pool.run(await artifact("return 'alive'"), { invokeTool: echo, toolNames: [] });
  t.is(next.value, "alive");
});

test("a busy loop that catches everything still cannot outlive the deadline", async (t) => {
  const r = await pool.run(await artifact("for (;;) { try { while (true) {} } catch (e) { } }"), {
    invokeTool: echo,
    toolNames: [],
    limits: { timeoutMs: 150 },
  });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
});

test("time spent awaiting a tool counts: the run times out and the tool's signal is aborted", async (t) => {
  const g = gate();
  // The gate never opens, so the run can only end by its limit; 2000 ms leaves a loaded box time to reach the call.
  const r = await pool.run(await artifact("await tools.slow(); return 1;"), {
    invokeTool: g.invoker,
    toolNames: ["slow"],
    limits: { timeoutMs: 2000 },
  });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  t.true(g.calls[0]?.signal.aborted);
  t.is((g.calls[0]?.signal.reason as { code?: string }).code, "CODY_LIMIT_TIMEOUT");
  t.deepEqual(r.abortedCalls, ["c1"]);
  t.like(r.toolCalls[0], { outcome: "aborted", ok: false });
});

test.serial("pauseClock stops the wall clock while a person approves; the run then completes", async (t) => {
  // The paused wait is longer than the limit (a running clock would certainly expire); the script's own work around
  // it takes a few ms against the 2000 ms limit. Serial: busy-loop tests beside it would share the two workers, and on
  // a loaded box their queueing counted against this run's clock.
  const r = await pool.run(await artifact("return await tools.approve();"), {
    invokeTool: async (call) => {
      const resume = call.pauseClock();
      await sleep(3000);
      resume();
      resume(); // a second call is harmless
      return "approved";
    },
    toolNames: ["approve"],
    limits: { timeoutMs: 2000 },
  });
  t.true(r.ok, JSON.stringify(r.error));
  t.is(r.value, "approved");
});

test("without pauseClock the same wait times out", async (t) => {
  // The call never answers on its own: the run can only end by its time limit (which aborts the call).
  const r = await pool.run(await artifact("return await tools.approve();"), {
    invokeTool: (call) =>
      new Promise((_, reject) => call.signal.addEventListener("abort", () => reject(call.signal.reason as Error), { once: true })),
    toolNames: ["approve"],
    limits: { timeoutMs: 150 },
  });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
});

test("memory below the limit is fine; a memory bomb fails with MemoryLimitError { limitBytes } and the pool stays healthy", async (t) => {
  const limits = { memoryBytes: 8 * 1024 * 1024 };
  const ok = await pool.run(await artifact("const a = []; for (let i = 0; i < 1000; i++) a.push('x'.repeat(1000) + i); return a.length;"), {
    invokeTool: echo,
    toolNames: [],
    limits,
  });
  t.true(ok.ok, JSON.stringify(ok.error));
  t.is(ok.value, 1000);
  const bomb = await pool.run(await artifact("const a = []; while (true) a.push(new Array(100000).fill(1));"), {
    invokeTool: echo,
    toolNames: [],
    limits,
  });
  t.false(bomb.ok);
  t.is(bomb.error?.code, "CODY_LIMIT_MEMORY");
  t.deepEqual(bomb.error?.details, { limitBytes: 8 * 1024 * 1024 });
  const after = await pool.run(await artifact("return 'fine'"), { invokeTool: echo, toolNames: [] });
  t.is(after.value, "fine");
});

test("exactly maxToolCalls calls succeed", async (t) => {
  const r = await pool.run(await artifact("for (let i = 0; i < 3; i++) await tools.t({ i }); return 'done';"), {
    invokeTool: echo,
    toolNames: ["t"],
    limits: { maxToolCalls: 3 },
  });
  t.true(r.ok);
  t.is(r.toolCalls.length, 3);
});

test("one call past maxToolCalls fails the run with ToolCallLimitError { limit } and aborts calls already started", async (t) => {
  const g = gate();
  const r = await pool.run(
    await artifact("const ps = [tools.t({}), tools.t({}), tools.t({})]; await Promise.resolve(); await tools.t({}); return 'no';"),
    { invokeTool: g.invoker, toolNames: ["t"], limits: { maxToolCalls: 3 } },
  );
  t.false(r.ok);
  t.is(r.error?.code, "CODY_LIMIT_TOOL_CALLS");
  t.is(r.error?.details.limit, 3);
  t.true(g.calls.every((c) => c.signal.aborted));
  t.deepEqual(r.abortedCalls.sort(), ["c1", "c2", "c3"]);
});

test("maxConcurrentToolCalls: extra calls wait their turn and start in call order", async (t) => {
  const g = gate();
  const run = pool.run(await artifact("return await Promise.all([1, 2, 3, 4, 5, 6].map((i) => tools.t({ i })));"), {
    invokeTool: g.invoker,
    toolNames: ["t"],
    limits: { maxConcurrentToolCalls: 4 },
  });
  await g.waitFor(4);
  await sleep(50);
  t.is(g.calls.length, 4, "a fifth call must wait");
  g.release(2, "third");
  await g.waitFor(5);
  await sleep(20);
  t.is(g.calls.length, 5);
  t.deepEqual(g.calls[4]?.args, { i: 5 });
  for (const i of [0, 1, 3, 4]) g.release(i, i);
  await g.waitFor(6);
  t.deepEqual(g.calls[5]?.args, { i: 6 });
  g.release(5, 5);
  const r = await run;
  t.deepEqual(r.value, [0, 1, "third", 3, 4, 5]);
});

test("console output up to maxConsoleBytes is kept whole", async (t) => {
  // 19 characters + a newline = 20 bytes.
  const r = await pool.run(await artifact("console.log('a'.repeat(19)); return 1;"), {
    invokeTool: echo,
    toolNames: [],
    limits: { maxConsoleBytes: 20 },
  });
  t.false(r.consoleTruncated);
  t.deepEqual(r.console.map((e) => e.text), ["a".repeat(19)]);
});

test("console output past maxConsoleBytes is cut, marked, and later output dropped", async (t) => {
  const r = await pool.run(await artifact("console.log('a'.repeat(20)); console.log('more'); return 1;"), {
    invokeTool: echo,
    toolNames: [],
    limits: { maxConsoleBytes: 20 },
  });
  t.true(r.ok);
  t.true(r.consoleTruncated);
  t.is(r.console.length, 2);
  t.is(r.console[0]?.text, "a".repeat(19));
  t.regex(r.console[1]?.text ?? "", /truncated.*20 bytes/);
});

test("a result exactly maxResultBytes long is returned", async (t) => {
  const r = await pool.run(await artifact("return 'abc';"), { invokeTool: echo, toolNames: [], limits: { maxResultBytes: 5 } });
  t.true(r.ok);
  t.is(r.value, "abc");
});

test("a result one byte over maxResultBytes fails with ResultTooLargeError { size, limit }", async (t) => {
  const r = await pool.run(await artifact("return 'abcd';"), { invokeTool: echo, toolNames: [], limits: { maxResultBytes: 5 } });
  t.is(r.error?.code, "CODY_LIMIT_RESULT");
  t.deepEqual(r.error?.details, { size: 6, limit: 5 });
});

test("non-JSON results fail with ResultNotSerializableError; undefined returns ok with no value", async (t) => {
  for (const body of ["return 10n;", "return () => 1;", "const o = {}; o.o = o; return o;", "return Symbol('s');"]) {
    const r = await pool.run(await artifact(body), { invokeTool: echo, toolNames: [] });
    t.is(r.error?.code, "CODY_RESULT_NOT_SERIALIZABLE", body);
  }
  const u = await pool.run(await artifact("return;"), { invokeTool: echo, toolNames: [] });
  t.true(u.ok);
  t.false("value" in u);
});

test("recursion within the stack limit works; deeper recursion is a catchable RangeError", async (t) => {
  const limits = { maxStackBytes: 64 * 1024 };
  const ok = await pool.run(await artifact("function f(n) { return n === 0 ? 0 : 1 + f(n - 1); } return f(100);"), {
    invokeTool: echo,
    toolNames: [],
    limits,
  });
  t.is(ok.value, 100);
  const caught = await pool.run(
    await artifact("function f(n) { return 1 + f(n + 1); } try { f(0); } catch (e) { return [e.name, e instanceof RangeError]; }"),
    { invokeTool: echo, toolNames: [], limits },
  );
  t.deepEqual(caught.value, ["RangeError", true]);
});

test("uncaught stack overflow fails the run with ScriptRuntimeError naming RangeError", async (t) => {
  const r = await pool.run(await artifact("function f(n) { return 1 + f(n + 1); } return f(0);"), {
    invokeTool: echo,
    toolNames: [],
    limits: { maxStackBytes: 64 * 1024 },
  });
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.is(r.error?.details.name, "RangeError");
});

test("console entries are capped at 10 000 per run, however small", async (t) => {
  const exactly = await pool.run(await artifact("for (let i = 0; i < 10000; i++) console.log(''); return 1;"), { invokeTool: echo, toolNames: [] });
  t.false(exactly.consoleTruncated);
  t.is(exactly.console.length, 10000);
  const past = await pool.run(await artifact("for (let i = 0; i < 10005; i++) console.log(''); return 1;"), { invokeTool: echo, toolNames: [] });
  t.true(past.consoleTruncated);
  t.is(past.console.length, 10001);
  t.regex(past.console.at(-1)?.text ?? "", /more than 10000 entries/);
});
