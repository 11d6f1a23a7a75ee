import path from "node:path";
import test from "ava";
import { resolveSettings } from "../../src/config/index.js";
import { InvalidOptionError } from "../../src/errors/index.js";
import { createHarness } from "../../src/harness.js";
import { DEFAULT_LIMITS, normalizeLimits, resolveLimits, tightenLimits } from "../../src/limits.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("resolveSettings puts options over cody.json over the defaults", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": JSON.stringify({ limits: { timeoutMs: 700, maxToolCalls: 3 }, sandbox: "read-only" }) });
  const s = await resolveSettings({ cwd, limits: { timeoutMs: 900 } });
  t.is(s.cwd, cwd);
  t.is(s.configFile, path.join(cwd, "cody.json"));
  t.deepEqual(s.limits, { ...DEFAULT_LIMITS, timeoutMs: 900, maxToolCalls: 3 });
  t.is(s.sandbox.mode, "read-only");
  t.is((await resolveSettings({ cwd, sandbox: { mode: "workspace-write" } })).sandbox.mode, "workspace-write");
});

test("resolveSettings reads CODY_DB only from the environment it is given (the library passes none)", async (t) => {
  const cwd = tempWorkspace(t);
  t.is((await resolveSettings({ cwd, env: { CODY_DB: "elsewhere.db" } })).dbPath, path.join(cwd, "elsewhere.db"));
  t.is((await resolveSettings({ cwd })).dbPath, path.join(cwd, ".cody", "cache.db"));
  t.is((await resolveSettings({ cwd, dbPath: ":memory:", env: { CODY_DB: "elsewhere.db" } })).dbPath, ":memory:");
});

test("resolved limits are frozen and pass through normalizeLimits and resolveLimits as they are", (t) => {
  const resolved = normalizeLimits({ timeoutMs: 100 });
  t.true(Object.isFrozen(resolved));
  t.is(normalizeLimits(resolved), resolved);
  t.is(resolveLimits(DEFAULT_LIMITS as typeof resolved, resolved), resolved);
  t.is(resolveLimits(resolved, undefined), resolved);
  t.deepEqual(resolveLimits(resolved, { maxToolCalls: 2 }), { ...resolved, maxToolCalls: 2 });
  t.throws(() => resolveLimits(resolved, { maxToolCalls: -1 }), { instanceOf: InvalidOptionError, message: /limits\.maxToolCalls/ });
});

test("tightenLimits takes a request's limits at the base's and refuses one past it", (t) => {
  const base = normalizeLimits({ timeoutMs: 3000 });
  t.is(tightenLimits(base, { timeoutMs: 3000 }).timeoutMs, 3000);
  t.is(tightenLimits(base, { timeoutMs: 10 }).timeoutMs, 10);
  t.throws(() => tightenLimits(base, { timeoutMs: 3001 }), { instanceOf: InvalidOptionError, message: /may only lower the server's limit of 3000/ });
});

test("a harness given resolved settings refuses the options they replace, instead of ignoring them", async (t) => {
  const cwd = tempWorkspace(t);
  const settings = await resolveSettings({ cwd, dbPath: ":memory:" });
  await t.throwsAsync(createHarness({ cwd, settings, limits: { timeoutMs: 5 } }), { instanceOf: InvalidOptionError, message: /`limits` cannot be given beside `settings`/ });
  const harness = await createHarness({ cwd, settings, pool: { workers: 1, maxWorkers: 1, vmsPerWorker: 1 } });
  t.teardown(() => harness.close());
  t.is(harness.limits, settings.limits);
});
