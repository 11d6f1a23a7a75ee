/** `cody script ls [--approved]` — list cached compiled scripts, most recently used first, with their approvals. */
import type { Command } from "commander";
import type { ArtifactSummary } from "../../cache/index.js";
import { formatBytes, withCache, withDbOptions, type DbCliOptions } from "./cache.js";

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ");
}

function list(opts: DbCliOptions & { approved?: boolean }): Promise<void> {
  return withCache(opts, (cache, db) => {
    const artifacts: ArtifactSummary[] = cache?.list({ approvedOnly: opts.approved === true }) ?? [];
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ db, artifacts })}\n`);
      return;
    }
    if (artifacts.length === 0) {
      process.stdout.write(`no ${opts.approved ? "approved " : ""}scripts cached in ${db}\n`);
      return;
    }
    const header = ["HASH", "SIZE", "HITS", "LAST USED", "APPROVED", "FILE"];
    const lines = artifacts.map((a) => [
      a.hash.slice(0, 12),
      formatBytes(a.bytes),
      String(a.hits),
      new Date(a.lastUsedAt).toISOString().slice(0, 19).replace("T", " "),
      a.approvedBy === undefined ? "-" : a.approvedBy,
      a.filename,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
    for (const l of [header, ...lines]) process.stdout.write(`${row(l, widths)}\n`);
  });
}

export function registerScriptLs(parent: Command): void {
  withDbOptions(
    parent
      .command("ls")
      .description("List cached compiled scripts and who approved them.")
      .option("--approved", "only scripts with a recorded approval"),
  ).action((opts: DbCliOptions & { approved?: boolean }) => list(opts));
}
