import { existsSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { CallbackApprover } from "../../src/approval/index.js";
import { createHarness } from "../../src/harness.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("a run's own approval policy (never) refuses what the harness's (on-request) would ask, keeps its allow rules, and leaves other runs asking", async (t) => {
  const cwd = tempWorkspace(t);
  let asked = 0;
  const harness = await createHarness({
    cwd,
    dbPath: path.join(cwd, "cache.db"),
    policy: { policy: "on-request", allowExec: [["touch"]] },
    approver: new CallbackApprover(() => {
      asked++;
      return "approve";
    }),
    pool: { workers: 1, vmsPerWorker: 1 },
    typecheck: false,
  });
  t.teardown(() => harness.close());
  const write = { source: 'await tools.writeFile({ path: "a.txt", content: "x" });\nreturn 1;' };
  const refused = await harness.run(write, { approvalPolicy: "never" });
  t.false(refused.ok);
  t.regex(refused.error?.message ?? "", /approval policy is `never`/);
  t.is(asked, 0);
  t.false(existsSync(path.join(cwd, "a.txt")));
  const allowed = await harness.run({ source: 'return (await tools.exec({ command: ["touch", "b.txt"] })).exitCode;' }, { approvalPolicy: "never" });
  t.true(allowed.ok, JSON.stringify(allowed.error));
  t.is(allowed.value, 0);
  t.true(existsSync(path.join(cwd, "b.txt")), "--allow-exec touch still applies under the run's never");
  const askedRun = await harness.run(write);
  t.true(askedRun.ok, JSON.stringify(askedRun.error));
  t.is(asked, 1);
});
