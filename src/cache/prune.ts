/** Age- and size-based eviction from the SQLite level, approved entries protected by default. */
import { CacheError } from "../errors/index.js";
import type { Database } from "../store/index.js";
import type { PruneOptions } from "./types.js";

export interface PruneLimits {
  olderThanMs: number | undefined;
  maxBytes: number | undefined;
  keepApproved: boolean;
}

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

/**
 * In one write transaction: delete rows last used strictly before `now - olderThanMs`, then the least recently used
 * ones until at most `maxBytes` remain. Returns what was deleted.
 */
export function pruneRows(db: Database, limits: PruneLimits, now: number): { hash: string; bytes: number }[] {
  const { olderThanMs, maxBytes, keepApproved } = limits;
  const unapproved = keepApproved ? "AND NOT EXISTS (SELECT 1 FROM cache_approvals p WHERE p.hash = a.hash)" : "";
  const deleteArtifact = db.prepare<[string]>("DELETE FROM cache_artifacts WHERE hash = ?");
  const deleteApproval = db.prepare<[string]>("DELETE FROM cache_approvals WHERE hash = ?");
  const victims: { hash: string; bytes: number }[] = [];
  const remove = (v: { hash: string; bytes: number }): void => {
    if (deleteArtifact.run(v.hash).changes === 0) return;
    if (!keepApproved) deleteApproval.run(v.hash);
    victims.push(v);
  };
  db.transaction(() => {
    if (olderThanMs !== undefined) {
      const old = db
        .prepare<[number], { hash: string; bytes: number }>(`SELECT hash, bytes FROM cache_artifacts a WHERE last_used_at < ? ${unapproved}`)
        .all(now - olderThanMs);
      for (const v of old) remove(v);
    }
    if (maxBytes !== undefined) {
      let total = (db.prepare("SELECT coalesce(sum(bytes), 0) AS total FROM cache_artifacts").get() as { total: number }).total;
      if (total <= maxBytes) return;
      const byAge = db
        .prepare<[], { hash: string; bytes: number }>(
          `SELECT hash, bytes FROM cache_artifacts a WHERE 1 ${unapproved} ORDER BY last_used_at ASC, hash`,
        )
        .all();
      for (const v of byAge) {
        if (total <= maxBytes) break;
        remove(v);
        total -= v.bytes;
      }
    }
  }).immediate();
  return victims;
}
