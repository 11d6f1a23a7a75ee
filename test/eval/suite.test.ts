/**
 * The shipped workflow suite, deterministic planners, through the real `cody exec` loop: every workflow passes its
 * checker in both modes and both modes end in the same workspace bytes. Runs two `cody exec` processes at a time.
 */
import test from "ava";
import { DEFAULT_WORKFLOWS } from "../../eval/index.js";
import { DEFAULT_LATENCY } from "../../eval/latency.js";
import { plannerHandler } from "../../eval/planner.js";
import { runWorkflow, type RunResult } from "../../eval/run.js";
import { startEvalServer, type EvalServer } from "../../eval/server.js";
import { summarize } from "../../eval/suite.js";
import { loadWorkflows, MODES, type Mode, type Workflow } from "../../eval/workflow.js";

const workflows = await loadWorkflows(DEFAULT_WORKFLOWS);
let server: EvalServer | undefined;
const serverReady = startEvalServer().then((s) => (server = s));
test.after.always(async () => server?.close());

// At most two `cody exec` processes from this file at once (a shared 2-core box).
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const results = new Map<string, Promise<RunResult[]>>();
function runBoth(w: Workflow): Promise<RunResult[]> {
  let p = results.get(w.name);
  if (!p) {
    p = serverReady.then((s) =>
      Promise.all(
        MODES.map((mode: Mode) =>
          slot(() => runWorkflow(w, mode, { server: s, handler: plannerHandler(w.plans?.[mode] as NonNullable<Workflow["plans"]>[Mode]), api: "responses", model: "eval-planner", latency: DEFAULT_LATENCY })),
        ),
      ),
    );
    results.set(w.name, p);
  }
  return p;
}

test("the shipped suite has at least 14 workflows, each with a prompt, checks and both planners", (t) => {
  t.true(workflows.length >= 14, `${workflows.length} workflows`);
  for (const w of workflows) {
    t.truthy(w.prompt, w.name);
    t.truthy(w.plans?.structured && w.plans.script, w.name);
  }
});

for (const w of workflows) {
  test(`${w.name}: both modes pass the checker and end in the same workspace`, async (t) => {
    const [structured, script] = await runBoth(w);
    if (!structured || !script) return t.fail("missing run");
    t.deepEqual(structured.failures, [], "structured");
    t.deepEqual(script.failures, [], "script");
    t.true(structured.pass && script.pass);
    t.is(script.stateDigest, structured.stateDigest, "same end state");
    t.is(script.answer, structured.answer, "same answer");
    // Script mode: one block, then the answer.
    t.is(script.modelCalls, 2);
    t.true(structured.modelCalls >= 2);
    t.true(structured.promptTokens > 0 && script.completionTokens > 0);
  });
}

test("over the suite, scripts make ≥ 60 % fewer model round trips and use ≥ 40 % fewer tokens", async (t) => {
  const runs = (await Promise.all(workflows.map(runBoth))).flat();
  const report = summarize(runs, workflows, DEFAULT_LATENCY);
  t.true(report.roundTripReduction >= 0.6, `round trips −${report.roundTripReduction}`);
  t.true(report.tokenReduction >= 0.4, `tokens −${report.tokenReduction}`);
  t.true(Object.values(report.workflows).every((w) => w.sameEndState));
});
