import test from "ava";
import { ScriptPool, type ToolInvocation } from "../../src/runtime/index.js";
import { artifact, echo } from "../runtime/helpers.js";

const LIMIT = 8 * 1024 * 1024;
const limits = { memoryBytes: LIMIT, timeoutMs: 20_000 };
const pool = new ScriptPool({ workers: 1, vmsPerWorker: 2 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

const run = async (body: string, toolNames: string[] = [], invokeTool = echo) =>
  pool.run(await artifact(body), { invokeTool, toolNames, limits });

test("a memory bomb inside try/catch still ends the run with MemoryLimitError { limitBytes }", async (t) => {
  const r = await run(`
    try { const hoard = []; while (true) hoard.push(new Array(100000).fill(1)); }
    catch (e) { return "escaped: " + String(e); }`);
  t.false(r.ok);
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.deepEqual(r.error?.details, { limitBytes: LIMIT });
});

test("an allocation just under the memory limit succeeds", async (t) => {
  const r = await run(`const b = new ArrayBuffer(${LIMIT - 512 * 1024}); return b.byteLength;`);
  t.true(r.ok, JSON.stringify(r.error));
  t.is(r.value, LIMIT - 512 * 1024);
});

test("a single allocation of exactly the memory limit, caught, fails the run", async (t) => {
  const r = await run(`try { new ArrayBuffer(${LIMIT}); } catch (e) { return "caught"; } return "allocated";`);
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
});

test("a guest that catches out of memory, frees everything and keeps computing is stopped without a host call", async (t) => {
  const r = await run(`
    let hoard = [];
    try { while (true) hoard.push(new Array(100000).fill(1)); } catch (e) { hoard = null; }
    let n = 0;
    for (let i = 0; i < 1e9; i++) n += i;
    return n;`);
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
});

test("a tool call made after a caught out of memory is never invoked", async (t) => {
  const calls: ToolInvocation[] = [];
  const r = await run(
    `let hoard = [];
    try { while (true) hoard.push(new Array(100000).fill(1)); } catch (e) { hoard = null; }
    return await tools.t({ after: "oom" });`,
    ["t"],
    async (call) => {
      calls.push(call);
      return null;
    },
  );
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.is(calls.length, 0);
});

test("out of memory caught inside a promise chain after a tool call still ends the run", async (t) => {
  const r = await run(
    `await tools.t({});
    const tries = await Promise.resolve().then(() => { try { "x".repeat(1 << 20).split(""); const a = []; for (;;) a.push({ a }); } catch (e) { return String(e); } });
    return tries;`,
    ["t"],
  );
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.is(r.toolCalls.length, 1);
});

test("out of memory in regexp execution, caught, fails the run", async (t) => {
  const r = await run(`const s = "a".repeat(5e6); try { /(a|b)*c/.exec(s); } catch (e) { return String(e); } return "matched";`);
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
});

test("console output and a returned value after a caught out of memory do not make the run succeed", async (t) => {
  const events: string[] = [];
  const r = await pool.run(
    await artifact(`try { const a = []; for (;;) a.push(new Array(1e5)); } catch (e) { console.log("survived", String(e)); } return "ok";`),
    { invokeTool: echo, toolNames: [], limits, onEvent: (e) => events.push(e.type) },
  );
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.false(r.ok);
  t.false(events.includes("console"));
});

test("the pool keeps serving after memory-limit runs, and a later run is not blamed for them", async (t) => {
  for (let i = 0; i < 3; i++) {
    const bomb = await run(`try { const a = []; for (;;) a.push(new Array(1e5)); } catch { } return 1;`);
    t.is(bomb.error?.code, "CODY_LIMIT_MEMORY");
    const ok = await run(`const a = []; for (let i = 0; i < 1000; i++) a.push("x".repeat(1000) + i); return a.length;`);
    t.true(ok.ok, JSON.stringify(ok.error));
    t.is(ok.value, 1000);
  }
});

test("a regular expression too big to compile within the limit (a SyntaxError 'out of memory'), caught, fails the run", async (t) => {
  const r = await pool.run(
    await artifact(`try { new RegExp("[\\\\u0100-\\\\uffff]".repeat(2e5), "i"); } catch (e) { return e.name + ": " + e.message; } return "compiled";`),
    { invokeTool: echo, toolNames: [], limits: { memoryBytes: 4 * 1024 * 1024 } },
  );
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.deepEqual(r.error?.details, { limitBytes: 4 * 1024 * 1024 });
});

test("a tool result too big for the VM's memory fails the run with MemoryLimitError even inside try/catch", async (t) => {
  const r = await run(
    `try { const s = await tools.big({}); return s.length; } catch (e) { return "caught: " + String(e); }`,
    ["big"],
    async () => "x".repeat(12 * 1024 * 1024),
  );
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.deepEqual(r.error?.details, { limitBytes: LIMIT });
  const small = await run(`const s = await tools.big({}); return s.length;`, ["big"], async () => "x".repeat(1024 * 1024));
  t.is(small.value, 1024 * 1024);
});
