/**
 * A stand-in for the pool's worker thread that runs guests on the pool's own thread, for a process that runs one
 * script (`cody script run`): a worker thread costs a second V8 isolate and Node's bootstrap inside it (≈ 50 ms of
 * CPU, measured) before its first run. It speaks the worker protocol (protocol.ts) and runs scripts with the worker's
 * code (GuestVm, WorkerRun), so the pool, its RunState and every limit behave as with a thread. What a thread gave
 * for free is made explicit here, because guest code now blocks the thread the pool's timers and listeners need:
 * - the wall-clock limit: the run's timer cannot fire while the guest computes, so the interrupt check asks the run's
 *   clock as well (`overdue`, RunState.expireIfDue);
 * - Ctrl-C: a SIGINT listener cannot run either, so guest code runs under Node's SIGINT watchdog (`breakOnSigint`);
 *   a SIGINT ends the step, the VM is dropped, and the signal is handed to the process's listeners as if it had
 *   arrived between steps (re-raised when there are none, which ends the process as before);
 * - console streaming: messages to the pool are delivered synchronously, so a console line is written while the
 *   guest keeps computing; messages from the pool arrive as a task later, as a thread would receive them.
 */
import { EventEmitter } from "node:events";
import vm from "node:vm";
import { GuestVm } from "./guest-vm.js";
import { loadPreludeBytecode } from "./prelude-bytecode.js";
import { parseToWorker, stepClock, type ToMain, type ToWorker, type WorkerInit, type WorkerOutcome } from "./protocol.js";
import { WorkerRun, type RunHost } from "./worker-run.js";

/** What the pool needs of a worker: Node's Worker, or an InThreadRunner. */
export interface RunnerThread {
  postMessage(message: ToWorker): void;
  on(event: "message", listener: (data: unknown) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "exit", listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
  unref(): void;
}

type RunMessage = Extract<ToWorker, { type: "run" }>;

const STEP = Symbol.for("cody.inThreadStep");
let stepScript: vm.Script | undefined;

/** Call `enter` so that a SIGINT ends it (V8 terminates the execution); true when that happened. */
function underSigintWatchdog(enter: () => void): boolean {
  stepScript ??= new vm.Script("globalThis[Symbol.for('cody.inThreadStep')]()", { filename: "cody:in-thread-step" });
  const slot = globalThis as unknown as Record<symbol, unknown>;
  slot[STEP] = enter;
  try {
    stepScript.runInThisContext({ breakOnSigint: true });
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") return true;
    throw error;
  } finally {
    delete slot[STEP];
  }
}

export class InThreadRunner extends EventEmitter implements RunnerThread {
  private readonly flags: Int32Array;
  private engine: WebAssembly.Module | undefined;
  private idle: GuestVm | undefined;
  private creating: Promise<void> | undefined;
  private run: WorkerRun | undefined;
  private readonly waitingForVm = new Set<string>();
  private readonly cancelledEarly = new Set<string>();
  private vmsCreated = 0;
  private vmsDisposed = 0;
  private terminated = false;
  private readonly host: RunHost;

  /** `overdue` is asked at every interrupt check of a running guest; true stops it (the run's time is up). */
  constructor(
    private readonly init: WorkerInit,
    private readonly overdue: () => boolean,
  ) {
    super();
    this.flags = new Int32Array(init.interrupt);
    this.host = {
      post: (message) => this.toPool(message),
      interrupt: () => Atomics.store(this.flags, 0, 1),
      isInterrupted: () => Atomics.load(this.flags, 0) !== 0,
      // As a worker does (worker.ts): the pool tells a guest that computes from a run waiting on the host by it.
      executing: (on) => Atomics.store(this.flags, 1, on ? stepClock() : 0),
    };
    if (init.wasm) this.receiveEngine(init.wasm);
  }

  postMessage(message: ToWorker): void {
    setImmediate(() => this.receive(message));
  }

  unref(): void {}

  /** Drop the VMs. Never called while a guest executes (the pool's callers run on this thread). */
  terminate(): Promise<number> {
    if (!this.terminated) {
      this.terminated = true;
      this.run = undefined;
      this.drop(this.idle);
      this.idle = undefined;
      setImmediate(() => this.emit("exit", 1));
    }
    return Promise.resolve(1);
  }

  private toPool(message: ToMain): void {
    if (!this.terminated) this.emit("message", message);
  }

  private receive(data: unknown): void {
    if (this.terminated) return;
    const message = parseToWorker(data);
    if (!message) return;
    switch (message.type) {
      case "engine":
        return this.receiveEngine(message.wasm);
      case "run": {
        Atomics.store(this.flags, 0, 0);
        // The pool keeps no artifacts in an in-thread runner (nothing is cloned): every run message carries its bytecode.
        const bytecode = message.bytecode;
        if (bytecode) void this.startRun(message, bytecode);
        return;
      }
      case "tool_result": {
        const run = this.run;
        if (run?.runId === message.runId) this.step(run, () => run.settle(message.callId, message.ok, message.json));
        return;
      }
      case "cancel":
        if (this.run?.runId === message.runId) this.run.cancel();
        else if (this.waitingForVm.has(message.runId)) this.cancelledEarly.add(message.runId);
        return;
    }
  }

