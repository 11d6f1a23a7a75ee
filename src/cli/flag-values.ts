/** Flag value parsers shared by commands (`cody serve` and `cody mcp` take the same --port, --workers and lists). */
import { UsageError } from "../errors/index.js";

/** A repeatable flag: each use appends its value. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--port`: 0 (any free port) to 65535. */
export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got \`${value}\``);
  return n;
}

/** `--workers`: 1 to 256 worker threads. */
export function workers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers must be an integer from 1 to 256, got \`${value}\``);
  return n;
}

/**
 * A listen failure as the person who chose `--port`/`--host` should see it: a taken port or an address this machine
 * does not have is a usage problem with a one-line fix (a UsageError), not an internal error with a stack. Any other
 * error is returned unchanged.
 */
export function listenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") return new UsageError(`port ${port} is in use (try --port 0)`, { port, host });
  if (code === "EADDRNOTAVAIL") return new UsageError(`cannot listen on ${host}: address not available here`, { host });
  return error;
}
