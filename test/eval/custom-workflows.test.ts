/**
 * `npm run eval -- --workflows DIR` on a user's own folder (own fixture, task, checks and planners), and the checker
 * catching a wrong end state both end to end (the run fails, exit 1) and on its own.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { check } from "../../eval/checker.js";
import { DEFAULT_WORKFLOWS } from "../../eval/index.js";
import { makeFixture } from "../../eval/fixture/materialize.js";
import { loadWorkflow } from "../../eval/workflow.js";
import { tempWorkspace } from "../helpers/workspace.js";

const EVAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../eval/index.js");

function runEval(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EVAL, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A workflow folder that appends `line` to notes.txt (the checker wants "gamma"). */
function notesWorkflow(root: string, name: string, line: string): void {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "fixture"), { recursive: true });
  writeFileSync(path.join(dir, "fixture", "notes.txt"), "alpha\nbeta\n");
  writeFileSync(path.join(dir, "task.md"), "Append the line `gamma` to notes.txt, then say done.\n");
  writeFileSync(
    path.join(dir, "workflow.json"),
    JSON.stringify({
      description: "append a line",
      fixture: "fixture",
      checks: [{ file: "notes.txt", equals: "alpha\nbeta\ngamma\n" }, { answer: { contains: ["done"] } }],
    }),
  );
  writeFileSync(
    path.join(dir, "plan.mjs"),
    `const LINE = ${JSON.stringify(line)};
export function* structured() {
  const f = yield { call: "readFile", args: { path: "notes.txt" } };
  yield { call: "writeFile", args: { path: "notes.txt", content: f.value.content + LINE + "\\n" } };
  return "done";
}
export function* script() {
  yield { script: "const f = await tools.readFile({ path: 'notes.txt' });\\nawait tools.writeFile({ path: 'notes.txt', content: f.content + " + JSON.stringify(LINE) + " + '\\\\n' });\\nreturn 'ok';" };
  return "done";
}
`,
  );
}

interface Report {
  workflows: Record<string, Record<string, { modelCalls: number; pass: boolean; toolCalls: number }>>;
  runs: { workflow: string; mode: string; pass: boolean; failures: string[] }[];
  roundTripReduction: number;
}

function parse(t: ExecutionContext, stdout: string): Report {
  const lines = stdout.trim().split("\n");
  t.is(lines.length, 1, "one JSON object on stdout");
  return JSON.parse(lines[0] ?? "{}") as Report;
}

test("--workflows DIR runs a user's own workflow folder in both modes", async (t) => {
  const root = tempWorkspace(t);
  notesWorkflow(root, "append-line", "gamma");
  const r = await runEval(["--workflows", root, "--json"]);
  t.is(r.code, 0, r.stderr);
  const report = parse(t, r.stdout);
  t.deepEqual(Object.keys(report.workflows), ["append-line"]);
  t.deepEqual(report.workflows["append-line"]?.["structured"], { ...report.workflows["append-line"]?.["structured"], modelCalls: 3, toolCalls: 2, pass: true });
  t.deepEqual(report.workflows["append-line"]?.["script"], { ...report.workflows["append-line"]?.["script"], modelCalls: 2, toolCalls: 2, pass: true });
  t.is(report.roundTripReduction, 0.333);
});

test("a planner that leaves the wrong end state fails its checker, and the run exits 1", async (t) => {
  const root = tempWorkspace(t);
  notesWorkflow(root, "append-line", "gamma");
  notesWorkflow(root, "wrong-line", "delta");
  const r = await runEval(["--workflows", root, "--json"]);
  t.is(r.code, 1, r.stderr);
  const report = parse(t, r.stdout);
  t.true(report.workflows["append-line"]?.["script"]?.pass);
  t.false(report.workflows["wrong-line"]?.["structured"]?.pass);
  t.false(report.workflows["wrong-line"]?.["script"]?.pass);
  for (const run of report.runs.filter((x) => x.workflow === "wrong-line")) t.deepEqual(run.failures, ["notes.txt is not the expected text"]);
});

test("the checker reports each unmet check of a shipped workflow on the untouched fixture", async (t) => {
  const workflow = await loadWorkflow(path.join(DEFAULT_WORKFLOWS, "version-bump"));
  const fixture = makeFixture(workflow);
  t.teardown(() => fixture.remove());
  const verdict = check(workflow.spec.checks, { workspace: fixture.dir, answer: "nothing to do", original: fixture.original });
  t.false(verdict.pass);
  t.deepEqual(verdict.failures, [
    'package.json: version is "1.4.2", expected "1.5.0"',
    "src/version.ts is not the expected text",
    'CHANGELOG.md lacks "# Changelog\\n\\n## 1.5.0 - Unreleased\\n\\n- Version bump.\\n\\n## 1.4.2 - 2026-10-02"',
    'the answer lacks "1.5.0"',
  ]);
});

test("a workflow folder without plan.mjs is refused in deterministic mode, with the reason", async (t) => {
  const root = tempWorkspace(t);
  mkdirSync(path.join(root, "no-plan"));
  writeFileSync(path.join(root, "no-plan", "task.md"), "Say hi.");
  writeFileSync(path.join(root, "no-plan", "workflow.json"), JSON.stringify({ description: "x", checks: [{ answer: { contains: ["hi"] } }] }));
  const r = await runEval(["--workflows", root, "--json"]);
  t.is(r.code, 2);
  t.regex(r.stderr, /no-plan: no plan\.mjs, so it can only run against a model \(--base-url\)/);
});

test("bad options are usage errors (exit 2) that name the option and the value", async (t) => {
  for (const [args, message] of [
    [["--repeat", "0"], /--repeat must be a positive integer, got `0`/],
    [["--concurrency", "1.5"], /--concurrency must be a positive integer, got `1\.5`/],
    [["--api", "grpc"], /--api must be responses or chat, got `grpc`/],
    [["--model", "m"], /--model needs --base-url/],
    [["--workflows", "/nonexistent/eval-workflows"], /No workflow folder at \/nonexistent\/eval-workflows/],
  ] as const) {
    const r = await runEval([...args]);
    t.is(r.code, 2, args.join(" "));
    t.regex(r.stderr, message);
  }
});

test("--api chat drives the deterministic planners over Chat Completions too", async (t) => {
  const root = tempWorkspace(t);
  notesWorkflow(root, "append-line", "gamma");
  const r = await runEval(["--workflows", root, "--api", "chat", "--json"]);
  t.is(r.code, 0, r.stderr);
  t.true(parse(t, r.stdout).runs.every((x) => x.pass));
});
