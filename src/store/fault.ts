/**
 * Telling a storage fault (the disk, the file or a lock failed us) from a bug, and turning it into one typed
 * `StoreError`. better-sqlite3 throws `SqliteError` whose `code` is SQLite's extended result code name
 * (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_READONLY_DBMOVED`, `SQLITE_BUSY_SNAPSHOT`…); the primary code is its
 * prefix.
 */
import { StoreError } from "../errors/index.js";

/** Primary result codes that mean the storage failed, not the query (https://sqlite.org/rescode.html). */
const FAULT_CODES = [
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_READONLY",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CANTOPEN",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_NOMEM",
  "SQLITE_PROTOCOL",
  "SQLITE_NOLFS",
  "SQLITE_PERM",
] as const;

/** The SQLite result code carried by `error` (e.g. `SQLITE_FULL`), if it is a SQLite error. */
function sqliteCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** True for a StoreError, or a SQLite error whose code says the storage (not the statement) failed. */
export function isStoreFault(error: unknown): boolean {
  if (error instanceof StoreError) return true;
  const code = sqliteCodeOf(error);
  return code !== undefined && FAULT_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

/**
 * `error` as a StoreError for `operation` when it is a storage fault (a StoreError is returned as is, so wrapping
 * twice keeps the innermost operation); anything else is returned unchanged.
 */
export function asStoreError(operation: string, error: unknown, file?: string): unknown {
  if (error instanceof StoreError || !isStoreFault(error)) return error;
  const sqliteCode = sqliteCodeOf(error) as string;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError(
    `Database ${operation} failed (${sqliteCode}): ${reason}`,
    { operation, sqliteCode, ...(file === undefined ? {} : { path: file }) },
    { cause: error },
  );
}

/** Run `fn`; a storage fault it throws comes out as a StoreError for `operation`. */
export function storeOp<T>(operation: string, file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw asStoreError(operation, error, file);
  }
}
