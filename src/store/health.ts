/**
 * Whether the database is taking writes, as last seen. Failures that have no caller to throw to (a deferred audit
 * flush, a cache write on a run that went on uncached) are reported here; listeners (the server's log, the CLI)
 * hear each one, and `/healthz` shows `degraded` with the last reason until a later write succeeds.
 */
import { StoreError } from "../errors/index.js";

export interface StoreFault {
  /** e.g. `audit.flush`, `cache.put` */
  operation: string;
  /** e.g. `SQLITE_FULL` */
  sqliteCode: string | undefined;
  message: string;
  /** Milliseconds since the epoch of the first failure since the store was last healthy. */
  since: number;
  /** Failures reported since then. */
  count: number;
}

export class StoreHealth {
  #fault: StoreFault | undefined;
  readonly #listeners = new Set<(error: unknown) => void>();

  /** The current fault, or undefined while writes succeed. */
  get fault(): StoreFault | undefined {
    return this.#fault;
  }

  /** Record a failure and tell every listener. A non-storage error is passed on to listeners but not recorded. */
  report(error: unknown): void {
    if (error instanceof StoreError) {
      const details = error.details;
      this.#fault = {
        operation: typeof details["operation"] === "string" ? details["operation"] : "unknown",
        sqliteCode: typeof details["sqliteCode"] === "string" ? details["sqliteCode"] : undefined,
        message: error.message,
        since: this.#fault?.since ?? Date.now(),
        count: (this.#fault?.count ?? 0) + 1,
      };
    }
    for (const listener of this.#listeners) {
      try {
        listener(error);
      } catch {
        // a listener's failure must not turn a reported fault into a crash
      }
    }
  }

  /** A write went through with nothing left queued: the store is healthy again. */
  recovered(): void {
    this.#fault = undefined;
  }

  /** Hear every reported failure; returns the function that stops listening. */
  listen(listener: (error: unknown) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
