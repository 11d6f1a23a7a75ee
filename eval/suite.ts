/**
 * The whole suite: every workflow in both modes, a few at a time, then the totals. Deterministic mode plays each
 * workflow's `plan.mjs`; model mode sends the same workflows to a real endpoint `repeat` times per mode.
 */
import { appendFileSync } from "node:fs";
import { DEFAULT_LATENCY, type LatencyModel } from "./latency.js";
import { plannerHandler } from "./planner.js";
import { upstreamHandler } from "./proxy.js";
import { runWorkflow, type RunFigures, type RunResult } from "./run.js";
import { startEvalServer } from "./server.js";
import { TOKENIZER } from "./tokens.js";
import type { Api } from "./wire.js";
import { MODES, WorkflowError, type Mode, type Workflow } from "./workflow.js";

export interface SuiteOptions {
  /** Run at most this many `cody exec` processes at once. @default 2 */
  concurrency?: number;
  latency?: LatencyModel;
  /** Wire protocol `cody exec` speaks to the local endpoint in deterministic mode. @default "responses" */
  api?: Api;
  /** Real-model mode: the endpoint, model and protocol; absent = deterministic planners. */
  model?: { baseUrl: string; model: string; api: Api; apiKey?: string; repeat: number; record?: string };
  keep?: boolean;
  /** Called after each run (progress lines in the CLI). */
  onRun?: (r: RunResult) => void;
}

type Totals = Omit<RunFigures, "pass"> & { passed: number; runs: number; modelMs: number; harnessMs: number };

/** One workflow in one mode: the figures (means over repeats), the pass rate, and the split of the wall time. */
export type ModeFigures = RunFigures & { passRate: number; runs: number; modelMs: number; harnessMs: number; firstCallPromptTokens: number };

export interface SuiteReport {
  kind: "deterministic" | "model";
  tokenizer: string;
  latencyModel: LatencyModel;
  model?: { baseUrl: string; model: string; api: Api; repeat: number };
  /** Per workflow, per mode: the figures (means over repeats in model mode, with `passRate`). */
  workflows: Record<string, Partial<Record<Mode, ModeFigures>> & { sameEndState: boolean }>;
  totals: Record<Mode, Totals>;
  /** 1 − script/structured model calls over the whole suite. */
  roundTripReduction: number;
  /** 1 − script/structured tokens (prompt + completion) over the whole suite. */
  tokenReduction: number;
  /** 1 − script/structured tool-output bytes that reached the context. */
  contextBytesReduction: number;
  /** Every run, with failures and answers (for the report and for debugging). */
  runs: RunResult[];
  /** Where it ran (set by `npm run report`, which saves this object beside the report). */
  environment?: { cores: number; node: string; loadAverage: number[] };
}

/** Run `jobs` with at most `n` in flight, keeping their order. */
async function limited<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, worker));
  return out;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export async function runSuite(workflows: readonly Workflow[], opts: SuiteOptions = {}): Promise<SuiteReport> {
  const latency = opts.latency ?? DEFAULT_LATENCY;
  const server = await startEvalServer();
  const repeat = opts.model?.repeat ?? 1;
  try {
    const jobs: (() => Promise<RunResult>)[] = [];
    for (const w of workflows) {
      if (!opts.model && !w.plans) throw new WorkflowError(`${w.name}: no plan.mjs, so it can only run against a model (--base-url)`);
      for (let r = 0; r < repeat; r++) {
        for (const mode of MODES) {
          jobs.push(async () => {
            const m = opts.model;
            const handler = m
              ? upstreamHandler({
                  baseUrl: m.baseUrl,
                  model: m.model,
                  ...(m.apiKey !== undefined ? { apiKey: m.apiKey } : {}),
                  ...(m.record ? { onReply: (turn, reply) => appendFileSync(m.record as string, `${JSON.stringify({ workflow: w.name, mode, repeat: r, turn, reply })}\n`) } : {}),
                })
              : plannerHandler((w.plans as Record<Mode, NonNullable<Workflow["plans"]>[Mode]>)[mode]);
            const result = await runWorkflow(w, mode, { server, handler, api: m?.api ?? opts.api ?? "responses", model: m?.model ?? "eval-planner", latency, ...(opts.keep ? { keep: true } : {}) });
            opts.onRun?.(result);
            return result;
          });
        }
      }
    }
    const runs = await limited(jobs, opts.concurrency ?? 2);
    return summarize(runs, workflows, latency, opts.model);
  } finally {
    await server.close();
  }
}

