/**
 * The caller's side of the audit writer thread: SqliteAuditRows with a writer sends its asynchronous commits here, so
 * the transaction (WAL writes, index updates, checkpoints) runs on another thread while the event loop goes on; what
 * this thread pays is the structured clone of the rows. The thread starts on the first commit, and again on the next
 * commit after it died: a thread that stops while commits wait fails each of them with StoreError.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { StoreError } from "../errors/index.js";
import type { AuditWrite } from "./store.js";
import type { WriterReply, WriterRequest } from "./writer-protocol.js";

export interface SqliteWriterOptions {
  /** Pragmas for the writer's connection after `openDatabase`'s own (tests use them to make faults). @default [] */
  pragmas?: readonly string[];
  /**
   * How long a synchronous `drain` waits for the thread before it fails with StoreError: a commit may wait up to the
   * busy timeout (5 s) for another process's lock, so this leaves a wide margin. @default 30000
   */
  drainTimeoutMs?: number;
  /** Told when a thread starts and when it stops (the caller's connection hands WAL checkpoints over). */
  onStart?: () => void;
  onStop?: () => void;
}

interface Waiting {
  resolve: (results: number[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  /** Commits sent to this thread and not answered yet, by id. */
  waiting: Map<number, Waiting>;
  /** An uncaught error of the thread (reported with its exit). */
  error?: Error;
}

export class SqliteWriter {
  readonly file: string;
  readonly #opts: SqliteWriterOptions;
  #thread: Thread | undefined;
  #seq = 0;
  #closed = false;

  constructor(file: string, opts: SqliteWriterOptions = {}) {
    this.file = file;
    this.#opts = opts;
  }

  /** The running thread, if any (for tests and diagnostics). */
  get worker(): Worker | undefined {
    return this.#thread?.worker;
  }

  /** True once `close()` was called: later commits are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Commits sent and not answered yet. */
  get inFlight(): number {
    return this.#thread?.waiting.size ?? 0;
  }

  /**
   * `writes` in one transaction on the writer thread, after every commit sent before. Rejects with a SQLite error
   * (its `code` as better-sqlite3 gives it, so callers classify it as they would a synchronous one), or StoreError
   * when the thread stops first.
   */
  commit(writes: readonly AuditWrite[]): Promise<number[]> {
    if (this.#closed) return Promise.reject(this.#error("the audit writer is closed"));
    const thread = (this.#thread ??= this.#start());
    const id = ++this.#seq;
    return new Promise<number[]>((resolve, reject) => {
      if (thread.waiting.size === 0) thread.port.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.port.postMessage({ type: "commit", id, writes } satisfies WriterRequest);
    });
  }

  /**
   * Wait, blocking this thread, until every commit sent so far is answered (their promises are settled), so that a
   * synchronous write or read on another connection comes after them.
   *
   * A thread that exits meanwhile fails the commits still waiting on it (StoreError), and this returns.
   *
   * @throws StoreError when the thread does not answer within `drainTimeoutMs`.
   */
  drain(): void {
    const thread = this.#thread;
    if (thread === undefined || thread.waiting.size === 0) return;
    const timeoutMs = this.#opts.drainTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port)) {
        this.#settle(thread, m.message as WriterReply);
      }
      if (thread.waiting.size === 0) return;
      if (Atomics.load(thread.flag, 1) === 1) {
        // The thread exited (its exit event cannot be delivered while this thread waits): its waiters fail now.
        this.#stopped(thread, this.#error(`the audit writer thread stopped${thread.error ? `: ${thread.error.message}` : ""}`));
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw this.#error(`no answer from the audit writer within ${timeoutMs} ms`);
      Atomics.wait(thread.flag, 0, 0, left);
      // Cleared before reading, so a reply posted after this point flips it again and wakes the next wait.
      Atomics.store(thread.flag, 0, 0);
    }
  }

  /**
   * Make the running thread throw an uncaught error when it reads this message, as a bug in it would: the commits
   * sent after it are never run (for tests of a dying writer). Nothing happens without a running thread.
   */
  injectCrash(): void {
    this.#thread?.port.postMessage({ type: "crash", id: ++this.#seq } satisfies WriterRequest);
  }

  /**
   * Wait for the commits sent, close the writer's connection and end the thread. Idempotent. The thread is never
   * terminated while it may be inside a SQLite call: better-sqlite3 building an error or result for a thread being
   * terminated aborts the whole process (seen here with a commit waiting for a lock).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const thread = this.#thread;
    if (thread === undefined) return;
    try {
      this.drain();
      // The connection is closed on its own thread, and the reply awaited, before the caller closes its own.
      const id = ++this.#seq;
      thread.waiting.set(id, { resolve: () => undefined, reject: () => undefined });
      thread.port.postMessage({ type: "close", id } satisfies WriterRequest);
      this.drain();
    } finally {
      this.#stopped(thread, this.#error("the audit writer was closed"));
      void thread.worker.terminate();
    }
  }

  #start(): Thread {
    const shared = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL("./sqlite-writer-thread.js", import.meta.url), {
      workerData: { file: this.file, pragmas: this.#opts.pragmas ?? [], flag: shared, port: port2 },
      transferList: [port2],
    });
    const thread: Thread = { worker, port: port1, flag: new Int32Array(shared), waiting: new Map() };
    // Never keeps a process alive by itself: the port is referenced only while a commit waits for its reply.
    worker.unref();
    port1.unref();
    port1.on("message", (reply: WriterReply) => this.#settle(thread, reply));
    worker.on("error", (error) => (thread.error = error));
    worker.on("exit", (code) => {
      const why = thread.error ? `: ${thread.error.message}` : "";
      this.#stopped(thread, this.#error(`the audit writer thread stopped (exit code ${code})${why}`, { exitCode: code }));
    });
    this.#opts.onStart?.();
    return thread;
  }

  /** The thread is gone: whoever waits on it gets `error`, and the next commit starts a new one. */
  #stopped(thread: Thread, error: StoreError): void {
    if (this.#thread !== thread) return;
    this.#thread = undefined;
    // Replies already posted are taken first: those commits did happen.
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port)) {
      this.#settle(thread, m.message as WriterReply);
    }
    for (const w of thread.waiting.values()) w.reject(error);
    thread.waiting.clear();
    thread.port.close();
    this.#opts.onStop?.();
  }

  #settle(thread: Thread, reply: WriterReply): void {
    const w = thread.waiting.get(reply.id);
    if (w === undefined) return;
    thread.waiting.delete(reply.id);
    if (thread.waiting.size === 0) thread.port.unref();
    if (reply.ok) w.resolve(reply.results);
    else w.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
  }

  #error(reason: string, extra: Record<string, unknown> = {}): StoreError {
    return new StoreError(`Database audit.write failed: ${reason}`, { operation: "audit.write", path: this.file, ...extra });
  }
}
