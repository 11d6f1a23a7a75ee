/**
 * Runs in progress on this server, by id, so `DELETE /v1/runs/:id` and shutdown can abort them and shutdown can wait
 * for them to settle.
 */
import { randomUUID } from "node:crypto";
import { AbortedError, PoolClosedError } from "../errors/index.js";
import { ConflictError } from "./errors.js";

interface Active {
  controller: AbortController;
  done: Promise<void>;
  /** Every event the run emitted so far (replayed to a watcher that joins late), and who is watching. */
  events: RunEventRecord[];
  watchers: Set<(event: RunEventRecord) => void>;
}

/** One event of a run as clients see it: the SSE event name and its JSON data. */
export interface RunEventRecord {
  event: string;
  data: unknown;
}

export class ActiveRuns {
  readonly #runs = new Map<string, Active>();
  readonly #allWatchers = new Set<(runId: string, event: RunEventRecord) => void>();
  #closed = false;

  /**
   * Register a run under `runId` (a new UUID when not given) and track `work` until it settles; `work` gets the
   * controller that `abort` and `abortAll` abort.
   * @throws ConflictError when a run with that id is already in progress; PoolClosedError after `abortAll()`.
   */
  start<T>(runId: string | undefined, work: (id: string, controller: AbortController) => Promise<T>): { runId: string; result: Promise<T> } {
    if (this.#closed) throw new PoolClosedError("The server is shutting down and accepts no new runs", {});
    const id = runId ?? randomUUID();
    if (this.#runs.has(id)) throw new ConflictError(`A run with id \`${id}\` is already in progress`, { runId: id });
    const controller = new AbortController();
    // Registered before the work starts: a run refused at once emits its `end` synchronously, and watchers get it.
    const entry: Active = { controller, done: Promise.resolve(), events: [], watchers: new Set() };
    this.#runs.set(id, entry);
    let result: Promise<T>;
    try {
      // The controller itself, not its signal: the harness runs with it (HarnessRunOptions.controller), so a run has
      // one controller and one signal, not a second pair joined by a listener.
      result = work(id, controller);
    } catch (error) {
      this.#runs.delete(id);
      throw error;
    }
    entry.done = result.then(
      () => undefined,
      () => undefined,
    );
    void entry.done.then(() => this.#runs.delete(id));
    return { runId: id, result };
  }

  /** Record an event of a run in progress and pass it to its watchers (an unknown run's events are dropped). */
  emit(runId: string, event: string, data: unknown): void {
    const entry = this.#runs.get(runId);
    if (!entry) return;
    const record = { event, data };
    entry.events.push(record);
    for (const watch of entry.watchers) watch(record);
    for (const watch of this.#allWatchers) watch(runId, record);
  }

  /**
   * Replay the run's events so far to `watch`, then each new one until the run settles (`end` is the last). Returns
   * the function that stops watching, or undefined when no run with that id is in progress here.
   */
  watch(runId: string, watch: (event: RunEventRecord) => void): (() => void) | undefined {
    const entry = this.#runs.get(runId);
    if (!entry) return undefined;
    for (const record of entry.events) watch(record);
    entry.watchers.add(watch);
    return () => entry.watchers.delete(watch);
  }

  /** Every event of every run started here from now on (the fleet publishes them for other instances). */
  watchAll(watch: (runId: string, event: RunEventRecord) => void): () => void {
    this.#allWatchers.add(watch);
    return () => this.#allWatchers.delete(watch);
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** Abort one run; false when no run with that id is in progress. */
  abort(runId: string, why: string): boolean {
    const entry = this.#runs.get(runId);
    if (!entry) return false;
    entry.controller.abort(new AbortedError(why, { runId }));
    return true;
  }

  /** Ids of runs in progress. */
  ids(): string[] {
    return [...this.#runs.keys()];
  }

  /** Refuse new runs, abort every run in progress and wait until all have settled. */
  async abortAll(why: string): Promise<void> {
    this.#closed = true;
    const entries = [...this.#runs.entries()];
    for (const [id, entry] of entries) entry.controller.abort(new AbortedError(why, { runId: id }));
    await Promise.all(entries.map(([, entry]) => entry.done));
  }
}
