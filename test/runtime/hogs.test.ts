/**
 * CPU-bound scripts must not stall everyone else: a run that holds its worker gets a worker added beside it. Ordering
 * only (no wall-clock thresholds): the trivial run must end while every hog is still running.
 */
import test from "ava";
import { ScriptPool, type RunResult } from "../../src/runtime/index.js";
import { artifact, echo, gate } from "./helpers.js";

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 10 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Start `n` `while (true) {}` runs (10 s timeout), then one trivial run; report which ended first. */
async function trivialDuringHogs(pool: ScriptPool, n: number): Promise<{ trivial: RunResult; hogsEndedFirst: number; hogs: RunResult[] }> {
  const spin = await artifact("while (true) {}");
  const trivial = await artifact("return await tools.echo({ x: 1 });");
  const stop = new AbortController();
  let hogsEnded = 0;
  const hogs = Array.from({ length: n }, () =>
    pool.run(spin, { invokeTool: echo, toolNames: [], limits: { timeoutMs: 10_000 }, signal: stop.signal }).then((r) => {
      hogsEnded++;
      return r;
    }),
  );
  const result = await pool.run(trivial, { invokeTool: echo, toolNames: ["echo"] });
  const hogsEndedFirst = hogsEnded;
  stop.abort();
  return { trivial: result, hogsEndedFirst, hogs: await Promise.all(hogs) };
}

for (const n of [2, 6]) {
  test(`with the default pool a trivial run completes while ${n} while(true) scripts hold workers`, async (t) => {
    const pool = new ScriptPool();
    try {
      await pool.ready();
      const { trivial, hogsEndedFirst, hogs } = await trivialDuringHogs(pool, n);
      t.true(trivial.ok);
      t.deepEqual(trivial.value, { tool: "echo", args: { x: 1 } });
      t.is(hogsEndedFirst, 0, "no hog ended before the trivial run");
      // The hogs ended because they were aborted, not because they ran out of time.
      t.true(hogs.every((h) => h.error?.code === "CODY_ABORTED"));
    } finally {
      await pool.close();
    }
  });
}

test("a pool with maxWorkers = workers keeps its size: a run queued behind a held worker waits for it", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1, longRunMs: 1 });
  try {
    await pool.ready();
    const g = gate();
    const held = pool.run(await artifact("return await tools.t({});"), { invokeTool: g.invoker, toolNames: ["t"] });
    await g.waitFor(1);
    let queuedEnded = false;
    const queued = pool.run(await artifact("return 2"), { invokeTool: echo, toolNames: [] }).then((r) => {
      queuedEnded = true;
      return r;
    });
    // Give a (wrongly) added worker every chance to start and take the queued run.
    await new Promise((r) => setTimeout(r, 300));
    t.false(queuedEnded);
    t.like(pool.metrics(), { workers: 1, queued: 1 });
    g.release(0, 1);
    t.is((await held).value, 1);
    t.is((await queued).value, 2);
  } finally {
    await pool.close();
  }
});

test("a worker held past longRunMs is counted in metrics and gets a worker added beside it", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 3, longRunMs: 20 });
  try {
    await pool.ready();
    const g = gate();
    const held = pool.run(await artifact("return await tools.t({});"), { invokeTool: g.invoker, toolNames: ["t"] });
    await g.waitFor(1);
    // One base worker, one spare, and one added for the held worker.
    await until(() => pool.metrics().longHeld === 1 && pool.metrics().workers === 3);
    const other = await pool.run(await artifact("return 3"), { invokeTool: echo, toolNames: [] });
    t.is(other.value, 3);
    g.release(0, 1);
    t.is((await held).value, 1);
    t.is(pool.metrics().longHeld, 0);
  } finally {
    await pool.close();
  }
});

test("maxWorkers below workers is refused, naming the option", (t) => {
  const error = t.throws(() => new ScriptPool({ workers: 2, maxWorkers: 1 }));
  t.is((error as { details?: { path?: string } }).details?.path, "maxWorkers");
  t.notThrows(() => void new ScriptPool({ workers: 2, maxWorkers: 2 }).close());
  const longRun = t.throws(() => new ScriptPool({ longRunMs: 0 }));
  t.is((longRun as { details?: { path?: string } }).details?.path, "longRunMs");
  t.notThrows(() => void new ScriptPool({ longRunMs: 1 }).close());
});

// Serial: these block the event loop on purpose, which must not stretch other tests' runs (nor theirs be stretched).
test.serial("a run only waiting for its messages (a blocked event loop) is not long-held, so no worker is added for it", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 3, longRunMs: 100 });
  try {
    await pool.ready();
    // At rest: the base worker and the spare.
    await until(() => pool.metrics().workers === 2);
    const before = pool.metrics().workers;
    let calls = 0;
    const done = pool.run(await artifact("return await tools.t({});"), {
      invokeTool: () => {
        calls++;
        return Promise.resolve(1);
      },
      toolNames: ["t"],
    });
    // Hold the event loop for 2 × longRunMs: meanwhile the worker runs the script up to its call and then idles,
    // waiting for a reply the blocked loop cannot send. The long-held check fires as soon as the loop is free.
    const blockedUntil = performance.now() + 200;
    while (performance.now() < blockedUntil) {
      // busy: the host is slow, the worker is not hogging
    }
    await new Promise((resolve) => setImmediate(resolve));
    t.is(pool.metrics().longHeld, 0);
    t.is((await done).value, 1);
    t.is(calls, 1);
    t.is(pool.metrics().workers, before, "no thread was added");
  } finally {
    await pool.close();
  }
});

test.serial("a run held past 10 × longRunMs counts as long-held even when it was only waiting for its messages", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 3, longRunMs: 20 });
  try {
    await pool.ready();
    const g = gate();
    const done = pool.run(await artifact("return await tools.t({});"), { invokeTool: g.invoker, toolNames: ["t"] });
    // 20 × longRunMs without reading the worker's call: the check that is due when the loop comes back finds no step
    // executing and no call running for longRunMs, so only the cap makes the run long-held. The gate keeps it held.
    const blockedUntil = performance.now() + 400;
    while (performance.now() < blockedUntil) {
      // busy
    }
    await g.waitFor(1);
    // The call may have been read before the timers ran (same poll phase): let the due check run now.
    await new Promise((resolve) => setTimeout(resolve, 0));
    t.is(pool.metrics().longHeld, 1);
    g.release(0, 1);
    t.is((await done).value, 1);
  } finally {
    await pool.close();
  }
});
