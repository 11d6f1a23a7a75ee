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

test("prototype pollution inside the VM does not touch the host's Object.prototype", async (t) => {
  await value(`
    Object.prototype.pollutedByGuest = "yes";
    ({}).__proto__.alsoPolluted = "yes";
    Array.prototype.polluted = 1;
    return 1;`);
  const probe = {} as Record<string, unknown>;
  t.is(probe.pollutedByGuest, undefined);
  t.is(probe.alsoPolluted, undefined);
  t.is(([] as unknown as Record<string, unknown>).polluted, undefined);
});

test("__proto__, constructor and prototype keys in tool args never pollute host objects", async (t) => {
  let received: unknown;
  const naiveMerge = (target: Record<string, unknown>, source: Record<string, unknown>): void => {
    for (const key of Object.keys(source)) {
      const v = source[key];
      if (v && typeof v === "object") {
        if (!target[key] || typeof target[key] !== "object") target[key] = {};
        naiveMerge(target[key] as Record<string, unknown>, v as Record<string, unknown>);
      } else target[key] = v;
    }
  };
  const r = await pool.run(
    await artifact(`
      const evil = JSON.parse('{"__proto__": {"hostPolluted": true}, "constructor": {"prototype": {"hostPolluted2": true}}, "prototype": {"x": 1}, "ok": 1}');
      const viaLiteral = { ["__proto__"]: { hostPolluted3: true } };
      await tools.t(evil);
      await tools.t(viaLiteral);
      return 1;`),
    {
      invokeTool: async (call: ToolInvocation) => {
        received = call.args;
        naiveMerge({}, call.args as Record<string, unknown>);
        Object.assign({}, call.args);
        return null;
      },
      toolNames: ["t"],
    },
  );
  t.true(r.ok, JSON.stringify(r.error));
  const probe = {} as Record<string, unknown>;
  t.is(probe.hostPolluted, undefined);
  t.is(probe.hostPolluted2, undefined);
  t.is(probe.hostPolluted3, undefined);
  t.false(Object.prototype.hasOwnProperty.call(received, "__proto__"));
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

test.serial("the host event loop stays responsive while a guest spins (liveness, not speed)", async (t) => {
  const spin = await artifact("while (true) {}");
  // The machine's own scheduling noise (other processes) is measured first, over a quiet second, and allowed for.
  let baseline = 0;
  let spinning = 0;
  {
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      baseline = Math.max(baseline, now - last - 10);
      last = now;
    }, 10);
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(timer);
  }
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    spinning = Math.max(spinning, now - last - 10);
    last = now;
  }, 10);
  try {
    const r = await pool.run(spin, { invokeTool: echo, toolNames: [], limits: { timeoutMs: 1000 } });
    t.is(r.error?.code, "CODY_LIMIT_TIMEOUT", JSON.stringify(r.error));
  } finally {
    clearInterval(timer);
  }
  t.true(spinning < 200 + baseline, `max event-loop lag ${spinning.toFixed(1)} ms while spinning, ${baseline.toFixed(1)} ms idle`);
});
