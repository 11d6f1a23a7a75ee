/**
 * CompilerHost: the main thread's handle on the compiler worker (host-worker.ts). Every type-check and compile of
 * untrusted text goes through it, so the event loop never waits on TypeScript, esbuild or QuickJS's parser, and each
 * request is bounded by `limits.checkTimeoutMs`.
 *
 * One request runs at a time (the checker is single-threaded); the deadline counts from when a request starts, not
 * while it waits its turn. Past the deadline the caller gets CheckTimeoutError at once; the host then raises the
 * worker's stop flag and SIGKILLs the `tsgo` child by pid (a busy child ignores SIGTERM), which ends the worker's
 * blocking read. If the worker has not answered within STOP_GRACE_MS (time spent in its own JavaScript, esbuild or
 * QuickJS) it is terminated and the child killed again. The next request starts a fresh child (or worker) lazily.
 */
import { Worker } from "node:worker_threads";
import { AbortedError, CheckTimeoutError, CodyError, deserializeError } from "../errors/index.js";
import { DEFAULT_LIMITS, type Limits } from "../limits.js";
import type { CompileResult } from "./compile.js";
import type { Diagnostic } from "./diagnostic.js";
import { loadQuickJSModule } from "./bytecode.js";
import type { ToolsDts } from "./dts.js";
import { TypeCheckerError } from "./errors.js";
import { parseFromCompiler, type CompilerWorkerInit, type FromCompiler, type ToCompiler, type ValidatedScript } from "./host-protocol.js";
import type { CheckInput } from "./typecheck.js";

const WORKER_URL = new URL("./host-worker.js", import.meta.url);

/** The compiler worker's heap cap (bin/cody.js prestarts one with the same). */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

/** How long a stopped request may take to wind down before its worker is terminated. */
const STOP_GRACE_MS = 1000;

/** How long starting the checker (tsgo child, libs, tools `.d.ts`) may take before the worker is given up. */
const WARM_TIMEOUT_MS = 30_000;

/**
 * A compiler worker bin/cody.js started for `cody script check` before the CLI's bundle loaded, already asked to warm
 * its checker (`warm`, checker only, no declarations yet), with the events it emitted until a host adopted it.
 */
interface PrestartedWorker {
  worker: Worker;
  stop: SharedArrayBuffer;
  events: ["message" | "error" | "exit", unknown][];
  /** Remove bin/cody.js's recording listeners. */
  detach(): void;
}

const PRESTARTED = Symbol.for("cody.prestartedCompilerWorker");

function takePrestartedWorker(): PrestartedWorker | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const early = g[PRESTARTED] as PrestartedWorker | undefined;
  delete g[PRESTARTED];
  return early;
}

/**
 * End a worker bin/cody.js prestarted that no host adopted (e.g. every file had a verdict, or the flags were
 * refused): its `tsgo` child is killed by pid and the worker terminated, so neither outlives the command.
 */
export async function discardPrestartedWorker(): Promise<void> {
  const early = takePrestartedWorker();
  if (!early) return;
  early.detach();
  let pid: number | undefined;
  for (const [kind, value] of early.events) {
    const message = kind === "message" ? parseFromCompiler(value) : undefined;
    if (message?.type === "child") pid = message.pid;
  }
  const onChild = (data: unknown): void => {
    const message = parseFromCompiler(data);
    if (message?.type === "child") killChild(message.pid);
  };
  early.worker.on("message", onChild);
  early.worker.on("error", () => undefined);
  killChild(pid);
  await early.worker.terminate();
  killChild(pid);
}

/** Request options shared by check and compile. */
export interface HostRequestOptions {
  /** The tools declarations the script is checked against. */
  dts: ToolsDts;
  /** @default DEFAULT_LIMITS.checkTimeoutMs */
  timeoutMs?: number | undefined;
  /** Ends the request early with AbortedError (and stops the work, like a deadline). */
  signal?: AbortSignal | undefined;
  /** Who asked (e.g. a Harness sharing the process's host): `stats(owner)` and `abortAll(error, owner)` count only its requests. */
  owner?: object | undefined;
}

