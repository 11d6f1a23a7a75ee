/**
 * `npm run eval [-- --json] [-- --workflows DIR] [-- --only a,b] [-- --concurrency N] [-- --keep]`: the workflow
 * suite in both modes with deterministic planners (protocol cost). With `--base-url URL --model M [--api
 * responses|chat] [--repeat N] [--api-key-env NAME] [--record FILE]` the same suite runs against a real model.
 * Prints a table, or with `--json` one JSON object. Exit 0 when every run passed, 1 otherwise, 2 on bad usage.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runSuite, type SuiteReport } from "./suite.js";
import type { Api } from "./wire.js";
import { loadWorkflows, MODES } from "./workflow.js";

/** The shipped suite (eval/workflows in the source tree, from dist/eval/). */
export const DEFAULT_WORKFLOWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../eval/workflows");

function usage(message: string): never {
  process.stderr.write(`eval: ${message}\n`);
  process.exit(2);
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer, got \`${v}\``);
  return n;
}

export function table(r: SuiteReport): string {
  const lines = [
    `${r.kind === "model" ? `model ${r.model?.model} (${r.model?.api}) ×${r.model?.repeat}` : "deterministic planners"} · tokenizer ${r.tokenizer} · latency ttft ${r.latencyModel.ttftMs} ms + ${r.latencyModel.msPerPromptToken} ms/prompt token + ${round1(r.latencyModel.msPerCompletionToken)} ms/completion token`,
    "",
    "workflow                 mode        calls  prompt tok  compl tok  tools  ctx bytes   wall ms  pass",
  ];
  for (const [name, w] of Object.entries(r.workflows)) {
    for (const mode of MODES) {
      const f = w[mode];
      if (!f) continue;
      lines.push(
        `${name.padEnd(24)} ${mode.padEnd(10)} ${String(f.modelCalls).padStart(6)} ${String(f.promptTokens).padStart(11)} ${String(f.completionTokens).padStart(10)} ${String(f.toolCalls).padStart(6)} ${String(f.contextBytes).padStart(10)} ${String(f.wallMs).padStart(9)}  ${r.kind === "model" ? `${Math.round(f.passRate * 100)} %` : f.pass ? "yes" : "NO"}`,
      );
    }
  }
  lines.push("", `script vs structured: round trips ${change(r.roundTripReduction)}, tokens ${change(r.tokenReduction)}, tool output in context ${change(r.contextBytesReduction)}`);
  for (const run of r.runs) if (!run.pass) lines.push(`FAILED ${run.workflow} (${run.mode}): ${run.failures.join("; ")}`);
  return lines.join("\n");
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;
/** A reduction as a signed change: 0.25 → "−25 %", −0.5 → "+50 %". */
const change = (reduction: number): string => (reduction >= 0 ? `−${pct(reduction)}` : `+${pct(-reduction)}`);
const round1 = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      workflows: { type: "string" },
      only: { type: "string" },
      concurrency: { type: "string" },
      keep: { type: "boolean", default: false },
      "base-url": { type: "string" },
      model: { type: "string" },
      api: { type: "string" },
      repeat: { type: "string" },
      "api-key-env": { type: "string" },
      record: { type: "string" },
    },
  });
  const api = (values.api ?? "responses") as Api;
  if (api !== "responses" && api !== "chat") usage(`--api must be responses or chat, got \`${values.api}\``);
  if (values.model !== undefined && values["base-url"] === undefined) usage("--model needs --base-url (the model's endpoint)");
  const concurrency = positive("concurrency", values.concurrency, 2);
  const repeat = positive("repeat", values.repeat, 1);
  const dir = path.resolve(values.workflows ?? DEFAULT_WORKFLOWS);
  const workflows = await loadWorkflows(dir, values.only?.split(","));
  const keyEnv = values["api-key-env"] ?? (process.env["CODY_API_KEY"] ? "CODY_API_KEY" : "OPENAI_API_KEY");
  const apiKey = process.env[keyEnv];
  const report = await runSuite(workflows, {
    concurrency,
    api,
    ...(values.keep ? { keep: true } : {}),
    ...(values["base-url"] !== undefined
      ? {
          model: {
            baseUrl: values["base-url"],
            model: values.model ?? "gpt-4.1",
            api,
            repeat,
            ...(apiKey ? { apiKey } : {}),
            ...(values.record !== undefined ? { record: path.resolve(values.record) } : {}),
          },
        }
      : {}),
    ...(values.json ? {} : { onRun: (r) => process.stderr.write(`${r.pass ? "ok  " : "FAIL"} ${r.workflow} (${r.mode}) ${r.modelCalls} calls\n`) }),
  });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${table(report)}\n`);
  process.exitCode = report.runs.every((r) => r.pass) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`eval: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
