/**
 * `cody script run` starts its one-worker pool before the command's modules load, so the worker's start (thread,
 * engine instance, prelude) overlaps the main thread's module loading, database open and cache lookup instead of
 * following them. main.ts starts it; the command takes it (or creates its own when it was not started).
 */
import type { PoolOptions, ScriptPool } from "../runtime/index.js";

/** One script per process: one worker, one VM, not prepared for reuse, never grown. */
export const RUN_POOL: PoolOptions = { workers: 1, maxWorkers: 1, vmsPerWorker: 1, singleRun: true };

let started: Promise<ScriptPool> | undefined;

export function prestartRunPool(): void {
  started ??= import("../runtime/index.js").then(({ ScriptPool }) => new ScriptPool(RUN_POOL));
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