export function summarize(runs: RunResult[], workflows: readonly Workflow[], latency: LatencyModel, model?: SuiteOptions["model"]): SuiteReport {
  const report: SuiteReport["workflows"] = {};
  const totals = {} as Record<Mode, Totals>;
  for (const mode of MODES) totals[mode] = { modelCalls: 0, promptTokens: 0, completionTokens: 0, toolCalls: 0, contextBytes: 0, wallMs: 0, modelMs: 0, harnessMs: 0, passed: 0, runs: 0 };
  for (const w of workflows) {
    const entry: SuiteReport["workflows"][string] = { sameEndState: false };
    for (const mode of MODES) {
      const rs = runs.filter((r) => r.workflow === w.name && r.mode === mode);
      if (rs.length === 0) continue;
      const figures = {
        modelCalls: round(mean(rs.map((r) => r.modelCalls)), 2),
        promptTokens: Math.round(mean(rs.map((r) => r.promptTokens))),
        completionTokens: Math.round(mean(rs.map((r) => r.completionTokens))),
        toolCalls: round(mean(rs.map((r) => r.toolCalls)), 2),
        contextBytes: Math.round(mean(rs.map((r) => r.contextBytes))),
        wallMs: Math.round(mean(rs.map((r) => r.wallMs))),
        pass: rs.every((r) => r.pass),
        passRate: round(rs.filter((r) => r.pass).length / rs.length),
        runs: rs.length,
        modelMs: Math.round(mean(rs.map((r) => r.modelMs))),
        harnessMs: Math.round(mean(rs.map((r) => r.harnessMs))),
        firstCallPromptTokens: Math.round(mean(rs.map((r) => r.firstCallPromptTokens))),
      };
      entry[mode] = figures;
      const t = totals[mode];
      for (const r of rs) {
        t.modelCalls += r.modelCalls;
        t.promptTokens += r.promptTokens;
        t.completionTokens += r.completionTokens;
        t.toolCalls += r.toolCalls;
        t.contextBytes += r.contextBytes;
        t.wallMs += r.wallMs;
        t.modelMs += r.modelMs;
        t.harnessMs += r.harnessMs;
        t.passed += r.pass ? 1 : 0;
        t.runs++;
      }
    }
    const digests = new Set(runs.filter((r) => r.workflow === w.name && r.pass).map((r) => r.stateDigest));
    entry.sameEndState = digests.size === 1 && runs.filter((r) => r.workflow === w.name).every((r) => r.pass);
    report[w.name] = entry;
  }
  const reduction = (s: number, t: number): number => (t === 0 ? 0 : round(1 - s / t));
  const tokens = (m: Mode): number => totals[m].promptTokens + totals[m].completionTokens;
  return {
    kind: model ? "model" : "deterministic",
    tokenizer: TOKENIZER,
    latencyModel: latency,
    ...(model ? { model: { baseUrl: model.baseUrl, model: model.model, api: model.api, repeat: model.repeat } } : {}),
    workflows: report,
    totals,
    roundTripReduction: reduction(totals.script.modelCalls, totals.structured.modelCalls),
    tokenReduction: reduction(tokens("script"), tokens("structured")),
    contextBytesReduction: reduction(totals.script.contextBytes, totals.structured.contextBytes),
    runs,
  };
}
