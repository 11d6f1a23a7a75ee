/**
 * `cody cache stats|verify|prune` — inspect and maintain the compiled-artifact cache. The store is `--store URL|FILE`,
 * else `--db FILE`, else `$CODY_STORE`, else `$CODY_DB`, else cody.json's `store`, else `<cwd>/.cody/cache.db`
 * (cwd = `--cwd DIR` or the process's). Exit codes: 0 ok, 1 `verify`
 * found bad rows, 2 usage or I/O error (bad flag, unopenable database or key file).
 */
import fs from "node:fs";
import type { Command } from "commander";
import { ArtifactCache, keyFromSecret, parseByteSize, parseDuration, PgCacheRows, type ArtifactSummary } from "../../cache/index.js";
import { CacheError, UsageError } from "../../errors/index.js";
import { PgConnection, redactUrl, type StoreTarget } from "../../store/index.js";
import { pruneCheckVerdicts } from "../check-verdicts.js";
import { EXIT } from "../exit-codes.js";
import { requireStoreSecret, storeTargetFor } from "../store-target.js";
import { resolveWorkspace } from "../workspace.js";

/** Options every cache-reading command takes. */
export interface DbCliOptions {
  store?: string;
  db?: string;
  cwd?: string;
  json?: boolean;
}

/** Add `--db`, `--cwd` and `--json` to a command. */
export function withDbOptions(cmd: Command): Command {
  return cmd
    .option("--store <url|file>", "postgres:// URL or SQLite file (default: $CODY_STORE, else cody.json's store, else --db)")
    .option("--db <file>", "database file (default: $CODY_DB, else <cwd>/.cody/cache.db)")
    .option("--cwd <dir>", "workspace whose default database to use (default: found from the current directory)")
    .option("--json", "print one JSON object instead of text");
}

/** The store these options select. */
export function storeTargetFrom(opts: DbCliOptions): Promise<StoreTarget> {
  return storeTargetFor(opts, resolveWorkspace(opts.cwd));
}

/** A target as shown to a person: the file, or the URL with its password masked. */
export function targetName(target: StoreTarget): string {
  return target.kind === "sqlite" ? target.path : redactUrl(target.url);
}

/**
 * Run `fn` with an open cache, or with `undefined` when the SQLite file does not exist yet (read-only commands
 * should not create one). The cache is always closed. A CacheError (unopenable file, bad key file) becomes exit 2; a
 * PostgreSQL store that does not answer is a StoreError (exit 2 as well, from main).
 */
