import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import test from "ava";
import { ScriptPool, type ToolInvocation } from "../../src/runtime/index.js";
import { artifact, echo } from "../runtime/helpers.js";

const pool = new ScriptPool({ workers: 2 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

const value = async (body: string, toolNames: string[] = []): Promise<unknown> => {
  const r = await pool.run(await artifact(body), { invokeTool: echo, toolNames });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

test("eval and Function inside the VM see only the VM: no require, process, module, Buffer or host globals", async (t) => {
  const v = await value(`
    const probe = "[typeof require, typeof process, typeof module, typeof Buffer, typeof globalThis.setTimeout, typeof __cody_host, typeof WebAssembly]";
    return { direct: eval(probe), indirect: (0, eval)(probe), fn: Function("return " + probe)() };`);
  const expected = ["undefined", "undefined", "undefined", "undefined", "undefined", "undefined", "undefined"];
  t.deepEqual(v, { direct: expected, indirect: expected, fn: expected });
});

test("dynamic import() is refused inside the VM", async (t) => {
  const v = await value(`
    try { await import("node:fs"); return "imported"; } catch (e) { return "refused: " + e.name; }`);
  t.regex(String(v), /^refused/);
});

test("(function(){}).constructor('return this')() yields only the VM's own global", async (t) => {
  const v = await value(`
    const g = (function () {}).constructor("return this")();
    const viaAsync = (async function () {}).constructor("return this")();
    return [g === globalThis, typeof g.process, typeof g.tools, Object.getOwnPropertyNames(g).includes("require"), typeof viaAsync];`,
    ["t"],
  );
  t.deepEqual(v, [true, "undefined", "object", false, "object"]);
});

// One worker with one VM: a second run is served by the same (reset) VM, so leftovers from the first would show.
const single = new ScriptPool({ workers: 1, vmsPerWorker: 1 });
test.before(() => single.ready());
test.after.always(() => single.close());

/**
 * Paths inside a host value where a guest could have reached a prototype: an own `__proto__` key (which a later
 * `Object.assign` or spread-merge on the host would turn into a prototype change), or an object whose prototype is
 * not the host's own Object.prototype / Array.prototype.
 */
function prototypeHazards(value: unknown, at = "$"): string[] {
  if (value === null || typeof value !== "object") return [];
  const out: string[] = [];
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== (Array.isArray(value) ? Array.prototype : Object.prototype)) out.push(`${at}: foreign prototype`);
  if (Object.prototype.hasOwnProperty.call(value, "__proto__")) out.push(`${at}.__proto__: own key`);
  for (const key of Object.keys(value)) out.push(...prototypeHazards((value as Record<string, unknown>)[key], `${at}.${key}`));
  return out;
}

test.serial("prototype pollution in one run is not seen by the next run on the same VM", async (t) => {
  const created = single.metrics().vmsCreated;
  const first = await single.run(
    await artifact(`
      Object.prototype.polluted = "yes";
      ({}).__proto__.alsoPolluted = "yes";
      Object.defineProperty(Object.prototype, "x", { value: "defined", enumerable: false, configurable: false, writable: false });
      Array.prototype.polluted = 1;
      Function.prototype.polluted = 1;
      return [({}).polluted, ({}).alsoPolluted, Object.prototype.x, [].polluted];`),
    { invokeTool: echo, toolNames: [] },
  );
  t.deepEqual(first.value, ["yes", "yes", "defined", 1], "the first run really polluted its own realm");
  const second = await single.run(
    await artifact(`
      return [typeof ({}).polluted, typeof ({}).alsoPolluted, typeof Object.prototype.x, "x" in {}, typeof [].polluted,
              typeof (function () {}).polluted, Object.getOwnPropertyNames(Object.prototype).includes("polluted")];`),
    { invokeTool: echo, toolNames: [] },
  );
  t.deepEqual(second.value, ["undefined", "undefined", "undefined", false, "undefined", "undefined", false]);
  t.is(single.metrics().vmsCreated, created, "both runs used the same VM, reset in place");
});

test("a script's result reaches the host as plain host objects: no own __proto__ keys, no foreign prototypes", async (t) => {
  const v = await value(`
    Object.prototype.polluted = "guest";
    const evil = JSON.parse('{"__proto__": {"hostPolluted": true}, "nested": {"__proto__": {"deep": 1}, "ok": 2}, "list": [{"__proto__": {"inList": 1}}]}');
    if (!Object.prototype.hasOwnProperty.call(evil, "__proto__")) throw new Error("the guest's JSON.parse made no own __proto__ key");
    return evil;`);
  t.deepEqual(prototypeHazards(v), []);
  t.deepEqual(v, { nested: { ok: 2 }, list: [{}] });
  // What a host that merges the result would get: a plain object, its prototype untouched.
  const merged = Object.assign({}, v) as Record<string, unknown>;
  t.is(Object.getPrototypeOf(merged), Object.prototype);
  t.is(merged["hostPolluted"], undefined);
});

test("__proto__ keys in tool args are dropped before the handler sees them, at every depth", async (t) => {
  const received: unknown[] = [];
  const r = await pool.run(
    await artifact(`
      const evil = JSON.parse('{"__proto__": {"hostPolluted": true}, "constructor": {"prototype": {"hostPolluted2": true}}, "deep": {"list": [{"__proto__": {"x": 1}, "keep": 1}]}, "ok": 1}');
      const viaLiteral = { ["__proto__"]: { hostPolluted3: true }, ok: 2 };
      await tools.t(evil);
      await tools.t(viaLiteral);
      return 1;`),
    {
      invokeTool: async (call: ToolInvocation) => {
        received.push(call.args);
        return null;
      },
      toolNames: ["t"],
    },
  );
  t.true(r.ok, JSON.stringify(r.error));
  t.is(received.length, 2);
  for (const args of received) t.deepEqual(prototypeHazards(args), []);
  const expected: unknown[] = [{ constructor: { prototype: { hostPolluted2: true } }, deep: { list: [{ keep: 1 }] }, ok: 1 }, { ok: 2 }];
  t.deepEqual(received, expected);
  // A handler that merges its args into a fresh object gets no prototype change.
  for (const args of received) t.is(Object.getPrototypeOf(Object.assign({}, args)), Object.prototype);
});

test("a tool named __proto__ is not installed and cannot reshape the tools object", async (t) => {
  const v = await value("return [Object.getPrototypeOf(tools) === Object.prototype, typeof tools.ok, Object.keys(tools).sort()]", [
    "__proto__",
    "__proto__.x",
    "ok",
  ]);
  t.deepEqual(v, [true, "function", ["ok", "spawn"]]);
});

test("while (true) is stopped at the deadline", async (t) => {
  const r = await pool.run(await artifact("while (true) {}"), { invokeTool: echo, toolNames: [], limits: { timeoutMs: 300 } });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
});

test("a long native call that never checks the interrupt is stopped by replacing its worker", async (t) => {
  const restarts = pool.metrics().workerRestarts;
  const r = await pool.run(await artifact("return new Array(1e9).join('x').length;"), {
    invokeTool: echo,
    toolNames: [],
    limits: { timeoutMs: 300 },
  });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  t.true(pool.metrics().workerRestarts > restarts);
  t.is(await value("return 'served by a fresh worker'"), "served by a fresh worker");
});

test("Atomics, WebAssembly, timers and structuredClone are absent from the VM", async (t) => {
  t.deepEqual(await value("return [typeof Atomics, typeof WebAssembly, typeof setTimeout, typeof structuredClone, typeof fetch]"), [
    "undefined",
    "undefined",
    "undefined",
    "undefined",
    "undefined",
  ]);
});

test("a memory bomb stops at the memory limit", async (t) => {
  const r = await pool.run(await artifact("const hoard = []; while (true) hoard.push(new Array(100000).fill(hoard.length));"), { invokeTool: echo, toolNames: [] });
  t.is(r.error?.code, "CODY_LIMIT_MEMORY");
  t.is(r.error?.details.limitBytes, 16 * 1024 * 1024);
});

test("a tool-call flood stops at 32 calls", async (t) => {
  let invoked = 0;
  const r = await pool.run(await artifact("for (;;) tools.t({});"), {
    invokeTool: async () => {
      invoked++;
      return null;
    },
    toolNames: ["t"],
  });
  t.is(r.error?.code, "CODY_LIMIT_TOOL_CALLS");
  t.is(r.error?.details.limit, 32);
  t.true(invoked <= 32);
  t.true(r.toolCalls.length <= 32);
  const exactly = await pool.run(await artifact("await Promise.all(Array.from({ length: 32 }, () => tools.t({}))); return 'ok';"), {
    invokeTool: async () => null,
    toolNames: ["t"],
    limits: { maxConcurrentToolCalls: 32 },
  });
  t.is(exactly.value, "ok");
});

test("a console flood is capped at maxConsoleBytes with a truncation marker", async (t) => {
  const r = await pool.run(await artifact("for (let i = 0; i < 2000; i++) console.log('x'.repeat(1000)); return 'done';"), {
    invokeTool: echo,
    toolNames: [],
  });
  t.is(r.value, "done");
  t.true(r.consoleTruncated);
  const kept = r.console.slice(0, -1).reduce((n, e) => n + Buffer.byteLength(e.text) + 1, 0);
  t.true(kept <= 1024 * 1024, String(kept));
  t.regex(r.console.at(-1)?.text ?? "", /truncated/);
});

test.serial("the host event loop keeps turning while a guest spins (liveness, not speed)", async (t) => {
  // Event-driven, no wall-clock threshold: once the guest says it is about to spin, the main thread does a chain of
  // timer and I/O turns and must finish them while the run is still spinning. A guest running on the main thread
  // would block them until the run ended.
  const ctl = new AbortController();
  let settled = false;
  let spinning!: () => void;
  const aboutToSpin = new Promise<void>((resolve) => (spinning = resolve));
  const run = pool
    .run(await artifact("console.log('spinning'); while (true) {}"), {
      invokeTool: echo,
      toolNames: [],
      // Far beyond the test: the run ends by our abort, not by its deadline.
      limits: { timeoutMs: 60_000 },
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === "console") spinning();
      },
    })
    .finally(() => (settled = true));
  await aboutToSpin;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
    await readFile(fileURLToPath(import.meta.url));
  }
  t.false(settled, "the main thread's turns completed while the guest was still spinning");
  ctl.abort();
  const r = await run;
  t.is(r.error?.code, "CODY_ABORTED", JSON.stringify(r.error));
});
