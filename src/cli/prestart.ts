/**
 * `cody script run` starts its one-worker pool before the command's modules load, so the worker's start (thread,
 * engine instance, prelude) overlaps the main thread's module loading, database open and cache lookup instead of
 * following them. main.ts starts it; the command takes it (or creates its own when it was not started).
 */
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import type { PoolOptions, ScriptPool } from "../runtime/index.js";

/**
 * One script per process: one VM, not prepared for reuse, on the main thread (a worker thread's start cost more than
 * the rest of the run; runtime/in-thread.ts keeps every limit and Ctrl-C working without one).
 */
export const RUN_POOL: PoolOptions = { workers: 1, maxWorkers: 1, vmsPerWorker: 1, singleRun: true, inThread: true };

let started: Promise<ScriptPool> | undefined;

/** The value of `--name <v>` or `--name=<v>` in argv (the command's own parser has not run yet). */
function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === name) return argv[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/**
 * The engine cache of the database this run will use, resolved from argv the way the harness options are. A wrong
 * guess only costs time: another directory or key means a miss, and the engine is instrumented afresh.
 */
async function engineCache(argv: readonly string[]): Promise<PoolOptions["engineCache"]> {
  try {
    const [{ engineCacheFor }, { resolveDatabasePath }] = await Promise.all([import("../engine-location.js"), import("../store/path.js")]);
    const db = flagValue(argv, "--db");
    const cwd = path.resolve(flagValue(argv, "--cwd") ?? process.cwd());
    const dbPath = db ? path.resolve(db) : resolveDatabasePath({ cwd, env: process.env });
    // The key is not created here: a run refused by its flags must leave no files behind.
    return engineCacheFor(dbPath, { createKey: false });
  } catch {
    return undefined;
  }
}

/**
 * V8 optimises hot WebAssembly functions (TurboFan) in background threads, and a process cannot exit until the jobs
 * in flight finish. For a one-shot run that was a loss twice: optimising the engine's start-up code cost ≈ 230 ms of
 * CPU (one VM 380 → 150 ms CPU without it), and even with a 100× tiering budget the run itself started jobs that
 * held the exit for 80–100 ms (measured: ≈ 10 ms on the baseline tier only). So `script run` keeps the engine on
 * the baseline compiler (Liftoff): a script computing for a few hundred ms also finished sooner; one computing for
 * many seconds runs slower than it would in a server. The flag is process-wide, so only the CLI sets it, for
 * `script run` (which owns its process); servers and in-process pools keep V8's default.
 */
export function useOneShotEngineTiering(): void {
  setFlagsFromString("--liftoff-only");
}

export function prestartRunPool(argv: readonly string[]): void {
  useOneShotEngineTiering();
  started ??= Promise.all([import("../runtime/index.js"), engineCache(argv)]).then(
    ([{ ScriptPool }, cache]) => new ScriptPool(cache ? { ...RUN_POOL, engineCache: cache } : RUN_POOL),
  );
  // A failure to start surfaces where the command awaits the pool.
  started.catch(() => undefined);
}

/** Close the pool if it was started but no command took it (e.g. a flag was refused before the command ran). */
export async function discardRunPool(): Promise<void> {
  const pool = takeRunPool();
  await (await pool?.catch(() => undefined))?.close();
}

/** The pool started by `prestartRunPool` (the caller closes it), or undefined. */
export function takeRunPool(): Promise<ScriptPool> | undefined {
  const pool = started;
  started = undefined;
  return pool;
}
