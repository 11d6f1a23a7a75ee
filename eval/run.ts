/**
 * One workflow in one mode: build the fixture, open a session on the eval server, run the real `cody exec --json`
 * against it, then check the end state and turn the session's records into the figures of the report.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { check, listFiles } from "./checker.js";
import { makeFixture } from "./fixture/materialize.js";
import { modelledWallMs, type LatencyModel } from "./latency.js";
import type { EvalServer, TurnHandler } from "./server.js";
import type { Api } from "./wire.js";
import type { Mode, Workflow } from "./workflow.js";

/** bin/cody.js, from dist/eval/. */
export const CODY_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/cody.js");

/** The figures of one run (the JSON output's per-workflow, per-mode object). */
export interface RunFigures {
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  toolCalls: number;
  contextBytes: number;
  /** Modelled model latency plus the harness's measured time between model calls. */
  wallMs: number;
  pass: boolean;
}

export interface RunResult extends RunFigures {
  workflow: string;
  mode: Mode;
  /** What the checker found wrong (empty when it passed), or why the run itself failed. */
  failures: string[];
  answer: string;
  /** sha256 of every workspace file (path and bytes) after the run: equal digests = the same end state. */
  stateDigest: string;
  /** The harness's own time between model calls (measured). */
  harnessMs: number;
  /** The modelled model time (latency model over the counted tokens). */
  modelMs: number;
  /** Prompt tokens of the first call: the fixed cost of the mode (system prompt, tool list) plus the task. */
  firstCallPromptTokens: number;
  /** Usage the provider reported (real-model mode only). */
  reportedTokens?: { input: number; output: number };
  exitCode: number | null;
}

export interface RunOptions {
  server: EvalServer;
  handler: TurnHandler;
  api: Api;
  model: string;
  latency: LatencyModel;
  /** Keep the fixture folder (its path is printed by the CLI). */
  keep?: boolean;
}

interface ExecOutcome {
  code: number | null;
  events: Record<string, unknown>[];
  stderr: string;
  timedOut: boolean;
}

/** A run that takes longer than this is killed and fails (a hung loop must not hang the suite or CI). */
export const RUN_TIMEOUT_MS = 300_000;

function runExec(args: string[]): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    // The session URL is the only endpoint; nothing from the caller's provider settings may leak in.
    for (const k of ["OPENAI_API_KEY", "CODY_API_KEY", "OPENAI_BASE_URL", "CODY_BASE_URL", "CODY_MODEL", "CODY_API", "CODY_DB"]) delete env[k];
    const child = spawn(process.execPath, [CODY_BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, RUN_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const events = stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return []; // a line cut by a killed process
          }
        });
      resolve({ code, events, stderr, timedOut });
    });
  });
}

function digest(dir: string): string {
  const hash = createHash("sha256");
  for (const f of listFiles(dir)) hash.update(`${f}\0`).update(readFileSync(path.join(dir, f))).update("\0");
  return hash.digest("hex");
}

export async function runWorkflow(workflow: Workflow, mode: Mode, opts: RunOptions): Promise<RunResult> {
  const fixture = makeFixture(workflow);
  const session = opts.server.open(mode, opts.handler);
  try {
    const out = await runExec([
      "exec",
      workflow.prompt,
      "--json",
      "--base-url",
      session.baseUrl,
      "--model",
      opts.model,
      "--api",
      opts.api,
      "--cwd",
      fixture.dir,
      "--db",
      path.join(fixture.dir, ".cody", "eval.db"),
      "--dangerously-approve-all",
      "--max-turns",
      String(workflow.spec.maxTurns ?? 40),
    ]);
    const final = out.events.find((e) => e["type"] === "final");
    const answer = typeof final?.["text"] === "string" ? final["text"] : "";
    const toolCalls = out.events.filter((e) => e["type"] === "tool_call" || e["type"] === "function_call").length;
    const verdict = check(workflow.spec.checks, { workspace: fixture.dir, answer, original: fixture.original });
    const failures = [...session.stats.errors.map((e) => `model endpoint: ${e}`), ...verdict.failures];
    if (out.timedOut) failures.unshift(`killed after ${RUN_TIMEOUT_MS / 1000} s`);
    else if (out.code !== 0) failures.unshift(`cody exec exited ${out.code}: ${out.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    if (final?.["stopReason"] !== undefined && final["stopReason"] !== "done") failures.unshift(`stopped: ${String(final["stopReason"])}`);
    const calls = session.stats.calls;
    const harnessMs = calls.reduce((n, c) => n + c.harnessGapMs, 0);
    const reported = calls.filter((c) => c.reportedUsage);
    const modelMs = modelledWallMs(calls, opts.latency);
    return {
      workflow: workflow.name,
      mode,
      modelCalls: calls.length,
      promptTokens: calls.reduce((n, c) => n + c.promptTokens, 0),
      completionTokens: calls.reduce((n, c) => n + c.completionTokens, 0),
      toolCalls,
      contextBytes: session.stats.contextBytes,
      wallMs: Math.round(modelMs + harnessMs),
      pass: failures.length === 0,
      failures,
      answer,
      stateDigest: digest(fixture.dir),
      harnessMs: Math.round(harnessMs),
      modelMs: Math.round(modelMs),
      firstCallPromptTokens: calls[0]?.promptTokens ?? 0,
      ...(reported.length > 0
        ? { reportedTokens: { input: reported.reduce((n, c) => n + (c.reportedUsage?.input ?? 0), 0), output: reported.reduce((n, c) => n + (c.reportedUsage?.output ?? 0), 0) } }
        : {}),
      exitCode: out.code,
    };
  } finally {
    session.close();
    if (!opts.keep) fixture.remove();
  }
}
