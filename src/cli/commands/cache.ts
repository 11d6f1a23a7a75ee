/**
 * `cody cache stats|verify|prune` — inspect and maintain the compiled-artifact cache. The database is `--db FILE`,
 * else `$CODY_DB`, else `<cwd>/.cody/cache.db` (cwd = `--cwd DIR` or the process's). Exit codes: 0 ok, 1 `verify`
 * found bad rows, 2 usage or I/O error (bad flag, unopenable database or key file).
 */
import fs from "node:fs";
import type { Command } from "commander";
import { ArtifactCache, parseByteSize, parseDuration, type ArtifactSummary } from "../../cache/index.js";
import { CacheError, UsageError } from "../../errors/index.js";
import { resolveDatabasePath } from "../../store/index.js";
import { EXIT } from "../exit-codes.js";
import { resolveFileArg, resolveWorkspace } from "../workspace.js";

/** Options every cache-reading command takes. */
export interface DbCliOptions {
  db?: string;
  cwd?: string;
  json?: boolean;
}

/** Add `--db`, `--cwd` and `--json` to a command. */
export function withDbOptions(cmd: Command): Command {
  return cmd
    .option("--db <file>", "database file (default: $CODY_DB, else <cwd>/.cody/cache.db)")
    .option("--cwd <dir>", "workspace whose default database to use (default: found from the current directory)")
    .option("--json", "print one JSON object instead of text");
}

/** The database file these options select. */
export function dbPathFrom(opts: DbCliOptions): string {
  // A relative --db is a file argument: it means the shell's directory, like every other file argument.
  const flag = opts.db === undefined || opts.db === "" || opts.db === ":memory:" ? opts.db : resolveFileArg(opts.db);
  return resolveDatabasePath({ cwd: resolveWorkspace(opts.cwd), flag, env: process.env });
}

/**
 * Run `fn` with an open cache, or with `undefined` when the database file does not exist yet (read-only commands
 * should not create one). The cache is always closed. A CacheError (unopenable file, bad key file) becomes exit 2.
 */
export function withCache(opts: DbCliOptions, fn: (cache: ArtifactCache | undefined, db: string) => void): void {
  const db = dbPathFrom(opts);
  let cache: ArtifactCache | undefined;
  try {
    if (db === ":memory:" || fs.existsSync(db)) cache = new ArtifactCache({ db, lruMaxBytes: 0 });
    fn(cache, db);
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    process.stderr.write(`cody: ${error.name}: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } finally {
    cache?.close();
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

function stats(opts: DbCliOptions): void {
  withCache(opts, (cache, db) => {
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

function verify(opts: DbCliOptions & { dryRun?: boolean }): void {
  withCache(opts, (cache, db) => {
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

function prune(opts: DbCliOptions & { olderThan?: string; maxBytes?: string; includeApproved?: boolean }): void {
  if (opts.olderThan === undefined && opts.maxBytes === undefined) {
    throw new UsageError("`cody cache prune` needs --older-than and/or --max-bytes");
  }
  const olderThanMs = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, "--older-than");
  const maxBytes = opts.maxBytes === undefined ? undefined : parseByteSize(opts.maxBytes, "--max-bytes");
  withCache(opts, (cache, db) => {
    const result = cache?.prune({
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
      ...(maxBytes === undefined ? {} : { maxBytes }),
      keepApproved: !opts.includeApproved,
    }) ?? { removed: 0, bytesFreed: 0 };
    if (opts.json) return out(JSON.stringify({ db, ...result }));
    out(`removed ${result.removed} entr${result.removed === 1 ? "y" : "ies"}, freed ${formatBytes(result.bytesFreed)} from ${db}`);
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
