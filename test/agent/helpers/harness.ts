/**
 * Real parts for the loop tests, standing in for the integrator's Harness: the built-in tool registry over a temp
 * workspace and the real ToolDispatcher (validation, approval policy) for both scripts and structured calls; the real
 * TypeChecker for `check` modes; and a small honest ScriptExecutor that evaluates the script body (plain JavaScript,
 * which is valid TypeScript) in a fresh `node:vm` context with `tools` bridged to the dispatcher and `console`
 * captured. It is a stand-in for the QuickJS runtime, not a stub: scripts really run and really call tools.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { generateToolsDts, TypeChecker } from "../../../src/compiler/index.js";
import { AbortedError, serializeError, type SerializedError } from "../../../src/errors/index.js";
import type { ConsoleEntry, RunResult, ToolCallRecord, ToolInvoker } from "../../../src/runtime/contract.js";
import { ToolDispatcher } from "../../../src/tools/dispatch/index.js";
import { createBuiltinRegistry, type ToolDefinition, type ToolRegistry } from "../../../src/tools/index.js";
import type {
  ScriptDiagnostic,
  ScriptExecutor,
  ScriptRunOptions,
  StructuredToolCaller,
  StructuredCallContext,
  StructuredToolInfo,
} from "../../../src/agent/index.js";

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

export interface TestHarness {
  root: string;
  registry: ToolRegistry;
  dispatcher: ToolDispatcher;
  executor: VmExecutor;
  tools: StructuredToolCaller;
  /** The context each structured call received, in order. */
  structuredContexts: (StructuredCallContext | undefined)[];
  toolsDts: string;
  cleanup(): void;
}

