/**
 * Workers keep recently used bytecode by artifact hash, so a `run` message carries it only when the worker does not
 * hold it: counted by the pool's `bytecodeSent`. An artifact dropped from the byte budget, a replaced worker and a
 * hash reused with other bytes all get the bytes again, and every run still runs its own code.
 */
import test from "ava";
import { InvalidOptionError } from "../../src/errors/index.js";
import type { Artifact } from "../../src/compiler/artifact.js";
import { ScriptPool } from "../../src/runtime/index.js";
import { KeptArtifacts, SentArtifacts } from "../../src/runtime/kept-artifacts.js";
import { artifact, echo } from "./helpers.js";

async function value(pool: ScriptPool, a: Artifact): Promise<unknown> {
  const r = await pool.run(a, { invokeTool: echo, toolNames: [] });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

test("a worker that keeps an artifact is sent only its hash after the first run", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1 });
  t.teardown(() => pool.close());
  const a = await artifact("return 1");
  for (let i = 0; i < 5; i++) t.is(await value(pool, a), 1);
  t.is(pool.metrics().bytecodeSent, 1);
  // The same bytes under the same hash in another object (e.g. read again from SQLite) are not sent again.
  t.is(await value(pool, { ...a, bytecode: Uint8Array.from(a.bytecode) }), 1);
  t.is(pool.metrics().bytecodeSent, 1);
});

test("an artifact exactly at the byte budget is kept; one byte over is sent with every run", async (t) => {
  const a = await artifact("return 'budget'");
  const size = a.bytecode.byteLength;
  for (const [budget, sent] of [
    [size, 1],
    [size - 1, 3],
  ] as const) {
    const pool = new ScriptPool({ workers: 1, maxWorkers: 1, keptArtifactBytes: budget });
    for (let i = 0; i < 3; i++) t.is(await value(pool, a), "budget");
    t.is(pool.metrics().bytecodeSent, sent, `budget ${budget} for ${size} bytes`);
    await pool.close();
  }
});

test("an artifact the worker dropped for another one is sent again, and each run runs its own code", async (t) => {
  const a = await artifact("return 'a'");
  const b = await artifact("return 'b'");
  // Room for one of them only: b evicts a, a evicts b.
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1, keptArtifactBytes: Math.max(a.bytecode.byteLength, b.bytecode.byteLength) });
  t.teardown(() => pool.close());
  t.deepEqual([await value(pool, a), await value(pool, b), await value(pool, a), await value(pool, a)], ["a", "b", "a", "a"]);
  t.is(pool.metrics().bytecodeSent, 3);
});

test("a replaced worker is sent the bytecode again", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1, debugHooks: true });
  t.teardown(() => pool.close());
  const a = await artifact("return 7");
  t.is(await value(pool, a), 7);
  t.is(await value(pool, a), 7);
  const crash = await pool.run(await artifact('__cody_debug("exit"); return 1'), { invokeTool: echo, toolNames: [] });
  t.is(crash.error?.code, "CODY_WORKER_CRASHED");
  t.is(pool.metrics().workerRestarts, 1);
  t.is(await value(pool, a), 7);
  t.is(pool.metrics().bytecodeSent, 3);
});

test("a hash reused with other bytecode runs the new bytecode", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1 });
  t.teardown(() => pool.close());
  const one = await artifact("return 1");
  const two = { ...(await artifact("return 2")), hash: one.hash };
  t.deepEqual([await value(pool, one), await value(pool, two), await value(pool, one)], [1, 2, 1]);
  t.is(pool.metrics().bytecodeSent, 3);
});

test("keptArtifactBytes 0 sends the bytecode with every run; a negative budget is refused", async (t) => {
  const pool = new ScriptPool({ workers: 1, maxWorkers: 1, keptArtifactBytes: 0 });
  t.teardown(() => pool.close());
  const a = await artifact("return 3");
  t.is(await value(pool, a), 3);
  t.is(await value(pool, a), 3);
  t.is(pool.metrics().bytecodeSent, 2);
  t.throws(() => new ScriptPool({ keptArtifactBytes: -1 }), { instanceOf: InvalidOptionError });
});

test("the worker's record follows the pool's: what is evicted is gone, what is kept is found", (t) => {
  const sent = new SentArtifacts(10);
  const kept = new KeptArtifacts();
  const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
  const a = bytes(4, 1);
  const b = bytes(4, 2);
  const c = bytes(4, 3);
  t.is(kept.take(sent.fields("a", a)), a);
  t.is(kept.take(sent.fields("b", b)), b);
  t.deepEqual(sent.fields("a", a), { hash: "a" }, "a is held: only its hash");
  t.is(kept.take({ hash: "a" }), a);
  // c does not fit beside a and b: b, the least recently used, goes.
  const withC = sent.fields("c", c);
  t.deepEqual(withC.evict, ["b"]);
  t.is(kept.take(withC), c);
  t.is(kept.take({ hash: "b" }), undefined);
  t.is(kept.take(sent.fields("a", a)), a);
  t.is(kept.take(sent.fields("c", c)), c);
});
