import test from "ava";
import { CheckTimeoutError } from "../../src/errors/index.js";
import { createHarness, type HarnessOptions } from "../../src/harness.js";
import { nestedArrays } from "../helpers/hostile.js";
import { tempWorkspace } from "../helpers/workspace.js";

const POOL = { workers: 1, vmsPerWorker: 1 };

async function harnessFor(t: Parameters<typeof tempWorkspace>[0], extra: Partial<HarnessOptions> = {}) {
  const cwd = tempWorkspace(t);
  const harness = await createHarness({ cwd, pool: POOL, dbPath: ":memory:", ...extra });
  t.teardown(() => harness.close());
  return harness;
}

test("a hostile script's run ends with CODY_LIMIT_CHECK_TIMEOUT (limits.checkTimeoutMs) and the next run is served", async (t) => {
  const harness = await harnessFor(t, { limits: { checkTimeoutMs: 800 } });
  const result = await harness.run({ source: nestedArrays(250), filename: "deep.ts" });
  t.false(result.ok);
  t.is(result.error?.code, "CODY_LIMIT_CHECK_TIMEOUT");
  t.is(result.error?.details["limit"], 800);
  t.is(result.cache, "miss");
  const next = await harness.run({ source: "return 40 + 2;" });
  t.true(next.ok, JSON.stringify(next.error));
  t.is(next.value, 42);
});

test("harness.check throws CheckTimeoutError for a hostile batch and checks the next one normally", async (t) => {
  const harness = await harnessFor(t, { limits: { checkTimeoutMs: 800 } });
  await t.throwsAsync(harness.check([{ source: nestedArrays(250), filename: "deep.ts" }]), { instanceOf: CheckTimeoutError });
  const diagnostics = await harness.check([{ source: "const s: string = 1;\nreturn s;", filename: "x.ts" }]);
  t.is(diagnostics[0]?.code, 2322);
});

test("64 identical new scripts arriving at once are compiled once", async (t) => {
  const harness = await harnessFor(t);
  const source = "const n: number = 6;\nreturn n * 7;";
  const results = await Promise.all(Array.from({ length: 64 }, () => harness.prepare({ source, filename: "same.ts" })));
  const hashes = new Set(results.map((r) => r.hash));
  t.is(hashes.size, 1);
  t.true(results.every((r) => r.artifact !== undefined && r.cache === "miss"));
  const metrics = harness.metrics();
  t.is(metrics.compiler.compiles, 1, "one compile for 64 requests");
  t.is(metrics.cache.lru.misses, 1, "one cache lookup missed; the other 63 joined the compile in flight");
  t.is(metrics.cache.sqlite.entries, 1);
  // Different scripts are not merged.
  await Promise.all([harness.prepare({ source: "return 1;" }), harness.prepare({ source: "return 2;" })]);
  t.is(harness.metrics().compiler.compiles, 3);
});

test("a cache hit does not touch the compiler worker", async (t) => {
  const harness = await harnessFor(t);
  const first = await harness.run({ source: "return 6 * 7;", filename: "x.ts" });
  t.is(first.cache, "miss");
  const before = harness.metrics().compiler;
  const second = await harness.run({ source: "return 6 * 7;", filename: "x.ts" });
  t.is(second.cache, "hit");
  t.deepEqual(harness.metrics().compiler, before);
});
