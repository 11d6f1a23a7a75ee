/** Messages between `SqliteWriter` (the caller's thread) and the audit writer thread (sqlite-writer-thread.ts). */
import type { MessagePort } from "node:worker_threads";
import type { AuditWrite } from "./store.js";

/**
 * `commit`: the writes in one transaction; `close`: close the connection, reply, and end; `crash`: throw an uncaught
 * error, as a bug in the thread would (tests of what a dying writer does to the commits waiting on it).
 */
export type WriterRequest =
  | { type: "commit"; id: number; writes: readonly AuditWrite[] }
  | { type: "close"; id: number }
  | { type: "crash"; id: number };

/** A failure as data: `code` is better-sqlite3's SQLite result code name (`SQLITE_FULL`) when there is one. */
export interface WriterFailure {
  message: string;
  code: string | undefined;
}

export type WriterReply = { id: number; ok: true; results: number[] } | { id: number; ok: false; error: WriterFailure };

export interface WriterData {
  /** The SQLite file (the same one the caller's connection has open). */
  file: string;
  /** Pragmas run on the writer's connection after it is opened (beside those `openDatabase` sets). */
  pragmas: readonly string[];
  /**
   * Int32Array over a SharedArrayBuffer: [0] is set to 1 (and notified) after each reply is posted; [1] is set to 1
   * when the thread exits (then [0] is notified too).
   */
  flag: SharedArrayBuffer;
  /** Requests arrive and replies leave here (a MessagePort, so the caller can read replies synchronously). */
  port: MessagePort;
}
