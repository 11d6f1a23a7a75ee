/** Parsing of human-friendly durations (`7d`) and sizes (`64MB`) for cache flags. */
import { UsageError } from "../errors/index.js";

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * `500ms`, `30s`, `15m`, `12h`, `7d`, `2w` → milliseconds. A unit is required (a bare `7` is ambiguous).
 * @throws UsageError naming `what` and the value received.
 */
export function parseDuration(text: string, what = "duration"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  const unit = m ? DURATION_UNITS[m[2] as string] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`${what} must be a number with a unit (ms, s, m, h, d, w), e.g. \`7d\`; got \`${text}\``, { value: text });
  }
  return Math.round(Number(m[1]) * unit);
}

/**
 * `1048576`, `512k`, `64MB`, `1GiB` (units are powers of 1024, case-insensitive) → bytes.
 * @throws UsageError naming `what` and the value received.
 */
export function parseByteSize(text: string, what = "size"): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`${what} must be a whole number of bytes, optionally with k/MB/GiB; got \`${text}\``, { value: text });
  }
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what} is too large: \`${text}\``, { value: text });
  return n;
}