/** Counters for tests, metrics and benches. */
export interface CompilerHostStats {
  /** Check requests started. */
  checks: number;
  /** Compile requests started (one per script compiled, whatever the outcome). */
  compiles: number;
  /** Requests ended by their deadline. */
  timeouts: number;
  /** Workers started (the first, then one after each worker that had to be terminated). */
  workersStarted: number;
  /** Of those, workers bin/cody.js had started before the host existed (`cody script check`), adopted by the host. */
  workersAdopted: number;
}

type Request =
  | { type: "check"; files: CheckInput[] }
  | { type: "compile"; source: string; filename: string; typecheck: boolean; limits: Partial<Limits>; validated?: ValidatedScript };

interface Job {
  id: number;
  request: Request;
  dts: ToolsDts;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  owner: object | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Set once the caller was answered by a deadline or an abort: the worker's late answer is only a sign of health. */
  ended: boolean;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

interface Live {
  worker: Worker | undefined;
  ready: Promise<void>;
  stop: Int32Array;
  /** The worker's current `tsgo` child. */
  pid: number | undefined;
  dtsHash: string | undefined;
  dead: boolean;
  /** Started and not running a request (safe to ask to close itself). */
  idle: boolean;
  /** A checker warm-up ran since its child was last lost (or the worker started). */
  warm: boolean;
  /** A prestarted worker's warm-up has not answered yet: requests wait for it (it is outside every deadline). */
  warmPending: boolean;
  /** esbuild and the QuickJS compile VM were started in this worker. */
  compilerWarm: boolean;
  /** The QuickJS engine was loaded for this worker (it is sent before the first compile; a check never needs it). */
  engineSent: boolean;
  onWarm?: () => void;
  closing?: Promise<void>;
  onClosed?: () => void;
}

export class CompilerHost {
  #live: Live | undefined;
  readonly #queue: Job[] = [];
  #current: Job | undefined;
  #grace: NodeJS.Timeout | undefined;
  /** Resolves when the running request has been answered by the worker (or its worker was replaced). */
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};
  #nextId = 1;
  #closed = false;
  readonly #stats: CompilerHostStats = { checks: 0, compiles: 0, timeouts: 0, workersStarted: 0, workersAdopted: 0 };
  readonly #ownerStats = new WeakMap<object, CompilerHostStats>();

  /** Type-check scripts together in one program (see TypeChecker.check). */
  check(files: readonly CheckInput[], opts: HostRequestOptions): Promise<Diagnostic[]> {
    return this.#enqueue({ type: "check", files: files.map((f) => ({ filename: f.filename, source: f.source })) }, opts) as Promise<Diagnostic[]>;
  }

  /**
   * Validate, check, strip and compile one script (see compileScript), off the event loop and under the deadline.
   * With `validated` the script was validated and keyed by the caller, and neither is done again.
   */
  compile(
    input: { source: string; filename: string },
    opts: HostRequestOptions & { typecheck?: boolean | undefined; limits?: Partial<Limits> | undefined; validated?: ValidatedScript | undefined },
  ): Promise<CompileResult> {
    const request: Request = {
      type: "compile",
      source: input.source,
      filename: input.filename,
      typecheck: opts.typecheck ?? true,
      limits: opts.limits ?? {},
      ...(opts.validated ? { validated: opts.validated } : {}),
    };
    return this.#enqueue(request, opts) as Promise<CompileResult>;
  }

