import test from "ava";
import { ScriptPool } from "../../src/runtime/index.js";
import { artifact, echo } from "./helpers.js";

// One worker with one ready VM: consecutive runs are guaranteed to reuse the same (reset) VM.
const pool = new ScriptPool({ workers: 1, vmsPerWorker: 1 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

const run = async (body: string, toolNames: string[] = []): Promise<unknown> => {
  const r = await pool.run(await artifact(body), { invokeTool: echo, toolNames });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

test.serial("globals, prototypes and built-ins changed by one run are not seen by the next", async (t) => {
  await run(`
    globalThis.leaked = "secret";
    Object.prototype.polluted = true;
    Array.prototype.push = function () { return -1; };
    JSON.stringify = () => "hijacked";
    Promise.prototype.then = function () { throw new Error("hijacked then"); };
    var declared = 1;
    return 1;`);
  const seen = await run(`
    const a = [];
    a.push(1);
    return { leaked: typeof leaked, polluted: ({}).polluted === undefined, push: a.length, declared: typeof declared,
             json: JSON.stringify({ ok: 1 }), then: await Promise.resolve(5) };`);
  t.deepEqual(seen, { leaked: "undefined", polluted: true, push: 1, declared: "undefined", json: '{"ok":1}', then: 5 });
});

test.serial("a run that hijacks intrinsics cannot break its own bridge or result", async (t) => {
  const value = await run(
    `
    JSON.stringify = () => "hijacked";
    JSON.parse = () => "hijacked";
    Promise.prototype.then = function () { throw new Error("nope"); };
    Object.defineProperty(Object.prototype, "resolve", { set() { throw new Error("trap"); } });
    const r = tools.echo({ a: 1 });
    return 42;`,
    ["echo"],
  );
  t.is(value, 42);
});

test.serial("the tools and console globals cannot be replaced by the script", async (t) => {
  const value = await run(
    `
    try { tools = {}; } catch (e) {}
    try { tools.echo = () => 1; } catch (e) {}
    try { console = null; } catch (e) {}
    return [typeof tools.echo, (await tools.echo({ v: 1 })).args.v, typeof console.log];`,
    ["echo"],
  );
  t.deepEqual(value, ["function", 1, "function"]);
});

test.serial("tool names differ per run on the same VM", async (t) => {
  t.deepEqual(await run("return Object.keys(tools).sort()", ["a", "b"]), ["a", "b", "spawn"]);
  t.deepEqual(await run("return Object.keys(tools).sort()", ["c"]), ["c", "spawn"]);
});

test.serial("Math.random differs between runs that start from the same snapshot", async (t) => {
  const a = await run("return [Math.random(), Math.random()]");
  const b = await run("return [Math.random(), Math.random()]");
  t.notDeepEqual(a, b);
  for (const x of [...(a as number[]), ...(b as number[])]) t.true(x >= 0 && x < 1);
});

test.serial("a run that allocates a few hundred KB reuses its VM in place", async (t) => {
  const before = pool.metrics().vmsCreated;
  for (let i = 0; i < 3; i++) await run("globalThis.mid = 'y'.repeat(512 * 1024) + '!'; return mid.length;");
  t.is(await run("return typeof mid"), "undefined");
  t.is(pool.metrics().vmsCreated, before);
});

test.serial("a run that grows VM memory gets a replaced VM and the next run is still isolated", async (t) => {
  const before = pool.metrics().vmsCreated;
  await run("globalThis.big = 'x'.repeat(4 * 1024 * 1024); return big.length;");
  t.is(await run("return typeof big"), "undefined");
  await run("return 1");
  t.true(pool.metrics().vmsCreated > before, "the grown VM was replaced by a new one");
});

test.serial("a run's tool call ids restart at c1", async (t) => {
  const a = await pool.run(await artifact("await tools.echo({}); await tools.echo({}); return 1"), { invokeTool: echo, toolNames: ["echo"] });
  const b = await pool.run(await artifact("await tools.echo({}); return 1"), { invokeTool: echo, toolNames: ["echo"] });
  t.deepEqual(a.toolCalls.map((c) => c.id), ["c1", "c2"]);
  t.deepEqual(b.toolCalls.map((c) => c.id), ["c1"]);
});

test("a singleRun pool serves its run, prepares no VM after it, and runs a later script on a fresh VM", async (t) => {
  const single = new ScriptPool({ workers: 1, maxWorkers: 1, vmsPerWorker: 1, singleRun: true });
  try {
    await single.ready();
    const first = await single.run(await artifact("globalThis.leak = 'first'; return 1;"), { invokeTool: echo, toolNames: [] });
    t.is(first.value, 1);
    t.is(single.metrics().vmsCreated, 1, "no VM prepared for a second run");
    const second = await single.run(await artifact("return typeof globalThis.leak;"), { invokeTool: echo, toolNames: [] });
    t.is(second.value, "undefined");
    t.is(single.metrics().vmsCreated, 2);
  } finally {
    await single.close();
  }
});
