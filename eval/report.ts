/**
 * `npm run report [-- --from eval.json] [-- --model-results model.json] [-- --out DIR]`: runs the deterministic suite
 * (or reads a saved `npm run eval -- --json` output) and writes DIR/report.md (default docs/) with charts in
 * DIR/report/*.svg rendered by Vega-Lite + Vega. A real-model run (`npm run eval -- --base-url … --json`) saved to a
 * file can be added with `--model-results`. A fresh run is saved as DIR/report/results.json, the JSON the report and
 * its charts were rendered from (`--from docs/report/results.json` re-renders without running).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { CHARTS, renderChart } from "./charts.js";
import { DEFAULT_WORKFLOWS } from "./index.js";
import { runSuite, type ModeFigures, type SuiteReport } from "./suite.js";
import { loadWorkflows, type Workflow } from "./workflow.js";

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;
const n = (x: number): string => x.toLocaleString("en-US");
const change = (reduction: number): string => (reduction >= 0 ? `−${pct(reduction)}` : `+${pct(-reduction)}`);
const tokens = (f: ModeFigures): number => f.promptTokens + f.completionTokens;

/** Which mode this workflow favours, in words, from round trips and tokens. */
export function verdict(st: ModeFigures, sc: ModeFigures): "script" | "structured" | "mixed" {
  const fewerCalls = sc.modelCalls < st.modelCalls;
  const fewerTokens = tokens(sc) <= tokens(st);
  if (fewerCalls && fewerTokens) return "script";
  if (!fewerCalls && !fewerTokens) return "structured";
  return "mixed";
}

export interface ReportContext {
  workflows: readonly Workflow[];
  model?: SuiteReport;
  /** Where the SVGs are, relative to the markdown file. */
  chartDir: string;
}

function modelSection(m: SuiteReport | undefined): string[] {
  if (!m) {
    return [
      "## Completion rates with a real model",
      "",
      "**None are in this report**: the machine that generated it has no model endpoint. The deterministic figures above",
      "say what each protocol costs when the model does the right thing; they say nothing about how often a model does.",
      "Completion rates come only from runs against a real model:",
      "",
      "<!-- docs-test: skip — needs a model endpoint -->",
      "```sh",
      "npm run -s eval -- --base-url https://api.openai.com/v1 --model gpt-4.1 --api responses --repeat 5 --json > model.json",
      "npm run report -- --model-results model.json",
      "```",
      "",
      "The key is read from `CODY_API_KEY` or `OPENAI_API_KEY` (or the variable `--api-key-env` names); `--api chat` talks",
      "to Chat Completions servers (vLLM, Ollama, llama.cpp). `--record replies.jsonl` keeps every model reply.",
      "",
    ];
  }
  const lines = [
    `## Completion rates with a real model: ${m.model?.model} (${m.model?.api}), ${m.model?.repeat} run(s) per workflow and mode`,
    "",
    "| workflow | structured pass | script pass | calls (st / sc) | tokens (st / sc) | wall ms (st / sc) |",
    "|---|---|---|---|---|---|",
  ];
  for (const [name, w] of Object.entries(m.workflows)) {
    const st = w.structured;
    const sc = w.script;
    if (!st || !sc) continue;
    lines.push(`| ${name} | ${pct(st.passRate)} | ${pct(sc.passRate)} | ${st.modelCalls} / ${sc.modelCalls} | ${n(tokens(st))} / ${n(tokens(sc))} | ${n(st.wallMs)} / ${n(sc.wallMs)} |`);
  }
  const t = m.totals;
  lines.push(
    "",
    `Pass rate: structured ${pct(t.structured.passed / Math.max(1, t.structured.runs))}, script ${pct(t.script.passed / Math.max(1, t.script.runs))}; ` +
      `script vs structured: round trips ${change(m.roundTripReduction)}, tokens ${change(m.tokenReduction)}.`,
    "",
  );
  return lines;
}

