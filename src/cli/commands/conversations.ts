/**
 * `cody conversations ls` — the conversations `cody exec` stored, newest first, with the id `--resume` takes.
 * Reading never creates the database. Exit codes: 0 ok, 2 usage or I/O error.
 */
import fs from "node:fs";
import type { Command } from "commander";
import { ConversationStore, PgConversationStore, type ConversationSummary } from "../../agent/index.js";
import { CacheError, UsageError } from "../../errors/index.js";
import { openDatabase, PgConnection } from "../../store/index.js";
import { EXIT } from "../exit-codes.js";
import { storeTargetFrom, targetName, withDbOptions, type DbCliOptions } from "./cache.js";

async function ls(opts: DbCliOptions & { limit?: string }): Promise<void> {
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a positive integer, got \`${String(opts.limit)}\``, { path: "--limit", value: String(opts.limit) });
  }
  const target = await storeTargetFrom(opts);
  const file = targetName(target);
  const pg = target.kind === "postgres" ? new PgConnection(target.url, { max: 1 }) : undefined;
  const db = target.kind === "sqlite" && (target.path === ":memory:" || fs.existsSync(target.path)) ? openDatabaseOrExit(target.path) : undefined;
  if (db === null) return;
  try {
    let conversations: ConversationSummary[] = [];
    if (pg) conversations = new PgConversationStore(pg).list(limit);
    else if (db) conversations = new ConversationStore(db).list(limit);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ db: file, conversations })}\n`);
      return;
    }
    if (conversations.length === 0) {
      process.stdout.write(`no conversations recorded in ${file}${db || pg ? "" : " (does not exist yet)"}\n`);
      return;
    }
    const rows = conversations.map((c) => [c.id, new Date(c.updatedAt).toISOString().slice(0, 19).replace("T", " "), String(c.turns), c.model, c.title]);
    const header = ["ID", "UPDATED", "TURNS", "MODEL", "FIRST PROMPT"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    for (const r of [header, ...rows]) {
      process.stdout.write(`${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}\n`);
    }
    process.stdout.write(`\ncontinue one with: cody exec --resume ID "..." (a unique prefix of the id is enough)\n`);
  } finally {
    db?.close();
    pg?.close();
  }
}

function openDatabaseOrExit(file: string): ReturnType<typeof openDatabase> | null {
  try {
    return openDatabase(file);
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    process.stderr.write(`cody: ${error.name}: ${error.message}\n`);
    process.exitCode = EXIT.usage;
    return null;
  }
}

export function registerConversations(parent: Command): void {
  const group = parent.command("conversations").description("List the conversations `cody exec` stored (resume one with --resume).");
  withDbOptions(group.command("ls").description("List stored conversations, most recently updated first."))
    .option("--limit <n>", "how many to list", "20")
    .action((opts: DbCliOptions & { limit?: string }) => ls(opts));
}
