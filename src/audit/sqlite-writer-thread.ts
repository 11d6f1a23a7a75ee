/**
 * The audit writer thread: it owns its own connection to the SQLite file, applies each batch of audit writes in one
 * transaction (the same SqliteAuditRows code the caller's thread would run) and posts the reply, then flips the
 * shared flag so a caller waiting synchronously wakes. WAL checkpoints (`wal_autocheckpoint`) run here too, at the
 * end of the commit that grows the log past the threshold.
 */
import { workerData } from "node:worker_threads";
import { openDatabase, type Database } from "../store/index.js";
import { SqliteAuditRows } from "./sqlite-rows.js";
import type { WriterData, WriterFailure, WriterReply, WriterRequest } from "./writer-protocol.js";

const data = workerData as WriterData;
const flag = new Int32Array(data.flag);
const port = data.port;
let db: Database | undefined;
let rows: SqliteAuditRows | undefined;

function failure(error: unknown): WriterFailure {
  const e = error as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof e?.message === "string" ? e.message : String(error),
    code: typeof e?.code === "string" ? e.code : undefined,
  };
}

/**
 * A connection that cannot be opened is a storage fault, as SQLite says it (openDatabase wraps it in a CacheError
 * for a command that cannot start): the caller gets the StoreError a refused write gets.
 */
function openFailure(error: unknown): WriterFailure {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const code = typeof cause === "string" && cause.startsWith("SQLITE_") ? cause : "SQLITE_CANTOPEN";
  return { message: failure(error).message, code };
}

/** Opened on the first batch, and again after a failed open (the file may be back). */
function open(): SqliteAuditRows {
  if (rows !== undefined) return rows;
  const opened = openDatabase(data.file);
  try {
    for (const pragma of data.pragmas) opened.pragma(pragma);
    rows = new SqliteAuditRows(opened);
    db = opened;
    return rows;
  } catch (error) {
    opened.close();
    throw error;
  }
}

// Runs on an uncaught error too: a caller blocked in `drain` learns the thread is gone instead of waiting it out.
process.on("exit", () => {
  Atomics.store(flag, 1, 1);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

function reply(message: WriterReply): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on("message", (request: WriterRequest) => {
  if (request.type === "crash") throw new Error("the audit writer was told to crash");
  if (request.type === "close") {
    try {
      db?.close();
    } catch {
      // closing fails only on a connection already unusable; the thread ends anyway
    }
    reply({ id: request.id, ok: true, results: [] });
    port.close();
    return;
  }
  let opened: SqliteAuditRows;
  try {
    opened = open();
  } catch (error) {
    reply({ id: request.id, ok: false, error: openFailure(error) });
    return;
  }
  try {
    reply({ id: request.id, ok: true, results: opened.commit(request.writes, { wait: true }) });
  } catch (error) {
    reply({ id: request.id, ok: false, error: failure(error) });
  }
});