  /** Counters for every request, or only for `owner`'s (its `workersStarted` is always 0). */
  stats(owner?: object): CompilerHostStats {
    if (owner === undefined) return { ...this.#stats };
    return { ...(this.#ownerStats.get(owner) ?? { checks: 0, compiles: 0, timeouts: 0, workersStarted: 0, workersAdopted: 0 }) };
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The pid of the worker's current `tsgo` child, if one is running (tests check it is gone after a deadline). */
  get childPid(): number | undefined {
    return this.#live?.pid;
  }

  /**
   * Refuse queued requests, stop the running one, then end the worker: an idle worker ends its children itself and
   * waits until they are reaped; a stuck one is terminated and its child killed by pid. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = (): TypeCheckerError => new TypeCheckerError("The compiler was closed", { closed: true });
    for (const job of this.#queue.splice(0)) this.#settle(job, closed());
    const current = this.#current;
    if (current) {
      this.#end(current, closed());
      await this.#idle;
    }
    clearTimeout(this.#grace);
    await this.#discard(true);
  }

  /** End every queued and running request (of `owner`, if given) with `error`; the host stays usable. */
  abortAll(error: CodyError, owner?: object): void {
    const mine = (job: Job): boolean => owner === undefined || job.owner === owner;
    for (const job of this.#queue.filter(mine)) this.#end(job, error);
    if (this.#current && mine(this.#current)) this.#end(this.#current, error);
  }

  #enqueue(request: Request, opts: HostRequestOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(new TypeCheckerError("The compiler was closed", { closed: true }));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        request,
        dts: opts.dts,
        timeoutMs: opts.timeoutMs ?? DEFAULT_LIMITS.checkTimeoutMs,
        signal: opts.signal,
        owner: opts.owner,
        resolve,
        reject,
        ended: false,
      };
      if (opts.signal?.aborted) return reject(abortedError(opts.signal));
      if (opts.signal) {
        job.onAbort = () => this.#end(job, abortedError(opts.signal));
        opts.signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) {
      this.#live?.worker?.unref();
      return;
    }
    this.#setCurrent(job);
    const live = this.#ensureWorker();
    live.worker?.ref();
    live.ready.then(
      () => this.#start(live, job),
      (error: unknown) => this.#workerLost(live, error),
    );
  }

  #start(live: Live, job: Job): void {
    if (this.#current !== job || live.dead) return;
    if (job.ended) {
      // Aborted or closed while the worker was starting: nothing was sent, so nothing needs stopping.
      clearTimeout(this.#grace);
      this.#setCurrent(undefined);
      this.#pump();
      return;
    }
    Atomics.store(live.stop, 0, 0);
    live.idle = false;
    if (live.dtsHash !== job.dts.hash) {
      this.#post(live, { type: "dts", text: job.dts.text, hash: job.dts.hash });
      live.dtsHash = job.dts.hash;
    }
    const needsChecker = job.request.type === "check" || job.request.typecheck;
    const needsCompiler = job.request.type === "compile";
    if (needsCompiler && !live.engineSent) {
      // The engine is compiled once per process and handed over before the worker's first compile; a worker that only
      // type-checks (`cody script check`) never needs it, and compiling it cost that process ≈ 10 ms of CPU.
      live.engineSent = true;
      loadQuickJSModule().then(
        (wasm) => {
          if (live.dead) return;
          this.#post(live, { type: "engine", wasm });
          this.#start(live, job);
        },
        (error: unknown) => {
          this.#workerLost(live, error);
          void live.worker?.terminate();
        },
      );
      return;
    }
    if (live.warmPending) {
      // A prestarted worker's warm-up (bin/cody.js) is still running: the request starts after it, as after our own.
      this.#afterWarm(live, job);
      return;
    }
    if ((needsChecker && !live.warm) || (needsCompiler && !live.compilerWarm)) {
      // Start the tsgo child, esbuild's service and the QuickJS compile VM first, outside the request's deadline: a
      // cold start is the host's cost (hundreds of milliseconds on a loaded machine), not the script's.
      live.warm ||= needsChecker;
      live.compilerWarm ||= needsCompiler;
      this.#afterWarm(live, job);
      this.#post(live, { type: "warm", checker: needsChecker, compiler: needsCompiler });
      return;
    }
    this.#count(job, job.request.type === "check" ? "checks" : "compiles");
    job.timer = setTimeout(() => this.#end(job, this.#timeoutError(job)), job.timeoutMs);
    this.#post(live, { ...job.request, id: job.id } as ToCompiler);
  }

  /** Start `job` once the worker's warm-up answers, or fail it (and replace the worker) if that takes too long. */
  #afterWarm(live: Live, job: Job): void {
    const timer = setTimeout(() => {
      if (this.#current !== job) return;
      this.#settle(job, new TypeCheckerError(`The compiler did not start within ${WARM_TIMEOUT_MS} ms`));
      this.#setCurrent(undefined);
      void this.#discard().then(() => this.#pump());
    }, WARM_TIMEOUT_MS);
    live.onWarm = () => {
      clearTimeout(timer);
      this.#start(live, job);
    };
  }

  #count(job: Job, field: "checks" | "compiles" | "timeouts"): void {
    this.#stats[field]++;
    if (job.owner === undefined) return;
    let own = this.#ownerStats.get(job.owner);
    if (!own) this.#ownerStats.set(job.owner, (own = { checks: 0, compiles: 0, timeouts: 0, workersStarted: 0, workersAdopted: 0 }));
    own[field]++;
  }

  #setCurrent(job: Job | undefined): void {
    this.#current = job;
    if (job) this.#idle = new Promise((resolve) => (this.#markIdle = resolve));
    else this.#markIdle();
  }

  #post(live: Live, message: ToCompiler): void {
    live.worker?.postMessage(message);
  }

  /** Answer the caller now (deadline, abort) and stop the work if it is running. */
  #end(job: Job, error: CodyError): void {
    if (job.ended) return;
    if (error instanceof CheckTimeoutError) this.#count(job, "timeouts");
    const running = this.#current === job;
    this.#settle(job, error);
    if (!running) {
      const i = this.#queue.indexOf(job);
      if (i >= 0) this.#queue.splice(i, 1);
      return;
    }
    const live = this.#live;
    if (!live) return;
    Atomics.store(live.stop, 0, 1);
    killChild(live.pid);
    // The worker answers ("failed: stopped", or its result if it was just finishing) and is reused; if it does not,
    // it is stuck in its own code and is replaced.
    this.#grace = setTimeout(() => {
      if (this.#current !== job) return;
      this.#setCurrent(undefined);
      void this.#discard().then(() => this.#pump());
    }, STOP_GRACE_MS);
  }

  #settle(job: Job, result: CodyError | { value: unknown }): void {
    if (job.ended) return;
    job.ended = true;
    clearTimeout(job.timer);
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
    if (result instanceof CodyError) job.reject(result);
    else job.resolve(result.value);
  }

