/**
 * ScriptPool: worker threads holding ready QuickJS VMs. One run per worker at a time (so a dying worker fails only
 * its own run); further runs wait in a bounded queue. The main thread never executes guest code.
 */
import { Worker } from "node:worker_threads";
import {
  AbortedError,
  InvalidOptionError,
  PoolClosedError,
  PoolQueueFullError,
  WorkerCrashedError,
  type CodyError,
} from "../errors/index.js";
import type { Artifact } from "../compiler/artifact.js";
import { normalizeLimits } from "../limits.js";
import type { RunResult } from "./contract.js";
import { resolvePoolOptions, validateRunOptions, type PoolOptions, type ResolvedPoolOptions, type RunOptions } from "./options.js";
import { parseToMain, type WorkerInit } from "./protocol.js";
import { RunState, type RunChannel } from "./run-state.js";
import { loadEngineModule } from "./wasm.js";

/** A snapshot of the pool's state. */
export interface PoolMetrics {
  workers: number;
  /** Workers executing a run right now. */
  busy: number;
  /** Runs waiting for a worker. */
  queued: number;
  /** busy / workers. */
  utilization: number;
  vmsCreated: number;
  vmsDisposed: number;
  /** Runs accepted by `run()`. */
  runs: number;
  /** Runs that ended with ok: false. */
  failures: number;
  /** Workers replaced after dying. */
  workerRestarts: number;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);
/** Consecutive worker deaths before ready that make the pool give up (a broken engine, not a bad script). */
const MAX_STARTUP_FAILURES = 3;

interface Slot {
  index: number;
  worker: Worker;
  flags: Int32Array;
  ready: boolean;
  dead: boolean;
  run: RunState | null;
  vmsCreated: number;
  vmsDisposed: number;
}

export class ScriptPool {
  private readonly options: ResolvedPoolOptions;
  private readonly slots: (Slot | undefined)[] = [];
  private readonly queue: RunState[] = [];
  private wasm: WebAssembly.Module | undefined;
  private closed = false;
  private readonly readyPromise: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (error: Error) => void;
  private startupFailures = 0;
  /** Set when workers cannot start at all; every run is then refused with it. */
  private broken: CodyError | undefined;
  private runCount = 0;
  private failures = 0;
  private restarts = 0;
  private retiredCreated = 0;
  private retiredDisposed = 0;
  private nextRunId = 0;
  private readonly idPrefix = `r${Date.now().toString(36)}`;

