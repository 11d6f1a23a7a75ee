/** Opening the harness's one SQLite file with the pragmas every module relies on. */
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CacheError } from "../errors/index.js";
import { ignoreStateDirInGit } from "./state-dir.js";

/** A better-sqlite3 connection (re-exported so other folders need not import better-sqlite3's types). */
export type Database = BetterSqlite3.Database;

/**
 * Open (creating if needed) the database at `file`, creating its parent directory. `":memory:"` opens a private
 * in-memory database. The connection uses WAL (readers never block the one writer), waits up to 5 s for another
 * process's lock instead of failing at once, enforces foreign keys, and syncs at NORMAL (safe with WAL: a power loss
 * may drop the last commits but never corrupts the file).
 *
 * @throws CacheError (details: path) when the directory or file cannot be created, or the file is not a database.
 */
export function openDatabase(file: string): Database {
  if (typeof file !== "string" || file.length === 0) {
    throw new CacheError(`Database path must be a non-empty string, got \`${String(file)}\` (${typeof file})`, {
      path: String(file),
    });
  }
  const memory = file === ":memory:";
  let db: Database | undefined;
  try {
    if (!memory) {
      const dir = path.dirname(path.resolve(file));
      makeDirectories(dir);
      ignoreStateDirInGit(dir);
    }
    db = new BetterSqlite3(file);
    // busy_timeout first: switching to WAL needs a lock another process may hold for a moment.
    db.pragma("busy_timeout = 5000");
    if (!memory) db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // already failing; the original error is the one worth reporting
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new CacheError(`Cannot open database \`${file}\`: ${reason}`, { path: file, reason }, { cause: error });
  }
}

/**
 * `mkdir -p` without `fs.mkdirSync(…, { recursive: true })`, which spins forever at 100 % CPU on paths inside
 * `/proc` (mkdir there fails with ENOENT though the parent exists, and Node retries). Each missing level is made once;
 * the first failure is thrown.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new Error(`\`${at}\` is not a directory`);
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      // another process made it meanwhile
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
