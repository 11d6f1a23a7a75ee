import path from "node:path";
import test from "ava";
import { openScriptChecker } from "../../src/checker.js";
import { resolveSettings } from "../../src/config/index.js";
import { createHarness } from "../../src/harness.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("harness.checkFiles reads each file under the harness's limits, reports unusable ones and checks the rest together", async (t) => {
  const cwd = tempWorkspace(t, {
    "cody.json": JSON.stringify({ limits: { maxSourceBytes: 40 } }),
    "ok.ts": "return 1;\n",
    "bad.ts": "const n: number = 'x';\nreturn n;\n",
    "big.ts": `return ${"1".repeat(40)};\n`,
  });
  const harness = await createHarness({ cwd, dbPath: ":memory:" });
  t.teardown(() => harness.close());
  const names = ["ok.ts", "bad.ts", "big.ts", "gone.ts"];
  const r = await harness.checkFiles(names.map((n) => ({ path: path.join(cwd, n), name: n })));
  t.deepEqual(r.scripts.map((s) => s.filename), ["ok.ts", "bad.ts"]);
  t.deepEqual(r.problems.map((p) => [p.file, p.error.code]), [["big.ts", "CODY_SCRIPT_TOO_LARGE"], ["gone.ts", "CODY_SCRIPT_READ"]]);
  t.deepEqual(r.diagnostics.map((d) => [d.file, d.line, d.code]), [["bad.ts", 1, 2322]]);
});

test("a checker opened without a harness checks against the harness's declarations", async (t) => {
  const cwd = tempWorkspace(t);
  const harness = await createHarness({ cwd, dbPath: ":memory:" });
  t.teardown(() => harness.close());
  const { checker, mcpUnavailable } = await openScriptChecker(await resolveSettings({ cwd, dbPath: ":memory:" }));
  t.teardown(() => checker.close());
  t.deepEqual(mcpUnavailable, []);
  t.is((await checker.toolsDts()).hash, (await harness.toolsDts()).hash);
});
