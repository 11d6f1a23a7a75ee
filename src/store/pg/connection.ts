/**
 * A PostgreSQL connection with the synchronous shape the stores have on SQLite. The stores' contract is synchronous
 * (an audit row is committed before a tool's handler may start; a cache hit is one call), so the `pg` pool runs on a
 * worker thread and the caller waits for each reply on a shared flag (`Atomics.wait`), reading it with
 * `receiveMessageOnPort`. A call costs one round trip to the server plus ≈ 50 µs of thread hand-off; a database that
 * does not answer within `timeoutMs` fails the call with StoreError, as a SQLite lock held past `busy_timeout` does.
 *
 * Callers that can await (a run's group commit, a cache hit's approval lookup) use the asynchronous calls instead:
 * the caller's thread is not blocked while PostgreSQL works, and many requests are in flight at once over the pool.
 * Asynchronous writes keep their order, and a synchronous call sees every write sent before it (see PgRequestBody).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { CacheError, StoreError } from "../../errors/index.js";
import type { PgFailure, PgReply, PgRequestBody, PgResult, PgStatement } from "./protocol.js";

export interface PgConnectionOptions {
  /** Pool size of the worker. @default 4 */
  max?: number;
  /** How long to wait for a new connection. @default 5000 */
  connectTimeoutMs?: number;
  /** How long one call may take before it fails with StoreError. @default 15000 */
  timeoutMs?: number;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db` (for messages and logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** SQLSTATE classes and Node error codes that mean the server or the network failed us, not the statement. */
function isFaultCode(code: string | undefined): boolean {
  if (code === undefined) return true; // "Connection terminated unexpectedly", timeouts: no code at all
  return /^(08|53|57P|58)/.test(code) || code.startsWith("E");
}

/** An error PostgreSQL raised for a statement (a constraint, a syntax error): not a storage fault. */
export class PgStatementError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "PgStatementError";
    this.code = code;
  }
}

export class PgConnection {
  /** The URL with any password masked. */
  readonly name: string;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  readonly #timeoutMs: number;
  readonly #url: string;
  #seq = 0;
  #closed = false;
  /** Asynchronous requests waiting for their reply, by id. */
  readonly #waiting = new Map<number, { operation: string; resolve: (results: PgResult[]) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  /**
   * Start the worker and check that the database answers.
   *
   * @throws StoreError (details: operation `connect`, pgCode, url) when it does not.
   */
  constructor(url: string, opts: PgConnectionOptions = {}) {
    this.name = redactUrl(url);
    this.#url = url;
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    const shared = new SharedArrayBuffer(4);
    this.#flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: { url, max: opts.max ?? 4, connectTimeoutMs: opts.connectTimeoutMs ?? 5_000, flag: shared, port: port2 },
      transferList: [port2],
    });
    // The worker must never keep a process alive that has nothing else to do (the owner closes it explicitly). The
    // port is referenced only while an asynchronous request waits for its reply.
    this.#worker.unref();
    this.#port.on("message", (reply: PgReply) => this.#settle(reply));
    this.#port.unref();
    try {
      this.query("connect", "SELECT 1");
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** One statement outside a transaction. */
  query(operation: string, sql: string, params: readonly unknown[] = []): PgResult {
    return this.#call(operation, { type: "batch", statements: [{ sql, params }], transaction: false })[0] as PgResult;
  }

  /** Statements in one transaction (all or none). */
  transaction(operation: string, statements: PgStatement[]): PgResult[] {
    if (statements.length === 0) return [];
    return this.#call(operation, { type: "batch", statements, transaction: true });
  }

  /** One statement outside a transaction, without blocking the caller's thread (not ordered after earlier writes). */
  async queryAsync(operation: string, sql: string, params: readonly unknown[] = []): Promise<PgResult> {
    const [result] = await this.#callAsync(operation, { type: "batch", statements: [{ sql, params }], transaction: false });
    return result as PgResult;
  }

  /**
   * Statements in one transaction (all or none), without blocking the caller's thread. Ordered transactions (the
   * default) commit in the order they were sent, and a later synchronous call waits for them; `ordered: false` sends
   * one at once, beside those in flight.
   */
  async transactionAsync(operation: string, statements: PgStatement[], opts: { ordered?: boolean } = {}): Promise<PgResult[]> {
    if (statements.length === 0) return [];
    return this.#callAsync(operation, { type: "batch", statements, transaction: true, ordered: opts.ordered ?? true });
  }

  /**
   * Apply `steps[version..]` of `namespace` under an advisory lock, one transaction per step (the scheme SQLite's
   * `migrate` uses, in the same `schema_migrations` table shape).
   *
   * @throws CacheError when a step fails or the database is at a newer version than `steps` knows; StoreError when
   *   the database fails.
   */
  migrate(namespace: string, steps: readonly string[]): void {
    try {
      this.#call(`migrate ${namespace}`, { type: "migrate", namespace, steps });
    } catch (error) {
      const failure = (error as { pgFailure?: PgFailure }).pgFailure;
      if (failure?.newerVersion !== undefined) {
        throw new CacheError(
          `Database schema for \`${namespace}\` is at version ${failure.newerVersion}, newer than this cody knows ` +
            `(${steps.length}); upgrade cody or use another --store`,
          { namespace, version: failure.newerVersion, known: steps.length, path: this.name },
        );
      }
      if (failure?.failedStep !== undefined) {
        throw new CacheError(`Migration \`${namespace}\` step ${failure.failedStep} failed: ${failure.message}`, {
          namespace,
          step: failure.failedStep,
          reason: failure.message,
          path: this.name,
        });
      }
      throw error;
    }
  }

  /** End the pool and the worker. Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#call("close", { type: "close" }, 5_000);
    } catch {
      // a pool that cannot end cleanly is terminated below anyway
    }
    this.#closed = true;
    for (const [id, w] of this.#waiting) {
      this.#waiting.delete(id);
      clearTimeout(w.timer);
      w.reject(new StoreError(`Database ${w.operation} failed: the connection was closed`, { operation: w.operation, path: this.name }));
    }
    this.#port.close();
    void this.#worker.terminate();
  }

  /** The URL as given, password included: for opening further connections (LISTEN), never for messages. */
  get url(): string {
    return this.#url;
  }

  get open(): boolean {
    return !this.#closed;
  }

  #callAsync(operation: string, request: PgRequestBody): Promise<PgResult[]> {
    if (this.#closed) return Promise.reject(new StoreError(`Database ${operation} failed: the connection is closed`, { operation, path: this.name }));
    const id = ++this.#seq;
    return new Promise<PgResult[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#waiting.delete(id)) return;
        if (this.#waiting.size === 0) this.#port.unref();
        reject(new StoreError(`Database ${operation} failed: no answer from ${this.name} within ${this.#timeoutMs} ms`, {
          operation,
          pgCode: "timeout",
          path: this.name,
        }));
      }, this.#timeoutMs);
      timer.unref();
      if (this.#waiting.size === 0) this.#port.ref();
      this.#waiting.set(id, { operation, resolve, reject, timer });
      this.#port.postMessage({ ...request, id });
    });
  }

  /** Hand a reply to the asynchronous request waiting for it (replies to synchronous calls that timed out are dropped). */
  #settle(reply: PgReply): void {
    const w = this.#waiting.get(reply.id);
    if (w === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#port.unref();
    clearTimeout(w.timer);
    if (reply.ok) w.resolve(reply.results);
    else w.reject(this.#error(w.operation, reply.error));
  }

  #call(operation: string, request: PgRequestBody, timeoutMs = this.#timeoutMs): PgResult[] {
    if (this.#closed) throw new StoreError(`Database ${operation} failed: the connection is closed`, { operation, path: this.name });
    const id = ++this.#seq;
    // Ordered after the asynchronous writes sent before it, so a synchronous caller reads what it wrote.
    this.#port.postMessage(request.type === "batch" ? { ...request, id, after: true } : { ...request, id });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Replies to asynchronous requests that arrive meanwhile are handed on; those to earlier calls that timed out
      // are dropped.
      for (let m = receiveMessageOnPort(this.#port); m !== undefined; m = receiveMessageOnPort(this.#port)) {
        const reply = m.message as PgReply;
        if (reply.id !== id) {
          this.#settle(reply);
          continue;
        }
        if (reply.ok) return reply.results;
        throw this.#error(operation, reply.error);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StoreError(`Database ${operation} failed: no answer from ${this.name} within ${timeoutMs} ms`, {
          operation,
          pgCode: "timeout",
          path: this.name,
        });
      }
      Atomics.wait(this.#flag, 0, 0, left);
      // Cleared before reading, so a reply posted after this point flips it again and wakes the next wait.
      Atomics.store(this.#flag, 0, 0);
    }
  }

  #error(operation: string, failure: PgFailure): Error {
    // At connect every failure is the store's (a wrong password, a database that does not exist): nothing ran yet.
    const fault = operation === "connect" || isFaultCode(failure.code);
    if (failure.newerVersion === undefined && failure.failedStep === undefined && fault) {
      return new StoreError(`Database ${operation} failed (${failure.code ?? "connection"}): ${failure.message}`, {
        operation,
        pgCode: failure.code ?? "connection",
        path: this.name,
      });
    }
    return Object.assign(new PgStatementError(failure.message, failure.code), { pgFailure: failure });
  }
}
