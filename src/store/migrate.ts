/**
 * Namespaced, versioned schema migrations. Several modules (cache, audit log, conversations) share one database file;
 * each owns a namespace and a list of SQL steps that only ever grows. The version stored for a namespace is the number
 * of its steps already applied.
 */
import { CacheError } from "../errors/index.js";
import { asStoreError } from "./fault.js";
import type { Database } from "./open.js";

const NAMESPACE_RE = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Apply `steps[version..]` for `namespace`, one step per `BEGIN IMMEDIATE` transaction. The version is re-read inside
 * each transaction, so when two processes migrate at once the second waits for the first's write lock, sees the new
 * version and skips that step instead of applying it twice. Calling it again with the same steps does nothing.
 *
 * A namespace already current is seen by a plain read and takes no write lock, so opening a database to read it
 * works while another process holds the write lock (or on a database that refuses writes).
 *
 * @throws CacheError when the namespace is malformed, a step fails (that step is rolled back, earlier ones stay), or
 *   the database is at a newer version than `steps` knows (written by a newer cody); StoreError when the database
 *   fails (locked past the busy timeout, read-only, full).
 */
export function migrate(db: Database, namespace: string, steps: readonly string[]): void {
  if (typeof namespace !== "string" || !NAMESPACE_RE.test(namespace)) {
    throw new CacheError(
      `Migration namespace must match ${String(NAMESPACE_RE)}, got \`${String(namespace)}\` (${typeof namespace})`,
      { namespace: String(namespace) },
    );
  }
  if (!Array.isArray(steps) || steps.some((s) => typeof s !== "string" || s.trim() === "")) {
    throw new CacheError(`Migration steps for \`${namespace}\` must be non-empty SQL strings`, { namespace });
  }
  try {
    if (schemaVersion(db, namespace) === steps.length) return;
    applySteps(db, namespace, steps);
  } catch (error) {
    throw asStoreError(`migrate ${namespace}`, error, db.name);
  }
}

function applySteps(db: Database, namespace: string, steps: readonly string[]): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  const read = db.prepare<[string], { version: number }>("SELECT version FROM schema_migrations WHERE namespace = ?");
  const write = db.prepare<[string, number]>(
    "INSERT INTO schema_migrations (namespace, version) VALUES (?, ?) " +
      "ON CONFLICT(namespace) DO UPDATE SET version = excluded.version",
  );
  /** Returns true when a step was applied (so the caller loops), false when the namespace is current. */
  const applyNext = db.transaction((): boolean => {
    const version = read.get(namespace)?.version ?? 0;
    if (version > steps.length) {
      throw new CacheError(
        `Database schema for \`${namespace}\` is at version ${version}, newer than this cody knows (${steps.length}); ` +
          "upgrade cody or use another --db",
        { namespace, version, known: steps.length, path: db.name },
      );
    }
    if (version === steps.length) return false;
    try {
      db.exec(steps[version] as string);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CacheError(`Migration \`${namespace}\` step ${version + 1} failed: ${reason}`, {
        namespace,
        step: version + 1,
        reason,
        path: db.name,
      }, { cause: error });
    }
    write.run(namespace, version + 1);
    return true;
  });
  while (applyNext.immediate()) {
    // one step per transaction keeps each lock short
  }
}

/** The applied version of `namespace` (0 when it has never been migrated). Reads only; creates nothing. */
export function schemaVersion(db: Database, namespace: string): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  const row = db.prepare<[string], { version: number }>("SELECT version FROM schema_migrations WHERE namespace = ?").get(namespace);
  return row?.version ?? 0;
}
