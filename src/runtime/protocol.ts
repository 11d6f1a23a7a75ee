/**
 * Messages between the main thread (pool) and a worker, as one discriminated union per direction. Every message a
 * side receives goes through `parseToMain` / `parseToWorker`: the only place inbound data is checked.
 *
 * A run costs four messages on the hot path: `run` → `tool_call` → `tool_result` → `done` (plus one round trip per
 * further tool call). A `run` carries the artifact's bytecode only when the worker does not keep it already
 * (kept-artifacts.ts). Payloads that came from the guest (arguments, results, errors) travel as JSON text, so no
 * object graph is structured-cloned and nothing but strings ever enters or leaves the VM.
 */
import type { SerializedError } from "../errors/index.js";

/** The limits a worker enforces itself (the wall clock and concurrency are the main thread's). */
export interface WorkerLimits {
  memoryBytes: number;
  maxStackBytes: number;
  maxToolCalls: number;
  maxConsoleBytes: number;
  maxResultBytes: number;
}

/** Data handed to a new worker through `workerData`. */
export interface WorkerInit {
  /**
   * The quickjs-wasi engine, compiled once in the main thread; absent for a worker started while it was still being
   * compiled (the first workers are, so thread start and engine compile overlap), which receives an `engine` message.
   */
  wasm?: WebAssembly.Module;
  /**
   * Int32Array view target: slot 0 is the interrupt flag the main thread raises to stop the guest; slot 1 says since
   * when the worker has been executing guest code (`stepClock()`), 0 while it is not (see ScriptPool's long-held check).
   */
  interrupt: SharedArrayBuffer;
  /** Ready VMs to keep. */
  vms: number;
  /** One run expected (a CLI process): VMs are not snapshotted, and none is prepared after the first is taken. */
  singleRun: boolean;
  /** Enables `__cody_debug(op)` in the guest (tests only: provoke traps and crashes). */
  debugHooks: boolean;
}

/** Which artifact a `run` runs, and what the worker keeps of it (kept-artifacts.ts). */
export interface RunArtifact {
  hash: string;
  /** Absent when the worker keeps this hash's bytecode from an earlier run. */
  bytecode?: Uint8Array;
  /** Keep `bytecode` under `hash` for later runs. */
  keep?: boolean;
  /** Hashes to drop first (the pool's byte budget for what a worker keeps). */
  evict?: string[];
}

/** Main → worker. */
export type ToWorker =
  | (RunArtifact & {
      type: "run";
      runId: string;
      /** The tool names as a JSON array: the form the prelude's `setup` takes (one string clones cheaper too). */
      toolsJson: string;
      limits: WorkerLimits;
    })
  | {
      type: "tool_result";
      runId: string;
      callId: string;
      ok: boolean;
      /** ok: the value as JSON text ("" for undefined); not ok: a SerializedError as JSON text. */
      json: string;
    }
  /** Stop the run now (timeout, abort, limit decided on the main thread). The worker answers with `done`. */
  | { type: "cancel"; runId: string }
  /** The engine, for a worker started without it (sent once, before any run). */
  | { type: "engine"; wasm: WebAssembly.Module };

/** How a run ended, as seen by the worker. */
export type WorkerOutcome =
  | { ok: true; /** The return value as JSON text, or "" for undefined. */ json: string }
  | { ok: false; error: SerializedError; /** The worker stopped because the main thread asked it to. */ cancelled?: boolean };

/** Worker → main. */
export type ToMain =
  | { type: "ready"; vmsCreated: number; vmsDisposed: number }
  | { type: "tool_call"; runId: string; callId: string; tool: string; argsJson: string; detached: boolean }
  | { type: "console"; runId: string; level: ConsoleLevel; text: string; atMs: number }
  | {
      type: "done";
      runId: string;
      outcome: WorkerOutcome;
      consoleTruncated: boolean;
      vmsCreated: number;
      vmsDisposed: number;
    };

export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

const LEVELS: ReadonlySet<string> = new Set(["log", "info", "warn", "error", "debug"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    isObject(value) &&
    typeof value.name === "string" &&
    typeof value.code === "string" &&
    typeof value.message === "string" &&
    isObject(value.details)
  );
}

/** Milliseconds on a clock both threads share (wall time, 31 bits, never 0): what slot 1 of the flags holds. */
export function stepClock(): number {
  return (Date.now() & 0x7fffffff) || 1;
}

/** Check a message from a worker. Returns undefined when it is malformed (the pool then treats the worker as broken). */
export function parseToMain(data: unknown): ToMain | undefined {
  if (!isObject(data)) return undefined;
  switch (data.type) {
    case "ready":
      return typeof data.vmsCreated === "number" && typeof data.vmsDisposed === "number" ? (data as ToMain) : undefined;
    case "tool_call":
      return typeof data.runId === "string" &&
        typeof data.callId === "string" &&
        typeof data.tool === "string" &&
        typeof data.argsJson === "string" &&
        typeof data.detached === "boolean"
        ? (data as ToMain)
        : undefined;
    case "console":
      return typeof data.runId === "string" &&
        typeof data.level === "string" &&
        LEVELS.has(data.level) &&
        typeof data.text === "string" &&
        typeof data.atMs === "number"
        ? (data as ToMain)
        : undefined;
    case "done": {
      const outcome = data.outcome;
      if (typeof data.runId !== "string" || !isObject(outcome) || typeof data.consoleTruncated !== "boolean") return undefined;
      if (typeof data.vmsCreated !== "number" || typeof data.vmsDisposed !== "number") return undefined;
      if (outcome.ok === true && typeof outcome.json === "string") return data as ToMain;
      if (outcome.ok === false && isSerializedError(outcome.error)) return data as ToMain;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Check a message from the main thread. Returns undefined when it is malformed (the worker ignores it). */
/** Node's WebAssembly.Module class (the project's lib is ES2023 only, which types the namespace but not the value). */
const wasmModule = (globalThis as unknown as { WebAssembly: { Module: abstract new (...args: never[]) => WebAssembly.Module } })
  .WebAssembly.Module;

export function parseToWorker(data: unknown): ToWorker | undefined {
  if (!isObject(data)) return undefined;
  switch (data.type) {
    case "run": {
      const limits = data.limits;
      if (typeof data.runId !== "string" || typeof data.hash !== "string" || typeof data.toolsJson !== "string") return undefined;
      if (data.bytecode !== undefined && !(data.bytecode instanceof Uint8Array)) return undefined;
      if (data.keep !== undefined && typeof data.keep !== "boolean") return undefined;
      if (data.evict !== undefined && !(Array.isArray(data.evict) && data.evict.every((h) => typeof h === "string"))) return undefined;
      if (!isObject(limits)) return undefined;
      for (const key of ["memoryBytes", "maxStackBytes", "maxToolCalls", "maxConsoleBytes", "maxResultBytes"]) {
        if (typeof limits[key] !== "number") return undefined;
      }
      return data as ToWorker;
    }
    case "engine":
      return data.wasm instanceof wasmModule ? (data as ToWorker) : undefined;
    case "tool_result":
      return typeof data.runId === "string" &&
        typeof data.callId === "string" &&
        typeof data.ok === "boolean" &&
        typeof data.json === "string"
        ? (data as ToWorker)
        : undefined;
    case "cancel":
      return typeof data.runId === "string" ? (data as ToWorker) : undefined;
    default:
      return undefined;
  }
}