  #ensureWorker(): Live {
    if (this.#live && !this.#live.dead) return this.#live;
    const early = takePrestartedWorker();
    const stopBuffer = early?.stop ?? new SharedArrayBuffer(4);
    let onReady!: () => void;
    let onFail!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    ready.catch(() => undefined);
    const live: Live = {
      worker: undefined,
      ready,
      stop: new Int32Array(stopBuffer),
      pid: undefined,
      dtsHash: undefined,
      dead: false,
      idle: false,
      warm: early !== undefined,
      warmPending: early !== undefined,
      compilerWarm: false,
      engineSent: false,
    };
    this.#live = live;
    this.#stats.workersStarted++;
    if (early) this.#stats.workersAdopted++;
    const init: CompilerWorkerInit = { stop: stopBuffer };
    const worker = early?.worker ?? new Worker(WORKER_URL, { workerData: init, resourceLimits: WORKER_LIMITS });
    early?.detach();
    live.worker = worker;
    const onMessage = (data: unknown): void => {
      const message = parseFromCompiler(data);
      if (message?.type === "ready") {
        live.idle = !live.warmPending;
        onReady();
      } else if (message?.type === "closed") live.onClosed?.();
      else if (message?.type === "warmed") {
        if (live.warmPending) live.idle = true;
        live.warmPending = false;
        live.onWarm?.();
      } else if (message) this.#onMessage(live, message);
    };
    const onError = (error: unknown): void => {
      onFail(error);
      this.#workerLost(live, error);
    };
    const onExit = (code: unknown): void => {
      const error = new Error(`the compiler worker exited with code ${String(code)}`);
      onFail(error);
      this.#workerLost(live, error);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    if (early) {
      // What the prestarted worker said before this host existed, in order (after the caller's turn, as events come).
      queueMicrotask(() => {
        for (const [kind, value] of early.events) (kind === "message" ? onMessage : kind === "error" ? onError : onExit)(value);
      });
    }
    return live;
  }


