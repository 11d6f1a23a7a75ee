/**
 * ScriptPool: worker threads holding ready QuickJS VMs. One run per worker at a time (so a dying worker fails only
 * its own run); further runs wait in a bounded queue. The main thread never executes guest code.
 *
 * A run cannot be preempted, so a CPU-bound script (or one waiting on a slow tool) holds its worker until it ends or
 * times out. Runs that hold a worker past `longRunMs` get a worker added beside them (up to `maxWorkers`): the OS
 * time-slices the threads, so a trivial run still completes in milliseconds while hogs spin. Added workers retire
 * after `RETIRE_IDLE_MS` idle once no longer needed.
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
import type { Artifact } from "../compiler/index.js";
import { normalizeLimits } from "../limits.js";
import type { RunResult } from "./contract.js";
import { resolvePoolOptions, validateRunOptions, type PoolOptions, type ResolvedPoolOptions, type PoolRunOptions } from "./options.js";
import { InThreadRunner, type RunnerThread } from "./in-thread.js";
import { parseToMain, stepClock, type ToWorker, type WorkerInit } from "./protocol.js";
import { RunState, type RunChannel } from "./run-state.js";
import { SentArtifacts } from "./kept-artifacts.js";
import { loadEngineModule } from "./wasm.js";

/** A snapshot of the pool's state. */
export interface PoolMetrics {
  /** Live worker threads (the base ones plus those added for long-held workers). */
  workers: number;
  /** Workers held by one run for longer than `longRunMs`. */
  longHeld: number;
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
  /** Runs whose `run` message carried the bytecode (the others named an artifact their worker keeps). */
  bytecodeSent: number;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);
/** Consecutive worker deaths before ready that make the pool give up (a broken engine, not a bad script). */
const MAX_STARTUP_FAILURES = 3;
/** How long an added worker stays idle before it is retired (so a stream of hogs does not respawn threads). */
const RETIRE_IDLE_MS = 5000;
/** A run holding its worker this many times `longRunMs` counts as long-held even if it was only waiting on messages. */
const LONG_HELD_ANYWAY = 10;

interface Slot {
  index: number;
  worker: RunnerThread;
  flags: Int32Array;
  ready: boolean;
  dead: boolean;
  run: RunState | null;
  vmsCreated: number;
  vmsDisposed: number;
  /** Added beside long-held workers; retired when idle and no longer needed. */
  extra: boolean;
  /** Its current run has held it longer than `longRunMs`. */
  long: boolean;
  longTimer: NodeJS.Timeout | undefined;
  retireTimer: NodeJS.Timeout | undefined;
  /** The bytecode this worker keeps (a replaced worker gets a new, empty record). */
  artifacts: SentArtifacts;
}