  constructor(options: PoolOptions = {}) {
    this.options = resolvePoolOptions(options);
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.readyPromise.catch(() => {});
    loadEngineModule().then(
      (wasm) => {
        this.wasm = wasm;
        if (this.closed) return;
        for (let i = 0; i < this.options.workers; i++) this.spawn(i);
      },
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        this.fail(new WorkerCrashedError(`The QuickJS engine could not be loaded: ${why}`, { reason: why }));
      },
    );
  }

  /** Resolves once every worker has a ready VM. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * Execute a compiled script. Script-level failures (errors, limits, timeouts, aborts, crashes) resolve with
   * `ok: false`; the promise rejects only when the pool refuses the run (closed, queue full, invalid options).
   */
  run(artifact: Artifact, opts: RunOptions): Promise<RunResult> {
    if (this.closed) return Promise.reject(new PoolClosedError("The script pool is closed"));
    if (this.broken) return Promise.reject(this.broken);
    let state: RunState;
    try {
      validateRunOptions(opts);
      if (!artifact || !(artifact.bytecode instanceof Uint8Array)) {
        throw new InvalidOptionError("`artifact.bytecode` must be a Uint8Array", { path: "artifact.bytecode" });
      }
      const limits = normalizeLimits(opts.limits);
      state = new RunState(opts.runId ?? `${this.idPrefix}-${++this.nextRunId}`, artifact, opts, limits);
    } catch (error) {
      return Promise.reject(error);
    }
    const slot = this.idleSlot();
    if (!slot && this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new PoolQueueFullError(`The script pool queue is full (${this.options.maxQueue} runs waiting)`, { maxQueue: this.options.maxQueue }),
      );
    }
    this.runCount++;
    void state.promise.then((result) => {
      if (!result.ok) this.failures++;
    });
    if (slot) this.dispatch(slot, state);
    else this.enqueue(state);
    return state.promise;
  }

  private enqueue(state: RunState): void {
    this.queue.push(state);
    const signal = state.opts.signal;
    if (!signal) return;
    const onAbort = (): void => {
      const i = this.queue.indexOf(state);
      if (i < 0) return;
      this.queue.splice(i, 1);
      state.failEarly(new AbortedError("The run was aborted while queued", {}));
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      void state.promise.then(() => signal.removeEventListener("abort", onAbort));
    }
  }

  metrics(): PoolMetrics {
    const live = this.slots.filter((s): s is Slot => s !== undefined);
    const busy = live.filter((s) => s.run !== null).length;
    const workers = this.options.workers;
    return {
      workers,
      busy,
      queued: this.queue.length,
      utilization: workers === 0 ? 0 : busy / workers,
      vmsCreated: this.retiredCreated + live.reduce((n, s) => n + s.vmsCreated, 0),
      vmsDisposed: this.retiredDisposed + live.reduce((n, s) => n + s.vmsDisposed, 0),
      runs: this.runCount,
      failures: this.failures,
      workerRestarts: this.restarts,
    };
  }

  /** Refuse new runs, stop queued and running ones (PoolClosedError), and terminate the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new PoolClosedError("The script pool was closed");
    for (const state of this.queue.splice(0)) state.failEarly(closedError);
    const running = this.slots.flatMap((s) => (s?.run ? [s.run] : []));
    for (const state of running) state.requestStop(closedError);
    await Promise.allSettled(running.map((s) => s.promise));
    const slots = this.slots.splice(0);
    await Promise.allSettled(
      slots.map((s) => {
        if (!s) return undefined;
        s.dead = true;
        return s.worker.terminate();
      }),
    );
    this.readyReject(closedError);
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot && slot.ready && !slot.dead && slot.run === null) return slot;
    return undefined;
  }

  private spawn(index: number): void {
    const wasm = this.wasm;
    if (!wasm || this.closed) return;
    const interrupt = new SharedArrayBuffer(4);
    const init: WorkerInit = { wasm, interrupt, vms: this.options.vmsPerWorker, debugHooks: this.options.debugHooks };
    const worker = new Worker(WORKER_URL, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    const slot: Slot = { index, worker, flags: new Int32Array(interrupt), ready: false, dead: false, run: null, vmsCreated: 0, vmsDisposed: 0 };
    this.slots[index] = slot;
    worker.on("message", (data: unknown) => this.onMessage(slot, data));
    worker.on("error", (error) => this.onLost(slot, error));
    worker.on("exit", (code) => this.onLost(slot, new Error(`worker exited with code ${code}`)));
  }

  private onMessage(slot: Slot, data: unknown): void {
    if (slot.dead) return;
    const message = parseToMain(data);
    if (!message) {
      // A worker that breaks the protocol cannot be trusted with further runs.
      void slot.worker.terminate();
      return;
    }
    if (message.type === "ready") {
      slot.ready = true;
      slot.vmsCreated = message.vmsCreated;
      slot.vmsDisposed = message.vmsDisposed;
      this.startupFailures = 0;
      if (this.slots.every((s) => s?.ready)) this.readyResolve();
      this.pump();
      return;
    }
    const run = slot.run;
    if (!run || run.runId !== message.runId) return;
    if (message.type === "done") {
      slot.vmsCreated = message.vmsCreated;
      slot.vmsDisposed = message.vmsDisposed;
    }
    run.onMessage(message);
    if (run.ended && message.type === "done") {
      slot.run = null;
      this.pump();
    }
  }

  private onLost(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    this.retiredCreated += slot.vmsCreated;
    this.retiredDisposed += slot.vmsCreated; // every VM of a dead worker is gone
    const run = slot.run;
    slot.run = null;
    if (run) run.onWorkerLost(this.crashError(error));
    if (this.closed) return;
    if (!slot.ready && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      return this.fail(new WorkerCrashedError(`Script workers fail to start: ${error.message}`, { reason: error.message }));
    }
    this.restarts++;
    this.spawn(slot.index);
  }

  /** The pool cannot work at all: refuse everything from now on. */
  private fail(error: CodyError): void {
    this.broken = error;
    this.readyReject(error);
    for (const state of this.queue.splice(0)) state.failEarly(error);
  }

  private crashError(error: Error): CodyError {
    return new WorkerCrashedError(`The worker running the script died: ${error.message}`, { reason: error.message });
  }

  private dispatch(slot: Slot, state: RunState): void {
    slot.run = state;
    const channel: RunChannel = {
      post: (message) => {
        if (!slot.dead) slot.worker.postMessage(message);
      },
      interrupt: () => Atomics.store(slot.flags, 0, 1),
      kill: () => {
        // Retire the slot first, so nothing is dispatched to a worker that is about to die.
        this.onLost(slot, new Error("the worker did not stop within the grace period"));
        void slot.worker.terminate();
      },
    };
    state.begin(channel);
    if (state.ended) slot.run = null;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) return;
      const state = this.queue.shift()!;
      this.dispatch(slot, state);
    }
  }
}
