/** Public surface of runtime/: the worker pool, the turn helper, stack mapping and the worker protocol. */
export { ScriptPool } from "./pool.js";
export { Turn } from "./turn.js";
export { mapStack } from "./stack.js";
export { publicRunEvent, publicRunResult } from "./public.js";
export { parseToMain, parseToWorker } from "./protocol.js";
export { PRELUDE_FILENAME } from "./prelude.js";
export type { PoolMetrics } from "./pool.js";
export type { PoolOptions, PoolRunOptions } from "./options.js";
export type { EngineCacheOptions } from "./engine-cache.js";
export type { MappedStack } from "./stack.js";
export type { ToMain, ToWorker, WorkerLimits, WorkerOutcome } from "./protocol.js";
export type {
  ToolInvocation,
  ToolInvoker,
  ConsoleEntry,
  ToolCallRecord,
  RunEvent,
  RunResult,
} from "./contract.js";
