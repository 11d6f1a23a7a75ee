/**
 * Every run limit, declared once with its default. `normalizeLimits` is the only place options are resolved and
 * validated; an invalid value names its path and the value received.
 */
import { InvalidOptionError } from "./errors/index.js";

export interface Limits {
  /** Maximum script source size in bytes (UTF-8). @default 20480 */
  maxSourceBytes: number;
  /** Wall-clock limit for one run in milliseconds; time waiting for a person to approve is not counted. @default 5000 */
  timeoutMs: number;
  /** Memory limit per QuickJS VM in bytes. @default 16777216 (16 MB) */
  memoryBytes: number;
  /** Maximum tool calls one run may start (including spawned ones). @default 32 */
  maxToolCalls: number;
  /** Maximum tool calls in flight at once; further calls wait their turn, in order. @default 4 */
  maxConcurrentToolCalls: number;
  /** Console output kept per run in bytes; past it output is truncated with a marker. @default 1048576 (1 MB) */
  maxConsoleBytes: number;
  /** Maximum size of the JSON-serialized return value in bytes. @default 1048576 (1 MB) */
  maxResultBytes: number;
  /** Guest stack size in bytes (deep recursion becomes a catchable RangeError). @default 262144 */
  maxStackBytes: number;
  /** How long one approval request may wait for an answer, in milliseconds. @default 300000 */
  approvalTimeoutMs: number;
  /**
   * Deadline for compiling one request (type-check, type strip and bytecode; for a check request, the whole batch) in
   * milliseconds. Past it the compiler worker and its `tsgo` child are killed and CheckTimeoutError is raised.
   * @default 2000
   */
  checkTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxSourceBytes: 20 * 1024,
  timeoutMs: 5_000,
  memoryBytes: 16 * 1024 * 1024,
  maxToolCalls: 32,
  maxConcurrentToolCalls: 4,
  maxConsoleBytes: 1024 * 1024,
  maxResultBytes: 1024 * 1024,
  maxStackBytes: 256 * 1024,
  approvalTimeoutMs: 300_000,
  checkTimeoutMs: 2_000,
});

/** Lower bounds below which a limit makes no sense (a VM needs some memory to start). */
const MINIMUMS: Readonly<Record<keyof Limits, number>> = {
  maxSourceBytes: 1,
  timeoutMs: 1,
  memoryBytes: 1024 * 1024,
  maxToolCalls: 0,
  maxConcurrentToolCalls: 1,
  maxConsoleBytes: 0,
  maxResultBytes: 2,
  maxStackBytes: 16 * 1024,
  approvalTimeoutMs: 1,
  checkTimeoutMs: 1,
};

/**
 * Limits objects this module resolved (frozen, so they stay valid): a layer given one takes it as it is. Settings are
 * resolved once at the edge (config/resolve.ts, a REST request); a library caller's partial limits are resolved once
 * where they enter (Harness, ScriptPool, ToolDispatcher), and the layers below never validate the same values again.
 */
const RESOLVED = new WeakSet<object>();

/**
 * Resolve user-supplied limits over the defaults; throws InvalidOptionError naming `limits.<field>`. Limits this
 * function returned come back as they are (already resolved): no copy, no second validation.
 */
export function normalizeLimits(input: Partial<Limits> = {}): Limits {
  if (RESOLVED.has(input)) return input as Limits;
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(input) as [string, unknown][]) {
    // Own keys only: `constructor`, `toString`, … are inherited by every object and are not limits.
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new InvalidOptionError(`Unknown limit \`limits.${key}\``, { path: `limits.${key}`, value });
    }
    if (value === undefined) continue;
    const field = key as keyof Limits;
    if (typeof value !== "number" || !Number.isInteger(value) || value < MINIMUMS[field]) {
      throw new InvalidOptionError(
        `\`limits.${field}\` must be an integer >= ${MINIMUMS[field]}, got \`${String(value)}\` (${typeof value})`,
        { path: `limits.${field}`, value: typeof value === "number" ? value : String(value) },
      );
    }
    out[field] = value;
  }
  RESOLVED.add(Object.freeze(out));
  return out;
}


/**
 * How a person raises each limit: the command-line flag (absent when there is none) and the cody.json key, and the
 * unit the value is shown in. Error messages and `cody init`'s commented defaults both read this one table.
 */
export const LIMIT_SETTINGS: Readonly<Record<keyof Limits, { flag?: string; configKey: string; unit: "bytes" | "ms" | "count" }>> = {
  maxSourceBytes: { configKey: "limits.maxSourceBytes", unit: "bytes" },
  timeoutMs: { flag: "--timeout <ms>", configKey: "limits.timeoutMs", unit: "ms" },
  memoryBytes: { flag: "--memory <MB>", configKey: "limits.memoryBytes", unit: "bytes" },
  maxToolCalls: { flag: "--max-tool-calls <n>", configKey: "limits.maxToolCalls", unit: "count" },
  maxConcurrentToolCalls: { configKey: "limits.maxConcurrentToolCalls", unit: "count" },
  maxConsoleBytes: { configKey: "limits.maxConsoleBytes", unit: "bytes" },
  maxResultBytes: { configKey: "limits.maxResultBytes", unit: "bytes" },
  maxStackBytes: { configKey: "limits.maxStackBytes", unit: "bytes" },
  approvalTimeoutMs: { configKey: "limits.approvalTimeoutMs", unit: "ms" },
  checkTimeoutMs: { flag: "--check-timeout <ms>", configKey: "limits.checkTimeoutMs", unit: "ms" },
};

/** A limit's value as a person reads it: `16 MB`, `20 KB`, `5000 ms`, `32`. */
export function formatLimitValue(key: keyof Limits, value: number): string {
  const { unit } = LIMIT_SETTINGS[key];
  if (unit === "ms") return `${value} ms`;
  if (unit === "count") return String(value);
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value / (1024 * 1024)} MB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KB`;
  if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)} MB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KB`;
  return `${value} bytes`;
}

/** "raise it with --memory <MB> or limits.memoryBytes in cody.json" (or only the config key when no flag exists). */
export function howToRaiseLimit(key: keyof Limits): string {
  const s = LIMIT_SETTINGS[key];
  return `raise it with ${s.flag ? `${s.flag} or ` : ""}${s.configKey} in cody.json`;
}

/**
 * Limits asked for by one request (a REST body, a run's options) over `base`, which they may only lower: the resolved
 * result, or InvalidOptionError naming the first limit that is invalid or above `base`'s.
 */
export function tightenLimits(base: Limits, request: Partial<Limits>): Limits {
  const limits = normalizeLimits({ ...base, ...request });
  for (const key of Object.keys(request) as (keyof Limits)[]) {
    if (limits[key] > base[key]) {
      throw new InvalidOptionError(`\`limits.${key}\` may only lower the server's limit of ${base[key]}, got \`${limits[key]}\``, {
        path: `limits.${key}`,
        value: limits[key],
      });
    }
  }
  return limits;
}

/** `base` with a caller's overrides (resolved once; limits `normalizeLimits` already returned pass as they are). */
export function resolveLimits(base: Limits, overrides: Partial<Limits> | undefined): Limits {
  if (overrides === undefined) return base;
  return isResolved(overrides) ? overrides : normalizeLimits({ ...base, ...overrides });
}

function isResolved(limits: Partial<Limits>): limits is Limits {
  return RESOLVED.has(limits);
}
