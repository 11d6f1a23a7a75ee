/**
 * Worker-thread entry. Keeps `vms` ready GuestVms (created and reset in idle time, never on a run's path), executes
 * one run per `run` message, and answers with `done`. All guest execution happens here, never on the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { WorkerCrashedError, serializeError } from "../errors/index.js";
import { GuestVm } from "./guest-vm.js";
import { KeptArtifacts } from "./kept-artifacts.js";
import { parseToWorker, stepClock, type WorkerOutcome, type ToMain, type WorkerInit } from "./protocol.js";
import { WorkerRun, type RunHost } from "./worker-run.js";

const port = parentPort;
if (!port) throw new Error("runtime/worker.js must run in a worker thread");
const init = workerData as WorkerInit;
const flags = new Int32Array(init.interrupt);

const ready: GuestVm[] = [];
const waiters: ((vm: GuestVm) => void)[] = [];
let creating = 0;
let vmsCreated = 0;
let vmsDisposed = 0;
const runs = new Map<string, WorkerRun>();
const cancelledEarly = new Set<string>();
const waitingForVm = new Set<string>();
const artifacts = new KeptArtifacts();

const shouldInterrupt = (): boolean => Atomics.load(flags, 0) !== 0;

/** The engine: in workerData, or (for a worker started while it compiled) from the `engine` message. */
let receiveEngine: (wasm: WebAssembly.Module) => void = () => {};
const engine: Promise<WebAssembly.Module> = init.wasm
  ? Promise.resolve(init.wasm)
  : new Promise((resolve) => (receiveEngine = resolve));

function onDebug(vm: GuestVm, op: string): void {
  if (op === "trap") vm.corruptRuntime();
  else if (op === "exit") process.exit(3);
  else if (op === "hang") for (;;); // ignores the interrupt flag: only terminating the worker stops this
}

async function createVm(): Promise<void> {
  creating++;
  try {
    const base = { wasm: await engine, shouldInterrupt, reusable: !init.singleRun };
    const vm = await GuestVm.create(init.debugHooks ? { ...base, onDebug } : base);
    vmsCreated++;
    const waiter = waiters.shift();
    if (waiter) waiter(vm);
    else ready.push(vm);
  } finally {
    creating--;
  }
}

/** VMs whose run ended, waiting to be reset in idle time. */
const toRecycle: { vm: GuestVm; broken: boolean }[] = [];
let recycleScheduled = false;

let createFailures = 0;

function replenish(): void {
  // A single-run worker prepares its first VM only; later runs (if any) get one created on demand.
  const keep = init.singleRun && vmsCreated + creating > 0 ? 0 : init.vms;
  while (ready.length + creating + toRecycle.length < keep + waiters.length) {
    createVm().then(
      () => (createFailures = 0),
      (error: unknown) => {
        // The engine could not start a VM (e.g. no memory for a new instance). Retry with back-off; give up (and let
        // the pool replace this worker) only when it keeps failing.
        if (++createFailures > 5) throw error;
        setTimeout(replenish, 10 * createFailures);
      },
    );
  }
}

function drainRecycle(): void {
  recycleScheduled = false;
  for (let item = toRecycle.shift(); item; item = toRecycle.shift()) recycle(item.vm, item.broken);
}

function takeVm(): GuestVm | Promise<GuestVm> {
  // A run that follows immediately (same message batch) resets a used VM now: 0.1 ms, far cheaper than creating one.
  if (ready.length === 0 && toRecycle.length > 0) drainRecycle();
  const vm = ready.pop();
  if (vm) return vm;
  const promise = new Promise<GuestVm>((resolve) => waiters.push(resolve));
  replenish();
  return promise;
}

/** Return a VM to the ready list (restored to its snapshot) or drop it; runs after `done` is posted. */
function recycle(vm: GuestVm, broken: boolean): void {
  if (!broken && vm.reset()) {
    const waiter = waiters.shift();
    if (waiter) waiter(vm);
    else ready.push(vm);
    return;
  }
  vm.dispose();
  vmsDisposed++;
  replenish();
}

function post(message: ToMain): void {
  port!.postMessage(message);
}

const host: RunHost = {
  post,
  interrupt: () => Atomics.store(flags, 0, 1),
  isInterrupted: shouldInterrupt,
  executing: (on) => Atomics.store(flags, 1, on ? stepClock() : 0),
};

function finish(run: WorkerRun, outcome: WorkerOutcome, consoleTruncated: boolean): void {
  runs.delete(run.runId);
  post({ type: "done", runId: run.runId, outcome, consoleTruncated, vmsCreated, vmsDisposed });
  toRecycle.push({ vm: run.guest, broken: run.vmBroken });
  if (!recycleScheduled) {
    recycleScheduled = true;
    // setImmediate, measured against a 1 ms timer: the timer let back-to-back runs find no ready VM and reset two VMs
    // on their own path.
    setImmediate(drainRecycle);
  }
}

async function startRun(message: Extract<ReturnType<typeof parseToWorker>, { type: "run" }>, bytecode: Uint8Array): Promise<void> {
  const taken = takeVm();
  let vm: GuestVm;
  if (taken instanceof GuestVm) vm = taken;
  else {
    waitingForVm.add(message.runId);
    vm = await taken;
    waitingForVm.delete(message.runId);
  }
  if (cancelledEarly.delete(message.runId)) {
    recycle(vm, false);
    post({
      type: "done",
      runId: message.runId,
      outcome: { ok: false, cancelled: true, error: { name: "AbortedError", code: "CODY_ABORTED", message: "Run cancelled before it started", details: {} } },
      consoleTruncated: false,
      vmsCreated,
      vmsDisposed,
    });
    return;
  }
  const run = new WorkerRun(message, bytecode, vm, host, finish);
  runs.set(message.runId, run);
  run.start();
}

port.on("message", (data: unknown) => {
  const message = parseToWorker(data);
  if (!message) return;
  switch (message.type) {
    case "run": {
      // Cleared here, before any await: a cancel for this run arrives after this message and raises it again.
      Atomics.store(flags, 0, 0);
      // Taken now, in message order: what a run message says to keep or drop applies before the next one.
      const bytecode = artifacts.take(message);
      if (bytecode) void startRun(message, bytecode);
      else {
        // The pool names only hashes it sent this worker and did not evict: this is a pool bug, not the script's.
        const error = new WorkerCrashedError(`The worker does not hold the bytecode of artifact ${message.hash}`, { reason: "artifact not kept" });
        post({ type: "done", runId: message.runId, outcome: { ok: false, error: serializeError(error) }, consoleTruncated: false, vmsCreated, vmsDisposed });
      }
      return;
    }
    case "tool_result":
      runs.get(message.runId)?.settle(message.callId, message.ok, message.json);
      return;
    case "engine":
      receiveEngine(message.wasm);
      return;
    case "cancel": {
      const run = runs.get(message.runId);
      if (run) run.cancel();
      // A run still waiting for a VM is cancelled when it gets one; a cancel that crossed `done` is stale.
      else if (waitingForVm.has(message.runId)) cancelledEarly.add(message.runId);
      return;
    }
  }
});

replenish();
void Promise.resolve().then(async () => {
  // Report ready once the first VM exists, so `pool.ready()` means a run will not wait for VM creation.
  while (ready.length === 0) await new Promise((r) => setTimeout(r, 1));
  post({ type: "ready", vmsCreated, vmsDisposed });
});
