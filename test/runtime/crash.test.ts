import test from "ava";
import { ScriptPool } from "../../src/runtime/index.js";
import { artifact, echo, gate } from "./helpers.js";

// debugHooks lets a script call __cody_debug("trap" | "exit" | "hang") to provoke real failures.
const pool = new ScriptPool({ workers: 2, debugHooks: true });
test.before(() => pool.ready());
test.after.always(() => pool.close());

test.serial("a WASM trap fails only its run with VmCrashedError; the VM is discarded and the worker stays healthy", async (t) => {
  const r = await pool.run(await artifact("__cody_debug('trap'); return [1, 2, 3].map((x) => x * 2);"), {
    invokeTool: echo,
    toolNames: [],
  });
  t.is(r.error?.code, "CODY_VM_CRASHED");
  const restartsBefore = pool.metrics().workerRestarts;
  for (let i = 0; i < 4; i++) {
    const ok = await pool.run(await artifact("return 'ok'"), { invokeTool: echo, toolNames: [] });
    t.is(ok.value, "ok");
  }
  t.is(pool.metrics().workerRestarts, restartsBefore);
});

test.serial("a dying worker fails only its own run with WorkerCrashedError; other runs continue and the worker is replaced", async (t) => {
  const g = gate();
  const survivor = pool.run(await artifact("return await tools.t({});"), { invokeTool: g.invoker, toolNames: ["t"] });
  await g.waitFor(1);
  const crashed = await pool.run(await artifact("__cody_debug('exit'); return 1;"), { invokeTool: echo, toolNames: [] });
  t.is(crashed.error?.code, "CODY_WORKER_CRASHED");
  g.release(0, "still here");
  t.is((await survivor).value, "still here");
  t.true(pool.metrics().workerRestarts >= 1);
  await pool.ready();
  const results = await Promise.all(
    [1, 2, 3, 4].map(async (i) => (await pool.run(await artifact(`return ${i}`), { invokeTool: echo, toolNames: [] })).value),
  );
  t.deepEqual(results, [1, 2, 3, 4]);
});

test.serial("a worker that ignores the interrupt is terminated after the grace period; the run still reports its timeout", async (t) => {
  const r = await pool.run(await artifact("__cody_debug('hang');"), { invokeTool: echo, toolNames: [], limits: { timeoutMs: 100 } });
  t.is(r.error?.code, "CODY_LIMIT_TIMEOUT");
  const next = await pool.run(await artifact("return 'next'"), { invokeTool: echo, toolNames: [] });
  t.is(next.value, "next");
});

test.serial("without debugHooks the debug function does not exist", async (t) => {
  const plain = new ScriptPool({ workers: 1 });
  await plain.ready();
  try {
    const r = await plain.run(await artifact("return typeof __cody_debug"), { invokeTool: echo, toolNames: [] });
    t.is(r.value, "undefined");
  } finally {
    await plain.close();
  }
});
