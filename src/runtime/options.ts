/** Options of `ScriptPool` and of one `pool.run()`, with their validation. */
import os from "node:os";
import { InvalidOptionError } from "../errors/index.js";
import type { Limits } from "../limits.js";
import type { RunEvent, ToolInvoker } from "./contract.js";
import type { EngineCacheOptions } from "./engine-cache.js";
import { DEFAULT_WORKER_ARTIFACT_BYTES } from "./kept-artifacts.js";

export interface PoolOptions {
  /** Worker threads always kept ready. @default os.availableParallelism() */
  workers?: number;
  /**
   * Upper bound on worker threads. A run that holds its worker longer than `longRunMs` (a CPU-bound loop, a slow tool
   * call) gets a worker added beside it, so other runs are not queued behind it; added workers are retired once idle.
   * Set it to `workers` for a fixed-size pool. @default workers + 8
   */
  maxWorkers?: number;
  /**
   * How long a run may hold its worker (executing, or waiting on one tool call) before the pool adds one for the others;
   * a run only waiting for messages counts after 10 × this. @default 50
   */
  longRunMs?: number;
  /** Ready VMs each worker keeps (created and reset in idle time). @default 2 */
  vmsPerWorker?: number;
  /** Runs waiting for a worker before `run()` refuses with PoolQueueFullError. @default 256 */
  maxQueue?: number;
  /**
   * The pool will serve one run (a CLI process): its VM skips the heap pre-grow and the memory snapshot that make
   * reuse cheap, and no VM is prepared after the first is taken. Further runs still work (each creates a VM).
   * @default false
   */
  singleRun?: boolean;
  /**
   * Cache the instrumented engine `.wasm` here, HMAC-checked with `key` (see engine-cache.ts); without it every process
   * instruments the engine afresh.
   */
  engineCache?: EngineCacheOptions;
  /**
   * Bytes of bytecode each worker keeps between runs (least recently used dropped first), so a run of an artifact the
   * worker already holds sends only its hash. 0 sends the bytecode with every run. @default 4 MiB
   */
  keptArtifactBytes?: number;
  /** Tests only: lets a script call `__cody_debug("trap" | "exit" | "hang")` to provoke failures. @default false */
  debugHooks?: boolean;
  /**
   * Run guests on this thread instead of a worker thread (in-thread.ts), for a process that runs one script: it saves
   * the thread's start. Every limit holds as in a worker, but a computing guest blocks this thread until it yields or
   * is stopped, so nothing else should be served meanwhile. Implies `workers` = `maxWorkers` = 1. @default false
   */
  inThread?: boolean;
}

export interface ResolvedPoolOptions {
  workers: number;
  maxWorkers: number;
  longRunMs: number;
  vmsPerWorker: number;
  maxQueue: number;
  singleRun: boolean;
  engineCache: EngineCacheOptions | undefined;
  debugHooks: boolean;
  inThread: boolean;
  keptArtifactBytes: number;
}

export interface PoolRunOptions {
  /** Host side of every `tools.*` call. */
  invokeTool: ToolInvoker;
  /** Registry names to expose, e.g. `readFile`, `mcp.everything.echo` (→ `tools.mcp.everything.echo`). */
  toolNames: string[];
  limits?: Partial<Limits>;
  /** Aborting it cancels the script and everything it started (AbortedError). */
  signal?: AbortSignal;
  /** Spawned calls (`tools.spawn.*`) run until this aborts; without it they end with the script. */
  turnSignal?: AbortSignal;
  /** Live events: start, console, tool_call, tool_result, end. */
  onEvent?: (event: RunEvent) => void;
  runId?: string;
  /** Echoed in the start event and the result. @default "miss" */
  cache?: "hit" | "miss";
}

/**
 * Workers the pool may add for long-held ones. Each costs a thread and its VMs (≈ 9 MB of RSS, measured), and exists
 * only while some run holds a worker for long (plus an idle grace).
 */
const EXTRA_WORKERS = 8;

function integer(path: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`\`${path}\` must be an integer >= ${min}, got \`${String(value)}\` (${typeof value})`, {
      path,
      value: typeof value === "number" ? value : String(value),
    });
  }
  return value;
}

export function resolvePoolOptions(options: PoolOptions = {}): ResolvedPoolOptions {
  const inThread = options.inThread === true;
  const workers = inThread ? 1 : integer("workers", options.workers, 1, Math.max(1, os.availableParallelism()));
  return {
    workers,
    maxWorkers: inThread ? 1 : integer("maxWorkers", options.maxWorkers, workers, workers + EXTRA_WORKERS),
    longRunMs: integer("longRunMs", options.longRunMs, 1, 50),
    vmsPerWorker: integer("vmsPerWorker", options.vmsPerWorker, 1, 2),
    maxQueue: integer("maxQueue", options.maxQueue, 0, 256),
    singleRun: options.singleRun === true,
    engineCache: options.engineCache,
    debugHooks: options.debugHooks === true,
    inThread,
    // An in-thread runner clones nothing: it gets the bytecode itself every time.
    keptArtifactBytes: inThread ? 0 : integer("keptArtifactBytes", options.keptArtifactBytes, 0, DEFAULT_WORKER_ARTIFACT_BYTES),
  };
}

/** Check the parts of PoolRunOptions the limits normalizer does not cover. */
export function validateRunOptions(opts: PoolRunOptions): void {
  if (typeof opts !== "object" || opts === null) {
    throw new InvalidOptionError(`run options must be an object, got \`${String(opts)}\` (${typeof opts})`, { path: "options" });
  }
  if (typeof opts.invokeTool !== "function") {
    throw new InvalidOptionError(`\`invokeTool\` must be a function, got ${typeof opts.invokeTool}`, { path: "invokeTool" });
  }
  if (!Array.isArray(opts.toolNames) || !opts.toolNames.every((n) => typeof n === "string" && n.length > 0)) {
    throw new InvalidOptionError("`toolNames` must be an array of non-empty strings", { path: "toolNames" });
  }
}