  private receiveEngine(wasm: WebAssembly.Module): void {
    if (this.engine) return;
    this.engine = wasm;
    // Prepare the first VM now, while the caller still loads and looks up the script; ready once it exists.
    this.ensureVm().then(
      () => this.toPool({ type: "ready", vmsCreated: this.vmsCreated, vmsDisposed: this.vmsDisposed }),
      () => undefined, // reported by createVm
    );
  }

  /** An idle VM exists once this resolves (unless a run took it meanwhile). */
  private ensureVm(): Promise<void> {
    if (this.idle) return Promise.resolve();
    this.creating ??= this.createVm()
      .then((vm) => {
        if (this.terminated || this.idle) this.drop(vm);
        else this.idle = vm;
      })
      .finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async takeVm(): Promise<GuestVm> {
    for (;;) {
      const idle = this.idle;
      if (idle) {
        this.idle = undefined;
        return idle;
      }
      if (this.terminated) throw new Error("in-thread runner terminated");
      await this.ensureVm();
    }
  }

  private async createVm(): Promise<GuestVm> {
    const engine = this.engine;
    if (!engine) throw new Error("in-thread runner: no engine yet");
    try {
      const shouldInterrupt = (): boolean => Atomics.load(this.flags, 0) !== 0 || this.overdue();
      // The build's prelude bytecode: this VM is created on the run's path, where compiling the prelude cost ≈ 8 ms.
      const base = { wasm: engine, shouldInterrupt, reusable: !this.init.singleRun, preludeBytecode: loadPreludeBytecode() };
      // Tests provoke a trap through the debug hook; "exit" and "hang" would take this whole process down with them.
      const onDebug = (guest: GuestVm, op: string): void => (op === "trap" ? guest.corruptRuntime() : undefined);
      const vm = await GuestVm.create(this.init.debugHooks ? { ...base, onDebug } : base);
      this.vmsCreated++;
      return vm;
    } catch (error) {
      // As a worker whose VM cannot be created dies: the pool replaces it, and gives up after a few.
      setImmediate(() => this.emit("error", error instanceof Error ? error : new Error(String(error))));
      throw error;
    }
  }

  private async startRun(message: RunMessage, bytecode: Uint8Array): Promise<void> {
    this.waitingForVm.add(message.runId);
    let guest: GuestVm;
    try {
      guest = await this.takeVm();
    } catch {
      return; // the runner is reported lost; the pool fails the run
    } finally {
      this.waitingForVm.delete(message.runId);
    }
    if (this.terminated) return this.drop(guest);
    if (this.cancelledEarly.delete(message.runId)) {
      if (this.idle) this.drop(guest);
      else this.idle = guest;
      const error = { name: "AbortedError", code: "CODY_ABORTED", message: "Run cancelled before it started", details: {} };
      const outcome: WorkerOutcome = { ok: false, cancelled: true, error };
      this.toPool({ type: "done", runId: message.runId, outcome, consoleTruncated: false, vmsCreated: this.vmsCreated, vmsDisposed: this.vmsDisposed });
      return;
    }
    const run = new WorkerRun(message, bytecode, guest, this.host, (r, outcome, truncated) => this.finish(r, outcome, truncated));
    this.run = run;
    this.step(run, () => run.start());
  }

  /** Run guest code for `run` under the SIGINT watchdog. */
  private step(run: WorkerRun, enter: () => void): void {
    if (!underSigintWatchdog(enter)) return;
    // The step was cut off wherever V8 stopped it: the VM's state is unknown, so it is never used again.
    run.vmBroken = true;
    if (process.listenerCount("SIGINT") === 0) {
      process.kill(process.pid, "SIGINT");
      return;
    }
    // The listeners decide what a Ctrl-C means (`cody script run`: abort the run and its tools, print why).
    process.emit("SIGINT", "SIGINT");
    run.cancel();
  }

  private finish(run: WorkerRun, outcome: WorkerOutcome, consoleTruncated: boolean): void {
    if (this.run === run) this.run = undefined;
    const guest = run.guest;
    const keep = !run.vmBroken && guest.reset();
    if (!keep) this.vmsDisposed++;
    this.toPool({ type: "done", runId: run.runId, outcome, consoleTruncated, vmsCreated: this.vmsCreated, vmsDisposed: this.vmsDisposed });
    if (keep && !this.terminated && !this.idle) this.idle = guest;
    else setImmediate(() => this.drop(guest));
  }

  private drop(guest: GuestVm | undefined): void {
    try {
      guest?.dispose();
    } catch {
      // A VM cut off mid-step may fail to free itself; its memory goes with the instance.
    }
  }
}