export async function withCache(
  opts: DbCliOptions,
  fn: (cache: ArtifactCache | undefined, db: string, target: StoreTarget) => void,
): Promise<void> {
  const target = await storeTargetFrom(opts);
  const name = targetName(target);
  let cache: ArtifactCache | undefined;
  let pg: PgConnection | undefined;
  try {
    if (target.kind === "postgres") {
      const key = keyFromSecret(requireStoreSecret());
      pg = new PgConnection(target.url, { max: 1 });
      cache = new ArtifactCache({ rows: new PgCacheRows(pg), key, lruMaxBytes: 0 });
    } else if (target.path === ":memory:" || fs.existsSync(target.path)) {
      cache = new ArtifactCache({ db: target.path, lruMaxBytes: 0 });
    }
    fn(cache, name, target);
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    process.stderr.write(`cody: ${error.name}: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } finally {
    cache?.close();
    pg?.close();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function stats(opts: DbCliOptions): Promise<void> {
  return withCache(opts, (cache, db) => {
    const rows: ArtifactSummary[] = cache?.list() ?? [];
    const summary = {
      db,
      exists: cache !== undefined,
      entries: rows.length,
      bytes: rows.reduce((n, r) => n + r.bytes, 0),
      approved: rows.filter((r) => r.approvedBy !== undefined).length,
      hits: rows.reduce((n, r) => n + r.hits, 0),
      // reduce, not Math.min(...spread): a large cache would overflow the argument list
      oldestUseAt: rows.length ? rows.reduce((m, r) => Math.min(m, r.lastUsedAt), Infinity) : null,
      newestUseAt: rows.length ? rows.reduce((m, r) => Math.max(m, r.lastUsedAt), -Infinity) : null,
    };
    if (opts.json) return out(JSON.stringify(summary));
    out(`database  ${db}${cache ? "" : " (does not exist yet)"}`);
    out(`entries   ${summary.entries} (${formatBytes(summary.bytes)}), ${summary.approved} approved`);
    out(`hits      ${summary.hits} recorded`);
    if (summary.oldestUseAt !== null && summary.newestUseAt !== null) {
      out(`last use  ${new Date(summary.oldestUseAt).toISOString()} … ${new Date(summary.newestUseAt).toISOString()}`);
    }
  });
}

function verify(opts: DbCliOptions & { dryRun?: boolean }): Promise<void> {
  return withCache(opts, (cache, db) => {
    const result = cache?.verify({ remove: !opts.dryRun }) ?? { checked: 0, bad: [], badApprovals: [], removed: 0, sqliteOk: true };
    const failed = result.bad.length > 0 || result.badApprovals.length > 0 || !result.sqliteOk;
    if (opts.json) {
      out(JSON.stringify({ db, ...result }));
    } else {
      out(`checked ${result.checked} artifact${result.checked === 1 ? "" : "s"} in ${db}`);
      if (!result.sqliteOk) {
        out("SQLite reports the file is damaged: nothing was removed. Move it aside to start over");
        out("(cached scripts are recompiled on next use; approvals recorded in it are lost).");
      }
      for (const h of result.bad) out(`bad artifact  ${h}`);
      for (const h of result.badApprovals) out(`bad approval  ${h}`);
      if (!failed) out("all rows verified");
      else out(opts.dryRun ? "nothing removed (--dry-run)" : `removed ${result.removed} bad row${result.removed === 1 ? "" : "s"}`);
    }
    if (failed) process.exitCode = EXIT.failed;
  });
}

function prune(opts: DbCliOptions & { olderThan?: string; maxBytes?: string; includeApproved?: boolean }): Promise<void> {
  if (opts.olderThan === undefined && opts.maxBytes === undefined) {
    return Promise.reject(new UsageError("`cody cache prune` needs --older-than and/or --max-bytes"));
  }
  const olderThanMs = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, "--older-than");
  const maxBytes = opts.maxBytes === undefined ? undefined : parseByteSize(opts.maxBytes, "--max-bytes");
  return withCache(opts, (cache, db, target) => {
    const result = cache?.prune({
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
      ...(maxBytes === undefined ? {} : { maxBytes }),
      keepApproved: !opts.includeApproved,
    }) ?? { removed: 0, bytesFreed: 0 };
    // `script check`'s verdicts live beside a SQLite database (check-verdicts.ts); they hold no bytecode, so only age
    // removes them.
    const verdicts =
      olderThanMs !== undefined && target.kind === "sqlite" ? pruneCheckVerdicts(target.path, olderThanMs) : { removed: 0, bytesFreed: 0 };
    if (opts.json) return out(JSON.stringify({ db, ...result, checkVerdictsRemoved: verdicts.removed }));
    const checks = verdicts.removed === 0 ? "" : `; removed ${verdicts.removed} check verdict${verdicts.removed === 1 ? "" : "s"} (${formatBytes(verdicts.bytesFreed)})`;
    out(`removed ${result.removed} entr${result.removed === 1 ? "y" : "ies"}, freed ${formatBytes(result.bytesFreed)} from ${db}${checks}`);
  });
}

export function registerCache(parent: Command): void {
  const cache = parent.command("cache").description("Inspect and maintain the compiled-artifact cache.");
  withDbOptions(cache.command("stats").description("Show entries, bytes, approvals and recorded hits.")).action(
    (opts: DbCliOptions) => stats(opts),
  );
  withDbOptions(
    cache
      .command("verify")
      .description("Check every row's HMAC and the file structure; remove bad rows. Exit 1 if any were bad.")
      .option("--dry-run", "report bad rows without removing them"),
  ).action((opts: DbCliOptions & { dryRun?: boolean }) => verify(opts));
  withDbOptions(
    cache
      .command("prune")
      .description("Remove entries unused for a while and/or least recently used ones beyond a size budget.")
      .option("--older-than <duration>", "remove entries not used for this long, e.g. 7d, 12h, 30m")
      .option("--max-bytes <size>", "then remove least recently used entries until at most this size, e.g. 64MB")
      .option("--include-approved", "also remove approved entries (and their approvals)"),
  ).action((opts: DbCliOptions & { olderThan?: string; maxBytes?: string; includeApproved?: boolean }) => prune(opts));
}
