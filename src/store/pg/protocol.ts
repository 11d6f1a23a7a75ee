/** Messages between a `PgConnection` (the caller's thread) and its worker thread (which holds the `pg` pool). */

/** One SQL statement with positional parameters (`$1`, `$2`…). */
export interface PgStatement {
  sql: string;
  params?: readonly unknown[];
}

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/**
 * A request before the connection numbers it. Order on the worker (its pool runs requests on several connections at
 * once): an `ordered` batch starts only after every earlier ordered batch has finished (asynchronous writes keep the
 * order they were sent in); an `after` request waits for the ordered batches sent before it (a synchronous call sees
 * every write sent earlier); any other request runs at once (asynchronous reads).
 */
export type PgRequestBody =
  | { type: "batch"; statements: PgStatement[]; transaction: boolean; ordered?: boolean; after?: boolean }
  | { type: "migrate"; namespace: string; steps: readonly string[] }
  | { type: "close" };

export type PgRequest =
  | { id: number; type: "batch"; statements: PgStatement[]; transaction: boolean; ordered?: boolean; after?: boolean }
  | { id: number; type: "migrate"; namespace: string; steps: readonly string[] }
  | { id: number; type: "close" };

/** A failure as data: `code` is PostgreSQL's SQLSTATE (`57P01`) or Node's (`ECONNREFUSED`) when there is one. */
export interface PgFailure {
  message: string;
  code: string | undefined;
  /** The migration found a newer version than it knows. */
  newerVersion?: number;
  /** The migration step (1-based) that failed. */
  failedStep?: number;
}

export type PgReply =
  | { id: number; ok: true; results: PgResult[] }
  | { id: number; ok: false; error: PgFailure };

export interface PgWorkerData {
  url: string;
  /** Pool size. */
  max: number;
  connectTimeoutMs: number;
  /** Int32Array over a SharedArrayBuffer: [0] is set to 1 (and notified) after each reply is posted. */
  flag: SharedArrayBuffer;
  /** Requests arrive and replies leave here (a MessagePort, so the caller can read replies synchronously). */
  port: import("node:worker_threads").MessagePort;
}
