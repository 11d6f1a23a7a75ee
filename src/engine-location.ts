/**
 * Where a database's instrumented-engine cache lives (`<db dir>/engine/`) and the key its files are checked with (the
 * artifact cache's `cache.key`): the harness passes it to the pools it creates, `cody script run` to the pool it
 * starts before the harness exists.
 */
import { existsSync } from "node:fs";
import path from "node:path";
// key.js, not cache/index.js: the index loads the artifact cache and better-sqlite3, which `cody script run` must not
// wait for before it can start its worker.
// eslint-disable-next-line cody/stage-index -- cache/index.js loads better-sqlite3; the engine cache needs only the key file
import { defaultKeyFile, loadOrCreateKey } from "./cache/secret-key.js";
import type { EngineCacheOptions } from "./runtime/index.js";

/**
 * The engine cache for the database at `dbPath`; none for an in-memory database, or (with `createKey: false`) when the
 * key file does not exist yet or cannot be read.
 */
export function engineCacheFor(dbPath: string, opts: { createKey: boolean }): EngineCacheOptions | undefined {
  const keyFile = defaultKeyFile(dbPath);
  if (keyFile === undefined) return undefined;
  if (!opts.createKey && !existsSync(keyFile)) return undefined;
  try {
    return { dir: path.join(path.dirname(path.resolve(dbPath)), "engine"), key: loadOrCreateKey(keyFile) };
  } catch {
    // An unreadable key only costs time here; the artifact cache reports it.
    return undefined;
  }
}
