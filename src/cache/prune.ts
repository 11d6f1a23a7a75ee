/** Options of age- and size-based eviction (each backend deletes the rows itself: CacheRows.prune). */
import { CacheError } from "../errors/index.js";
import type { PruneLimits } from "./store.js";
import type { PruneOptions } from "./types.js";

/**
 * Validate prune options; undefined when there is nothing to do (no limit given).
 * @throws CacheError naming the bad option and the value received.
 */
export function checkPruneOptions(opts: PruneOptions): PruneLimits | undefined {
  const { olderThanMs, maxBytes } = opts;
  if (olderThanMs !== undefined && (typeof olderThanMs !== "number" || !Number.isFinite(olderThanMs) || olderThanMs < 0)) {
    throw new CacheError(`\`olderThanMs\` must be a number >= 0, got \`${String(olderThanMs)}\` (${typeof olderThanMs})`, {
      path: "olderThanMs",
      value: String(olderThanMs),
    });
  }
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new CacheError(`\`maxBytes\` must be an integer >= 0, got \`${String(maxBytes)}\` (${typeof maxBytes})`, {
      path: "maxBytes",
      value: String(maxBytes),
    });
  }
  if (olderThanMs === undefined && maxBytes === undefined) return undefined;
  return { olderThanMs, maxBytes, keepApproved: opts.keepApproved ?? true };
}
