/**
 * The report's renderers on a summary built from fixed run results: charts are real SVG from Vega-Lite/Vega with a
 * bar per workflow and mode, and the markdown states the totals, which workflows favour structured calls, and that
 * deterministic planners measure protocol cost, not model skill.
 */
import test from "ava";
import { CHARTS, chartRows, renderChart } from "../../eval/charts.js";
import { DEFAULT_LATENCY } from "../../eval/latency.js";
import { renderReport, verdict } from "../../eval/report.js";
import type { RunResult } from "../../eval/run.js";
import { summarize } from "../../eval/suite.js";
import type { Mode, Workflow } from "../../eval/workflow.js";

function run(workflow: string, mode: Mode, modelCalls: number, promptTokens: number): RunResult {
  return {
    workflow,
    mode,
    modelCalls,
    promptTokens,
    completionTokens: 10,
    toolCalls: 3,
    contextBytes: mode === "script" ? 100 : 1000,
    wallMs: 1000 * modelCalls,
    pass: true,
    failures: [],
    answer: "done",
    stateDigest: "d",
    harnessMs: 10,
    modelMs: 990,
    firstCallPromptTokens: promptTokens / modelCalls,
    exitCode: 0,
  };
}

const workflows = [
  { name: "many-reads", dir: "/x", prompt: "p", spec: { description: "d", checks: [{ answer: { contains: ["done"] } }] } },
  { name: "one-read", dir: "/y", prompt: "p", spec: { description: "d", checks: [{ answer: { contains: ["done"] } }], note: "One small file: a native call is cheaper." } },
] satisfies Workflow[];
const report = summarize(
  [run("many-reads", "structured", 10, 20_000), run("many-reads", "script", 2, 6_000), run("one-read", "structured", 2, 2_000), run("one-read", "script", 2, 6_000)],
  workflows,
  DEFAULT_LATENCY,
);

test("totals are reductions over the whole suite", (t) => {
  t.is(report.roundTripReduction, 0.667);
  t.is(report.tokenReduction, Math.round((1 - 12_020 / 22_020) * 1000) / 1000);
  t.like(report.workflows["one-read"], { sameEndState: true });
  t.is(verdict(report.workflows["many-reads"]?.structured as never, report.workflows["many-reads"]?.script as never), "script");
  t.is(verdict(report.workflows["one-read"]?.structured as never, report.workflows["one-read"]?.script as never), "structured");
});

test("charts are SVG rendered by Vega with a bar per workflow and mode", async (t) => {
  t.deepEqual(chartRows(report, "tokens"), [
    { workflow: "many-reads", mode: "structured", value: 20_010 },
    { workflow: "many-reads", mode: "script", value: 6_010 },
    { workflow: "one-read", mode: "structured", value: 2_010 },
    { workflow: "one-read", mode: "script", value: 6_010 },
  ]);
  for (const chart of CHARTS) {
    const svg = await renderChart(report, chart);
    t.true(svg.startsWith("<svg"), chart.file);
    t.regex(svg, /class="marks"/);
    for (const label of ["many-reads", "one-read", "structured", "script", chart.title]) t.true(svg.includes(label), `${chart.file}: ${label}`);
    t.is((svg.match(/role-mark/g) ?? []).length > 0, true);
  }
});

test("the report says what is measured, names the workflows that favour structured calls, and how to get completion rates", (t) => {
  const md = renderReport(report, { workflows, chartDir: "report" });
  t.regex(md, /measure \*\*not a model's skill\*\*/);
  t.regex(md, /Completion rates come only from runs against a real model/);
  t.regex(md, /\*\*None are in this report\*\*/);
  t.regex(md, /npm run -s eval -- --base-url https:\/\/api\.openai\.com\/v1 --model gpt-4\.1 --api responses --repeat 5 --json > model\.json/);
  t.regex(md, /- \*\*one-read\*\*: One small file: a native call is cheaper\./);
  t.regex(md, /\| many-reads \| 10 \/ 2 \| 20,010 \/ 6,010 \|/);
  t.regex(md, /!\[Model round trips per workflow\]\(report\/round-trips\.svg\)/);
  t.regex(md, /\*\*66\.7 % fewer model round trips\*\* \(4 vs 12; goal ≥ 60 %: met\)/);
});

test("a real-model run's pass rates get their own section", (t) => {
  const failing = { ...run("one-read", "script", 3, 9_000), pass: false, failures: ["the answer lacks \"done\""] };
  const model = summarize(
    [run("many-reads", "structured", 10, 20_000), run("many-reads", "script", 2, 6_000), run("one-read", "structured", 2, 2_000), failing],
    workflows,
    DEFAULT_LATENCY,
    { baseUrl: "http://127.0.0.1:1/v1", model: "some-model", api: "chat", repeat: 1 },
  );
  const md = renderReport(report, { workflows, model, chartDir: "report" });
  t.regex(md, /## Completion rates with a real model: some-model \(chat\), 1 run\(s\) per workflow and mode/);
  t.regex(md, /\| one-read \| 100 % \| 0 % \| 2 \/ 3 \|/);
  t.regex(md, /Pass rate: structured 100 %, script 50 %; script vs structured: round trips −58\.3 %/);
  t.notRegex(md, /None are in this report/);
});
