/**
 * The loop tests' wiring: a real Harness (compiler, artifact cache, QuickJS worker pool with its limits, dispatcher
 * with validation, approval policy and audit) over a temp workspace, plus two test tools. The executor and the
 * structured-call side are thin adapters over it, the same calls `cody exec` makes (src/cli/commands/exec.ts), and
 * they record what the loop asked for so tests can check it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {
  ScriptExecutor,
  ScriptRunOptions,
  StructuredCallContext,
  StructuredToolCaller,
  StructuredToolInfo,
} from "../../../src/agent/index.js";
import { AbortedError } from "../../../src/errors/index.js";
import { createHarness, type Harness } from "../../../src/harness.js";
import type { Limits } from "../../../src/limits.js";
import type { RunResult, ScriptPool } from "../../../src/runtime/index.js";
import { createBuiltinRegistry, type ToolDefinition } from "../../../src/tools/index.js";

/** A read-only tool that waits `ms` (or until aborted): lets tests hold a script or call open. */
export const sleepTool: ToolDefinition<{ ms: number }, { slept: number }> = {
  name: "sleep",
  description: "Wait for ms milliseconds.",
  risk: "read-only",
  argsSchema: { type: "object", properties: { ms: { type: "integer", minimum: 0 } }, required: ["ms"], additionalProperties: false },
  resultSchema: { type: "object", properties: { slept: { type: "integer" } }, required: ["slept"] },
  handler: (args, ctx) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ slept: args.ms }), args.ms);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new AbortedError("sleep aborted"));
      }, { once: true });
    }),
};

/** A dotted (namespaced) read-only tool, to exercise provider name aliasing. */
export const echoTool: ToolDefinition<{ text: string }, { echoed: string }> = {
  name: "mcp.demo.echo",
  description: "Echo text back.",
  risk: "read-only",
  argsSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"], additionalProperties: false },
  resultSchema: { type: "object", properties: { echoed: { type: "string" } }, required: ["echoed"] },
  handler: async (args) => ({ echoed: args.text }),
};

/** The executor the loop drives, recording what it was asked to run. */
export interface RecordingExecutor extends ScriptExecutor {
  readonly sources: string[];
  /** The turn signal each run received. */
  readonly turnSignals: AbortSignal[];
  readonly results: RunResult[];
}

export interface TestHarness {
  root: string;
  harness: Harness;
  executor: RecordingExecutor;
  tools: StructuredToolCaller;
  /** The context each structured call received, in order. */
  structuredContexts: (StructuredCallContext | undefined)[];
  toolsDts: string;
  cleanup(): Promise<void>;
}

export interface TestHarnessOptions {
  /** A pool shared by the file's harnesses (not closed by cleanup). */
  pool: ScriptPool;
  /** More tools beside the built-ins, sleep and mcp.demo.echo. */
  tools?: ToolDefinition[];
  /**
   * Type-check at compile time, as `cody exec` does without `--check`. @default false: most loop tests send plain
   * JavaScript snippets and are about the loop, and `check: "block" | "warn"` tests use the loop's own check.
   */
  typecheck?: boolean;
  /** Run limits over the defaults. */
  limits?: Partial<Limits>;
}

export async function createTestHarness(opts: TestHarnessOptions): Promise<TestHarness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cody-agent-"));
  const registry = createBuiltinRegistry();
  for (const tool of [sleepTool, echoTool, ...(opts.tools ?? [])]) registry.register(tool as ToolDefinition);
  const harness = await createHarness({
    cwd: root,
    dbPath: path.join(root, ".cody", "cache.db"),
    registry,
    policy: { policy: "never", allowTools: ["writeFile"] },
    pool: opts.pool,
    typecheck: opts.typecheck ?? false,
    limits: opts.limits,
  });
  const dts = await harness.toolsDts();
  const sources: string[] = [];
  const turnSignals: AbortSignal[] = [];
  const results: RunResult[] = [];
  const executor: RecordingExecutor = {
    sources,
    turnSignals,
    results,
    toolNames: () => harness.toolNames(),
    checkScript: (source, filename) => harness.check([{ source, filename }]),
    async runScript(source: string, o: ScriptRunOptions): Promise<RunResult> {
      sources.push(source);
      turnSignals.push(o.turnSignal);
      const result = await harness.run({ source, filename: o.filename }, { signal: o.signal, turnSignal: o.turnSignal, onEvent: o.onEvent });
      results.push(result);
      return result;
    },
  };
  const structuredContexts: (StructuredCallContext | undefined)[] = [];
  let structured = 0;
  const tools: StructuredToolCaller = {
    listTools: (): StructuredToolInfo[] =>
      harness.registry.specs().map((s) => ({ name: s.name, description: s.description, parameters: s.argsSchema })),
    call: (name, args, signal, context) => {
      structuredContexts.push(context);
      return harness.callTool(
        context
          ? { runId: `${context.conversationId}:t${context.turn}`, callId: context.callId, tool: name, args }
          : { callId: `f${++structured}`, tool: name, args },
        signal,
      );
    },
  };
  return {
    root,
    harness,
    executor,
    tools,
    structuredContexts,
    toolsDts: dts.text,
    cleanup: async () => {
      await harness.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
