/**
 * The library never reads the caller's environment for state: with `CODY_DB` set in this (test) process, a harness
 * created without `dbPath` still uses `<cwd>/.cody/cache.db`, and the file `CODY_DB` names is never touched. Only the
 * CLI maps `CODY_DB` to a path (test/cli/cache.test.ts covers that side).
 *
 * This file sets process.env.CODY_DB, so it lives alone: ava runs each file in its own process.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { createHarness } from "../../src/harness.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("createHarness ignores CODY_DB in the environment and keeps its database under <cwd>/.cody", async (t) => {
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), "cody-env-db-"));
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  const callersDb = path.join(elsewhere, "users-own.db");
  const before = process.env["CODY_DB"];
  process.env["CODY_DB"] = callersDb;
  t.teardown(() => {
    if (before === undefined) delete process.env["CODY_DB"];
    else process.env["CODY_DB"] = before;
  });

  const cwd = tempWorkspace(t, { "a.txt": "hello\n" });
  const harness = await createHarness({ cwd, pool: { workers: 1, vmsPerWorker: 1 } });
  t.teardown(() => harness.close());
  // A run writes the cache row and the audit rows: all of it must land in the workspace's own file.
  const result = await harness.run({ source: 'return (await tools.readFile({ path: "a.txt" })).content;' });
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.value, "hello\n");
  harness.audit.flush();

  t.is(harness.db.name, path.join(cwd, ".cody", "cache.db"));
  t.false(existsSync(callersDb), "the database CODY_DB names was created");
  const runs = harness.db.prepare("SELECT count(*) AS n FROM audit_runs WHERE run_id = ? AND outcome = 'ok'").get(result.runId) as { n: number };
  t.is(runs.n, 1);
});