export async function createTestHarness(): Promise<TestHarness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cody-agent-"));
  const registry = createBuiltinRegistry();
  registry.register(sleepTool as ToolDefinition);
  registry.register(echoTool as ToolDefinition);
  const dispatcher = new ToolDispatcher({ registry, workspaceRoot: root, policy: { policy: "never", allowTools: ["writeFile"] } });
  const dts = await generateToolsDts(registry.specs());
  const executor = new VmExecutor(registry, dispatcher, dts.text);
  let structured = 0;
  const structuredContexts: (StructuredCallContext | undefined)[] = [];
  const tools: StructuredToolCaller = {
    listTools: (): StructuredToolInfo[] =>
      registry.specs().map((s) => ({ name: s.name, description: s.description, parameters: s.argsSchema })),
    call: (name, args, signal, context) => {
      structuredContexts.push(context);
      return dispatcher.callStructured({ runId: `structured-${++structured}`, callId: `s${structured}`, tool: name, args }, signal);
    },
  };
  return {
    root,
    registry,
    dispatcher,
    executor,
    tools,
    structuredContexts,
    toolsDts: dts.text,
    cleanup: () => {
      executor.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export class VmExecutor implements ScriptExecutor {
  readonly sources: string[] = [];
  /** The turn signal each run received (to check that spawned work is stopped when the turn ends). */
  readonly turnSignals: AbortSignal[] = [];
  readonly #registry: ToolRegistry;
  readonly #dispatcher: ToolDispatcher;
  readonly #dtsText: string;
  #checker: TypeChecker | undefined;
  #runs = 0;

  constructor(registry: ToolRegistry, dispatcher: ToolDispatcher, dtsText: string) {
    this.#registry = registry;
    this.#dispatcher = dispatcher;
    this.#dtsText = dtsText;
  }

  toolNames(): string[] {
    return this.#registry.list().map((t) => t.name);
  }

  async checkScript(source: string, filename: string): Promise<ScriptDiagnostic[]> {
    this.#checker ??= new TypeChecker(this.#dtsText);
    return this.#checker.check([{ filename, source }]);
  }

  close(): void {
    this.#checker?.close();
  }

  async runScript(source: string, opts: ScriptRunOptions): Promise<RunResult> {
    this.sources.push(source);
    this.turnSignals.push(opts.turnSignal);
    const runId = `run_${++this.#runs}`;
    const hash = createHash("sha256").update(source).digest("hex");
    const started = performance.now();
    const consoleEntries: ConsoleEntry[] = [];
    const toolCalls: ToolCallRecord[] = [];
    opts.onEvent?.({ type: "start", runId, hash, cache: "miss" });
    const invoke: ToolInvoker = this.#dispatcher.forRun({ runId, scriptHash: hash, scriptName: opts.filename, scriptApproved: false });
    let calls = 0;
    const callTool = async (tool: string, args: unknown): Promise<unknown> => {
      const id = `c${++calls}`;
      const t0 = performance.now();
      opts.onEvent?.({ type: "tool_call", id, tool, args, detached: false });
      const record = (ok: boolean, outcome: ToolCallRecord["outcome"], error?: SerializedError): void => {
        const ms = Math.round(performance.now() - t0);
        toolCalls.push({ id, tool, ms, ok, outcome, detached: false, ...(error ? { error } : {}) });
        opts.onEvent?.({ type: "tool_result", id, tool, ok, ms, outcome });
      };
      try {
        const value = await invoke({ callId: id, tool, args: JSON.parse(JSON.stringify(args ?? {})), detached: false, signal: opts.signal, pauseClock: () => () => {} });
        record(true, "ok");
        return JSON.parse(JSON.stringify(value ?? null));
      } catch (error) {
        const s = serializeError(error);
        record(false, s.code === "CODY_ABORTED" ? "aborted" : s.code === "CODY_APPROVAL_DENIED" ? "denied" : "error", s);
        const e = new Error(s.message) as Error & { code: string; tool: string };
        e.name = "ToolError";
        e.code = s.code;
        e.tool = tool;
        throw e;
      }
    };
    const toolsObject: Record<string, unknown> = {};
    for (const name of this.toolNames()) {
      const parts = name.split(".");
      let node = toolsObject;
      for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
      node[parts[parts.length - 1] as string] = (args: unknown) => callTool(name, args);
    }
    const log = (level: ConsoleEntry["level"]) => (...args: unknown[]) => {
      const entry: ConsoleEntry = {
        level,
        text: args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "),
        atMs: Math.round(performance.now() - started),
      };
      consoleEntries.push(entry);
      opts.onEvent?.({ type: "console", entry });
    };
    const context = vm.createContext({
      tools: toolsObject,
      console: { log: log("log"), info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") },
    });
    const finish = (r: Pick<RunResult, "ok"> & { value?: unknown; error?: SerializedError }): RunResult => {
      const result: RunResult = {
        runId,
        ok: r.ok,
        console: consoleEntries,
        consoleTruncated: false,
        toolCalls,
        abortedCalls: [],
        durationMs: Math.round(performance.now() - started),
        hash,
        cache: "miss",
        ...(r.ok ? { value: r.value } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
      opts.onEvent?.({ type: "end", result });
      return result;
    };
    let main: () => Promise<unknown>;
    try {
      main = vm.runInContext(`(async () => {\n${source}\n})`, context, { filename: opts.filename }) as () => Promise<unknown>;
    } catch (error) {
      const e = error as Error;
      return finish({ ok: false, error: { name: "ScriptSyntaxError", code: "CODY_SCRIPT_SYNTAX", message: e.message, details: {} } });
    }
    try {
      const aborted = new Promise<never>((_, reject) => {
        if (opts.signal.aborted) reject(new AbortedError("The run was aborted"));
        opts.signal.addEventListener("abort", () => reject(new AbortedError("The run was aborted")), { once: true });
      });
      const value = await Promise.race([main(), aborted]);
      return finish({ ok: true, value: value === undefined ? undefined : JSON.parse(JSON.stringify(value)) });
    } catch (error) {
      if (error instanceof AbortedError) return finish({ ok: false, error: serializeError(error) });
      const e = error as Error;
      // Map the wrapper's extra first line back to the user's line numbers, as the real runtime's source map does.
      const stack = (e.stack ?? "")
        .split("\n")
        .filter((l) => l.includes(opts.filename))
        .map((l) => l.replace(/:(\d+):(\d+)/, (_, line: string, col: string) => `:${Number(line) - 1}:${col}`))
        .join("\n");
      const frame = /:(\d+):(\d+)/.exec(stack);
      return finish({
        ok: false,
        error: {
          name: "ScriptRuntimeError",
          code: "CODY_SCRIPT_RUNTIME",
          message: `${e.name}: ${e.message}`,
          details: { name: e.name, message: e.message },
          ...(frame ? { location: { file: opts.filename, line: Number(frame[1]), column: Number(frame[2]) } } : {}),
          stack: `${e.name}: ${e.message}\n${stack}`,
        },
      });
    }
  }
}