  #onMessage(live: Live, message: FromCompiler): void {
    if (live.dead) return;
    if (message.type === "child") {
      live.pid = message.pid;
      if (message.pid === undefined) live.warm = false;
      return;
    }
    if (message.type === "ready" || message.type === "closed" || message.type === "warmed") return;
    const job = this.#current;
    if (!job || job.id !== message.id) return;
    live.idle = true;
    this.#setCurrent(undefined);
    clearTimeout(this.#grace);
    if (message.type === "failed") this.#settle(job, deserializeError(message.error));
    else this.#settle(job, { value: message.type === "checked" ? message.diagnostics : message.result });
    this.#pump();
  }

  /** The worker died (crash, out of memory, failed to start): fail its request; the next one starts a new worker. */
  #workerLost(live: Live, error: unknown): void {
    if (live.dead) return;
    live.dead = true;
    killChild(live.pid);
    live.pid = undefined;
    if (this.#live === live) this.#live = undefined;
    const job = this.#current;
    if (job) {
      this.#setCurrent(undefined);
      clearTimeout(this.#grace);
      const why = error instanceof Error ? error.message : String(error);
      this.#settle(job, new TypeCheckerError(`The compiler worker failed: ${why}`, { reason: why }));
    }
    this.#pump();
  }

  /**
   * Terminate the current worker and kill its child (never orphaned: the kill is by pid, SIGKILL). With `gently`, an
   * idle worker first ends its children itself and waits until they are reaped (a terminated thread leaves zombies).
   */
  async #discard(gently = false): Promise<void> {
    const live = this.#live;
    if (!live) return;
    this.#live = undefined;
    if (gently && !live.dead && live.idle) {
      live.closing = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        live.onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#post(live, { type: "close" });
      await live.closing;
    }
    live.dead = true;
    killChild(live.pid);
    await live.worker?.terminate();
    // The child may have been started between the kill and the termination.
    killChild(live.pid);
  }

  #timeoutError(job: Job): CheckTimeoutError {
    const names = job.request.type === "check" ? job.request.files.map((f) => f.filename) : [job.request.filename];
    const what = job.request.type === "check" ? "Type-checking" : "Compiling";
    return new CheckTimeoutError(
      `${what} ${names.join(", ")} took longer than ${job.timeoutMs} ms (limits.checkTimeoutMs); the compiler was stopped`,
      { limit: job.timeoutMs, files: names },
    );
  }
}

function killChild(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function abortedError(signal: AbortSignal | undefined): CodyError {
  const reason: unknown = signal?.reason;
  return reason instanceof CodyError ? reason : new AbortedError("The compile was aborted", {});
}

let shared: { host: CompilerHost; users: number } | undefined;

/**
 * The process's shared CompilerHost: every harness in a process uses one compiler worker (and one `tsgo` child), as
 * they shared the one main thread before, so a process pays the worker's start once. Pair with releaseCompilerHost.
 */
export function acquireCompilerHost(): CompilerHost {
  if (!shared || shared.host.closed) shared = { host: new CompilerHost(), users: 0 };
  shared.users++;
  return shared.host;
}

/** Give back a host from acquireCompilerHost; the last user's release closes it (children ended and reaped). */
export async function releaseCompilerHost(host: CompilerHost): Promise<void> {
  if (shared?.host !== host) return host.close();
  if (--shared.users > 0) return;
  shared = undefined;
  await host.close();
}