export class ScriptPool {
  private readonly options: ResolvedPoolOptions;
  private readonly slots: (Slot | undefined)[] = [];
  private readonly extras = new Set<Slot>();
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
  private bytecodeSent = 0;
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
    // The base workers start now, beside the engine's compile (a thread takes longer to start than the compile, so
    // a one-shot CLI run waited for both in turn); they receive the engine as a message once it is ready.
    for (let i = 0; i < this.options.workers; i++) this.spawn(i);
    loadEngineModule(this.options.engineCache).then(
      (wasm) => {
        this.wasm = wasm;
        if (this.closed) return;
        for (const slot of this.live()) slot.worker.postMessage({ type: "engine", wasm } satisfies ToWorker);
        this.rebalance();
      },
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        for (const slot of this.live()) {
          slot.dead = true;
          void slot.worker.terminate();
        }
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
  run(artifact: Artifact, opts: PoolRunOptions): Promise<RunResult> {
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
    state.onEnd = (result) => {
      if (!result.ok) this.failures++;
    };
    if (slot) this.dispatch(slot, state);
    else this.enqueue(state);
    return state.promise;
  }

  private enqueue(state: RunState): void {
    if (state.opts.signal?.aborted) return state.failEarly(new AbortedError("The run was aborted while queued", {}));
    this.queue.push(state);
    // The run's own abort listener calls this while it waits here (see RunState.onAbort).
    state.onAbortWhileQueued = () => {
      const i = this.queue.indexOf(state);
      if (i >= 0) this.queue.splice(i, 1);
    };
    // A run queued behind long-held workers gets a worker of its own (see wantedWorkers).
    if (this.anyLong()) this.rebalance();
  }

  /** Whether some live worker is long-held (without building the live list: this is asked for every queued run). */
  private anyLong(): boolean {
    for (const slot of this.slots) if (slot && !slot.dead && slot.long) return true;
    for (const slot of this.extras) if (!slot.dead && slot.long) return true;
    return false;
  }

  metrics(): PoolMetrics {
    const live = this.live();
    const busy = live.filter((s) => s.run !== null).length;
    const workers = live.length;
    return {
      workers,
      longHeld: live.filter((s) => s.long).length,
      busy,
      queued: this.queue.length,
      utilization: workers === 0 ? 0 : busy / workers,
      vmsCreated: this.retiredCreated + live.reduce((n, s) => n + s.vmsCreated, 0),
      vmsDisposed: this.retiredDisposed + live.reduce((n, s) => n + s.vmsDisposed, 0),
      runs: this.runCount,
      failures: this.failures,
      workerRestarts: this.restarts,
      bytecodeSent: this.bytecodeSent,
    };
  }

  /** Refuse new runs, stop queued and running ones (PoolClosedError), and terminate the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new PoolClosedError("The script pool was closed");
    for (const state of this.queue.splice(0)) state.failEarly(closedError);
    const running = this.live().flatMap((s) => (s.run ? [s.run] : []));
    for (const state of running) state.requestStop(closedError);
    await Promise.allSettled(running.map((s) => s.promise));
    const slots = this.live();
    this.slots.splice(0);
    this.extras.clear();
    await Promise.allSettled(
      slots.map((s) => {
        s.dead = true;
        clearTimeout(s.longTimer);
        clearTimeout(s.retireTimer);
        return s.worker.terminate();
      }),
    );
    this.readyReject(closedError);
  }

  /** Base workers first, then added ones (so added ones go idle first and retire). */
  private live(): Slot[] {
    return [...this.slots, ...this.extras].filter((s): s is Slot => s !== undefined && !s.dead);
  }

  /**
   * An idle base worker; an added one (the spare included) only while some worker is long-held. Letting the spare take
   * ordinary bursts put more busy threads than cores and cost ≈ 15–20 % of throughput at concurrency 64 (measured).
   */
  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot && slot.ready && !slot.dead && slot.run === null) return slot;
    if (!this.anyLong()) return undefined;
    for (const slot of this.extras) if (slot.ready && !slot.dead && slot.run === null) return slot;
    return undefined;
  }

  /**
   * How many workers the pool should have now: the base ones free of long-held runs, plus one spare started ahead of
   * need (a new thread takes 50–600 ms to be ready on a busy box, far longer than a trivial run may wait), plus one per
   * run queued behind long-held workers (so six hogs at once do not get workers one generation at a time).
   */
  private wantedWorkers(live: Slot[]): number {
    const { workers, maxWorkers } = this.options;
    if (maxWorkers === workers) return workers;
    const longHeld = live.filter((s) => s.long).length;
    return Math.min(maxWorkers, workers + longHeld + 1 + (longHeld > 0 ? this.queue.length : 0));
  }

  /** Spawn the workers `wantedWorkers` asks for; retire surplus added ones after they idled `RETIRE_IDLE_MS`. */
  private rebalance(): void {
    if (this.closed || this.broken || !this.wasm) return;
    const live = this.live();
    const want = this.wantedWorkers(live);
    for (let have = live.length; have < want; have++) this.spawn(-1);
    let surplus = live.length - want;
    for (const slot of this.extras) {
      if (surplus <= 0) break;
      if (slot.run !== null || !slot.ready) continue;
      surplus--;
      slot.retireTimer ??= setTimeout(() => {
        slot.retireTimer = undefined;
        this.retireIfSurplus(slot);
      }, RETIRE_IDLE_MS).unref();
    }
  }

  private retireIfSurplus(slot: Slot): void {
    if (slot.dead || slot.run !== null || this.closed) return;
    const live = this.live();
    if (live.length <= this.wantedWorkers(live)) return;
    slot.dead = true;
    this.extras.delete(slot);
    this.retiredCreated += slot.vmsCreated;
    this.retiredDisposed += slot.vmsCreated;
    void slot.worker.terminate();
  }

  /** Spawn the base worker at `index`, or an added one for index -1. */
  private spawn(index: number): void {
    if (this.closed || this.broken) return;
    // Slot 0: the interrupt flag; slot 1: since when the guest has been executing (see WorkerInit).
    const interrupt = new SharedArrayBuffer(8);
    const init: WorkerInit = {
      ...(this.wasm ? { wasm: this.wasm } : {}),
      interrupt,
      vms: this.options.vmsPerWorker,
      singleRun: this.options.singleRun,
      debugHooks: this.options.debugHooks,
    };
    const worker: RunnerThread = this.options.inThread
      ? new InThreadRunner(init, () => slot.run?.expireIfDue() ?? false)
      : new Worker(WORKER_URL, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    const slot: Slot = {
      index,
      worker,
      flags: new Int32Array(interrupt),
      ready: false,
      dead: false,
      run: null,
      vmsCreated: 0,
      vmsDisposed: 0,
      extra: index < 0,
      long: false,
      longTimer: undefined,
      retireTimer: undefined,
      artifacts: new SentArtifacts(this.options.keptArtifactBytes),
    };
    if (slot.extra) this.extras.add(slot);
    else this.slots[index] = slot;
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
      // Ready means every worker started so far (the spare included) can take a run.
      if (this.live().every((s) => s.ready)) this.readyResolve();
      this.pump();
      if (slot.extra) this.rebalance();
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
      this.release(slot);
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
    slot.long = false;
    clearTimeout(slot.longTimer);
    clearTimeout(slot.retireTimer);
    if (slot.extra) this.extras.delete(slot);
    if (run) run.onWorkerLost(this.crashError(error));
    if (this.closed) return;
    if (!slot.ready && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      return this.fail(new WorkerCrashedError(`Script workers fail to start: ${error.message}`, { reason: error.message }));
    }
    // A lost added worker is replaced by rebalance() when still wanted; either way it counts as a restart.
    this.restarts++;
    if (!slot.extra) this.spawn(slot.index);
    this.rebalance();
  }

  /** The slot's run is over (or its worker is gone): stop watching how long it holds the worker. */
  private release(slot: Slot): void {
    slot.run = null;
    clearTimeout(slot.longTimer);
    slot.longTimer = undefined;
    if (slot.long) {
      slot.long = false;
      this.rebalance();
    }
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
    clearTimeout(slot.retireTimer);
    slot.retireTimer = undefined;
    if (this.options.maxWorkers > this.options.workers) {
      const dispatchedAt = performance.now();
      const check = (): void => {
        slot.longTimer = undefined;
        if (slot.run !== state) return;
        const wait = this.notHoggingFor(slot, state, dispatchedAt);
        if (wait !== undefined) {
          slot.longTimer = setTimeout(check, wait).unref();
          return;
        }
        slot.long = true;
        this.rebalance();
        // Runs queued behind it may now take the spare or other added workers.
        this.pump();
      };
      slot.longTimer = setTimeout(check, this.options.longRunMs).unref();
    }
    const channel: RunChannel = {
      post: (message) => {
        if (!slot.dead) slot.worker.postMessage(message);
      },
      artifactFields: (hash, bytecode) => {
        const fields = slot.artifacts.fields(hash, bytecode);
        if (fields.bytecode) this.bytecodeSent++;
        return fields;
      },
      interrupt: () => Atomics.store(slot.flags, 0, 1),
      kill: () => {
        // Retire the slot first, so nothing is dispatched to a worker that is about to die.
        this.onLost(slot, new Error("the worker did not stop within the grace period"));
        void slot.worker.terminate();
      },
    };
    state.begin(channel);
    if (state.ended) this.release(slot);
  }

  /**
   * Whether a run that has held its worker for `longRunMs` really holds it: its guest has been executing for that long
   * (a hog), or a tool call of it has been running that long (a slow tool: the worker sits idle meanwhile), or it has
   * held the worker for LONG_HELD_ANYWAY × `longRunMs` whatever it did. Otherwise it is only waiting for messages —
   * a busy event loop or a starved box delays them — and another thread would not make it faster, only add to the
   * contention (measured under load: the pool grew to its 10-thread cap and CPU per trivial run nearly doubled).
   * Returns when to look again (ms), or undefined when it counts as long-held now.
   */
  private notHoggingFor(slot: Slot, state: RunState, dispatchedAt: number): number | undefined {
    const limit = this.options.longRunMs;
    const now = performance.now();
    const heldMs = now - dispatchedAt;
    if (heldMs >= limit * LONG_HELD_ANYWAY) return undefined;
    const since = Atomics.load(slot.flags, 1);
    // Both ends are 31-bit wall-clock milliseconds: the modulo keeps a step that spans a wrap positive.
    const executingMs = since === 0 ? 0 : (stepClock() - since + 0x80000000) % 0x80000000;
    if (executingMs >= limit) return undefined;
    const callMs = state.oldestCallMs(now) ?? 0;
    if (callMs >= limit) return undefined;
    // Look again once the step or the call so far could have reached the limit (never later than the cap).
    const next = limit - Math.max(executingMs, callMs);
    return Math.max(1, Math.min(next, limit * LONG_HELD_ANYWAY - heldMs));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) return;
      const state = this.queue.shift()!;
      state.onAbortWhileQueued = undefined;
      this.dispatch(slot, state);
    }
  }
}