/** The report's markdown. */
export function renderReport(r: SuiteReport, ctx: ReportContext): string {
  const byName = new Map(ctx.workflows.map((w) => [w.name, w]));
  const lat = r.latencyModel;
  const rows: string[] = [];
  const favoursStructured: string[] = [];
  const mixed: string[] = [];
  let fixedScript = 0;
  let fixedStructured = 0;
  for (const [name, w] of Object.entries(r.workflows)) {
    const st = w.structured;
    const sc = w.script;
    if (!st || !sc) continue;
    const v = verdict(st, sc);
    const note = byName.get(name)?.spec.note ?? "";
    if (v === "structured") favoursStructured.push(`- **${name}**: ${note}`);
    if (v === "mixed") mixed.push(`- **${name}**: script ${sc.modelCalls} calls vs ${st.modelCalls}, but ${n(tokens(sc))} tokens vs ${n(tokens(st))}. ${note}`);
    fixedScript = Math.max(fixedScript, sc.firstCallPromptTokens);
    fixedStructured = Math.max(fixedStructured, st.firstCallPromptTokens);
    rows.push(
      `| ${name} | ${st.modelCalls} / ${sc.modelCalls} | ${n(tokens(st))} / ${n(tokens(sc))} | ${st.toolCalls} / ${sc.toolCalls} | ${n(st.contextBytes)} / ${n(sc.contextBytes)} | ${n(st.wallMs)} / ${n(sc.wallMs)} | ${st.pass && sc.pass ? "yes" : "**no**"} | ${w.sameEndState ? "yes" : "**no**"} | ${v} |`,
    );
  }
  const t = r.totals;
  const goal = (ok: boolean): string => (ok ? "met" : "**not met**");
  const env = r.environment;
  const where = env
    ? `on ${env.cores} cores, Node ${env.node} (load average ${env.loadAverage.map((x) => x.toFixed(1)).join(" → ")} while it ran)`
    : "";
  return [
    "# Validation report: scripts vs structured tool calls",
    "",
    `Generated by \`npm run report\` ${where} from [report/results.json](report/results.json). Rerun it to reproduce the`,
    "figures: round trips, tool calls and end states are deterministic; token counts move by a few tokens between runs",
    "(outputs carry measured durations such as `finished in 12 ms`); wall times are partly measured (see *Limits*).",
    "",
    "> **What this measures.** The deterministic planners below play the model perfectly in both modes, so these figures",
    "> are the **cost of each protocol** — model round trips, tokens, tool output in the context, time — for the same work",
    "> done right. They measure **not a model's skill**: whether a real model writes correct scripts more or less often",
    "> than correct function calls. Completion rates come only from runs against a real model (see the last section for",
    "> the command).",
    "",
    "## Results",
    "",
    `Over ${Object.keys(r.workflows).length} workflows, scripts made **${pct(r.roundTripReduction)} fewer model round trips** ` +
      `(${t.script.modelCalls} vs ${t.structured.modelCalls}; goal ≥ 60 %: ${goal(r.roundTripReduction >= 0.6)}) and used ` +
      `**${pct(r.tokenReduction)} fewer context tokens** (${n(t.script.promptTokens + t.script.completionTokens)} vs ` +
      `${n(t.structured.promptTokens + t.structured.completionTokens)}; goal ≥ 40 %: ${goal(r.tokenReduction >= 0.4)}); ` +
      `${pct(r.contextBytesReduction)} less tool output reached the context (${n(t.script.contextBytes)} vs ${n(t.structured.contextBytes)} bytes). ` +
      `Both modes passed every checker (${t.structured.passed}/${t.structured.runs} structured, ${t.script.passed}/${t.script.runs} script) and ended in byte-identical workspaces.`,
    "",
    `Wall time: ${n(Math.round(t.structured.wallMs / 1000))} s structured vs ${n(Math.round(t.script.wallMs / 1000))} s script. Of that, the modelled ` +
      `model time is ${n(Math.round(t.structured.modelMs / 1000))} s vs ${n(Math.round(t.script.modelMs / 1000))} s (round trips and tokens), and the ` +
      `measured harness time ${n(Math.round(t.structured.harnessMs / 1000))} s vs ${n(Math.round(t.script.harnessMs / 1000))} s: script mode pays for ` +
      "type-checking, compiling and running each block in a fresh `cody exec` process, which starts the TypeScript 7 checker " +
      "on its first block, and that time grows with the machine's load (see *Limits*).",
    "",
    "Each cell is *structured / script*. `wall ms` = modelled model time + measured harness time (see *Method*).",
    "",
    "| workflow | model calls | tokens | tool calls | tool output bytes | wall ms | pass | same end state | favours |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    `| **total** | ${t.structured.modelCalls} / ${t.script.modelCalls} | ${n(t.structured.promptTokens + t.structured.completionTokens)} / ${n(t.script.promptTokens + t.script.completionTokens)} | ${t.structured.toolCalls} / ${t.script.toolCalls} | ${n(t.structured.contextBytes)} / ${n(t.script.contextBytes)} | ${n(t.structured.wallMs)} / ${n(t.script.wallMs)} | | | |`,
    "",
    ...CHARTS.map((c) => `![${c.title}](${ctx.chartDir}/${c.file})`),
    "",
    "## Where structured calls are as good or better",
    "",
    `A script-mode call carries a larger fixed prompt: the rules and the tools \`.d.ts\` (${n(fixedScript)} prompt tokens on the first`,
    `call, task included) against a short prompt plus the JSON tool list for native calls (${n(fixedStructured)}). So when a task`,
    "takes one or two native calls with small results, structured calls cost fewer tokens for the same round trips.",
    "",
    ...(favoursStructured.length > 0 ? ["Favour structured calls (no fewer round trips for scripts, more tokens):", "", ...favoursStructured, ""] : []),
    ...(mixed.length > 0 ? ["Mixed (scripts save round trips but not tokens):", "", ...mixed, ""] : []),
    "Agents should keep both: a single native call for one simple action whose whole result is wanted, a script when calls",
    "chain, loop, aggregate, run in parallel or need only part of a result ([scripts-vs-structured.md](scripts-vs-structured.md)).",
    "",
    "## Method",
    "",
    "- **The loop is real.** Every run spawns `cody exec --json` (the shipped CLI) in a fresh fixture workspace with",
    "  `--base-url` pointing at a local OpenAI-compatible server (Responses API, SSE) started by the runner. Scripts are",
    "  type-checked, compiled and run in the QuickJS pool; native calls go through the same dispatcher; approvals are",
    "  `--dangerously-approve-all` and `exec` runs in the bubblewrap sandbox (workspace-write).",
    "- **Two agents, one request shape each.** `cody exec` offers both scripts and native calls; the local server shapes each",
    "  request to one mode before counting it (and before forwarding it, with a real model): *script* drops the native",
    "  tool list and the prompt's paragraph on choosing; *structured* replaces the script prompt (rules and `.d.ts`) with a",
    "  two-sentence native-calling prompt and keeps the JSON tool list. So each mode is charged what such an agent sends.",
    "- **Planners.** Each workflow's `plan.mjs` has two generators. *structured* yields one native call per model turn and",
    "  reads each result back in full from the request (as a function-calling agent does); *script* yields a `<tool-calls>`",
    "  block and reads its returned value. Both compute the final answer from what the loop fed back, not from the fixture.",
    `- **Tokens**: ${r.tokenizer}. Prompt tokens = instructions + JSON tool list + every conversation item (3 framing`,
    "  tokens per item and per request, as in OpenAI's chat-format accounting), counted on every model call, so re-sent",
    "  history is counted each time. Completion tokens = the reply's text (script blocks included) or the calls' names and",
    "  arguments. `tokens` = prompt + completion over the run.",
    "- **Tool calls** = `tool_call` events inside scripts + native `function_call` events. **Tool output bytes** = UTF-8",
    "  bytes of every function-call output in the last request (everything tool results put into the context).",
    `- **Wall time** = Σ per model call (${lat.ttftMs} ms to first token + ${lat.msPerPromptToken} ms per prompt token + ` +
      `${Math.round(lat.msPerCompletionToken * 10) / 10} ms per completion token) + the harness's measured time between`,
    "  a reply and the next request (running scripts and tools, type-checking). Process start-up is not counted.",
    "- **Checker**: the workflow's `checks` on the workspace after the run and on the final answer; a run passes when",
    "  `cody exec` exits 0 with `stopReason: done` and every check holds. Both modes must also leave byte-identical",
    "  workspaces (sha256 over every file outside `.git` and `.cody`).",
    "",
    "### Workflow folders (`--workflows DIR`)",
    "",
    "`npm run eval -- --workflows DIR` runs every sub-folder of `DIR` that holds a `workflow.json`:",
    "",
    "- `task.md` — the prompt, sent as is.",
    "- `workflow.json` — `description`; `fixture` (`\"base\"`, the generated 43-file `ledger-lite` TypeScript project with",
    "  a `package.json`, a changelog and `node --test` tests, or a folder relative to the workflow to copy); `files`",
    "  (path → text written over the fixture, `null` deletes); `git: { after }` (commit the fixture, then apply `after`);",
    "  `mcp: [\"records\"]` (the fixture MCP server, `eval/mcp/records-server.ts`, put in `cody.json`); `config` (more `cody.json` keys,",
    "  e.g. `{ \"mcpIndexThreshold\": 0 }`); `maxTurns`; `note`",
    "  (why one mode suits it); `checks`, each one of `{ file, exists | equals | contains | notContains | json | unchanged }`,",
    "  `{ files: glob, count | startsWith | contains | notContains }`, `{ answer: { contains | inOrder | matches } }`.",
    "- `plan.mjs` — optional; `export function* structured()` and `export function* script()`. Yield",
    "  `{ call: \"readFile\", args: {…} }` or `{ script: \"…ts…\" }`; each `yield` returns `{ ok, value, text }` (the parsed",
    "  result and the exact output text); `return` the final answer. Without it a workflow runs only against a real model.",
    "",
    "## Limits of these measurements",
    "",
    "- **Deterministic planners are perfect.** They never misread a result, never retry, never write a type error, and",
    "  the structured planner never batches calls (one call per turn; some models emit parallel calls, which would narrow",
    "  the round-trip gap). The figures bound the protocol's cost, not an agent's success.",
    "- **The workflows were chosen to cover the common shapes** (search-then-read, edit many files, run and parse, MCP,",
    "  recovery), not sampled from real sessions; the suite totals weigh them equally. The lines-per-folder workflow is",
    "  the structured worst case (27 calls) and moves the totals most.",
    "- **Tokens are counted, not billed.** No prompt caching is modelled: with a provider that caches the repeated prefix,",
    "  re-sent system prompts and history cost less, which narrows the token gap (it does not change round trips).",
    "- **Wall time is a model plus a measurement.** The latency parameters are round figures, printed above; the harness",
    "  part was measured on this machine and includes the first type-check of each `cody exec` process (the TypeScript 7",
    "  checker starting), which a long-lived agent pays once, not per task; on a loaded box it is a large share of script",
    "  mode's time (see *Results* for this run's split).",
    "- **Real-model runs** shape requests the same way and count tokens the same way (the provider's own usage is kept",
    "  beside them as `reportedTokens`); their pass rates depend on the model, the prompt and sampling, so use `--repeat`.",
    "  The shaping removes what a mode should not use but cannot forbid it: a structured-mode model that writes a",
    "  `<tool-calls>` block anyway has it run, as `cody exec` would.",
    "",
    ...modelSection(ctx.model),
    "## Rerun",
    "",
    "<!-- docs-test: skip — runs the whole validation suite (test/eval runs it) -->",
    "```sh",
    "npm run eval                 # table: both modes, every workflow (deterministic, ≈ 30 cody exec processes)",
    "npm run -s eval -- --json    # one JSON object: workflows.<name>.<mode>.{modelCalls, promptTokens, completionTokens, toolCalls, contextBytes, wallMs, pass}, roundTripReduction, tokenReduction",
    "npm run report               # this file and its charts",
    "npm run eval -- --workflows path/to/my-workflows --only my-task",
    "```",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      "model-results": { type: "string" },
      out: { type: "string" },
      workflows: { type: "string" },
      concurrency: { type: "string" },
    },
  });
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const outDir = path.resolve(values.out ?? path.join(root, "docs"));
  const workflows = await loadWorkflows(path.resolve(values.workflows ?? DEFAULT_WORKFLOWS));
  const before = os.loadavg();
  const report = values.from
    ? (JSON.parse(readFileSync(values.from, "utf8")) as SuiteReport)
    : await runSuite(workflows, {
        concurrency: Number(values.concurrency ?? 2),
        onRun: (r) => process.stderr.write(`${r.pass ? "ok  " : "FAIL"} ${r.workflow} (${r.mode})\n`),
      });
  const after = os.loadavg();
  if (!values.from) report.environment = { cores: os.cpus().length, node: process.version, loadAverage: [before[0] ?? 0, after[0] ?? 0] };
  const model = values["model-results"] ? (JSON.parse(readFileSync(values["model-results"], "utf8")) as SuiteReport) : undefined;
  const chartDir = path.join(outDir, "report");
  mkdirSync(chartDir, { recursive: true });
  for (const chart of CHARTS) writeFileSync(path.join(chartDir, chart.file), await renderChart(report, chart));
  const md = renderReport(report, {
    workflows,
    ...(model ? { model } : {}),
    chartDir: "report",
  });
  writeFileSync(path.join(outDir, "report.md"), md);
  if (!values.from) writeFileSync(path.join(chartDir, "results.json"), `${JSON.stringify(report, null, 1)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outDir, "report.md"))} and ${CHARTS.length} charts in ${path.relative(process.cwd(), chartDir)}/\n`);
  if (!report.runs.every((r) => r.pass)) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
