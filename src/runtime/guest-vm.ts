/**
 * One QuickJS VM prepared for runs (worker side). Creating a VM costs 2–4 ms, so a run never pays for it: VMs are
 * created in idle time with the prelude already evaluated, and right after that a copy of the VM's linear memory is
 * kept (its non-zero pages; see SnapshotRun). When a run ends, that copy is written back over the live instance
 * (≈ 50–65 µs of CPU for the 3.5 MB memory, zero runs filled rather than copied), which
 * returns the VM to exactly the state it had before any run — globals, prototypes, atoms and the allocator included —
 * without creating a new WASM instance. A VM whose memory grew during the run, or that trapped, is not reused: it is
 * dropped and a new one is created off the hot path.
 *
 * This relies on quickjs-wasi internals (pinned to 3.6.2): `_getExports()` for the memory and `__stack_pointer`, and
 * the host-side handle bookkeeping (`_ownedHandles`, `_activeScope`), which is restored alongside the memory.
 * test/runtime/isolation.test.ts proves that nothing one run does is seen by the next; guest-reset.test.ts that a
 * reset gives back the snapshot's memory byte for byte.
 */
import { QuickJS, MAX_STACK_SIZE, type JSValueHandle } from "quickjs-wasi";
import { OOM_COUNTER_EXPORT } from "./oom-counter.js";
import { PRELUDE_FILENAME, PRELUDE_SOURCE } from "./prelude.js";
import type { PreludeBytecode } from "./prelude-bytecode.js";

/**
 * The engine's own stdout/stderr (allocator warnings, assertion text) must not reach the host process's streams:
 * count the bytes as written and drop them.
 */
function silentWasi(memory: { buffer: ArrayBuffer }): Record<string, (...args: number[]) => number> {
  return {
    fd_write(_fd: number, iovs: number, count: number, written: number): number {
      const view = new DataView(memory.buffer);
      let total = 0;
      for (let i = 0; i < count; i++) total += view.getUint32(iovs + i * 8 + 4, true);
      view.setUint32(written, total, true);
      return 0;
    },
  };
}

/** The unit snapshots keep memory in (WebAssembly's page is 64 KiB; zero and non-zero data alternate at this grain). */
const PAGE_BYTES = 4096;

/** Heap headroom a run gets before its VM can no longer be reset in place. */
const PREGROW_BYTES = 2 * 1024 * 1024;

/**
 * The snapshot as 4 KiB-aligned runs of pages: a run that was all zeros keeps only its bounds (a reset fills it with
 * zeros), any other run keeps a copy of its bytes. Measured on the 3.5 MB memory: ≈ 90 % of it is zeros (the unused
 * shadow stack below 1 MiB and the freed pre-grow), and filling is ≈ 2.5× cheaper than copying, so a reset costs
 * ≈ 40 µs instead of ≈ 90 µs; the bytes written back are the snapshot's bytes all the same.
 */
interface SnapshotRun {
  offset: number;
  end: number;
  /** The run's bytes; undefined for a run of zeros. */
  bytes: Uint8Array | undefined;
}

/** Split `memory` into runs of all-zero and other pages (see SnapshotRun). */
function snapshotRuns(memory: Uint8Array): SnapshotRun[] {
  const zeroPage = Buffer.alloc(PAGE_BYTES);
  const whole = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  const runs: SnapshotRun[] = [];
  let start = 0;
  let zero: boolean | undefined;
  for (let offset = 0; offset < memory.byteLength; offset += PAGE_BYTES) {
    const end = Math.min(offset + PAGE_BYTES, memory.byteLength);
    const isZero = whole.compare(zeroPage, 0, end - offset, offset, end) === 0;
    if (zero !== undefined && isZero !== zero) {
      runs.push({ offset: start, end: offset, bytes: zero ? undefined : memory.slice(start, offset) });
      start = offset;
    }
    zero = isZero;
  }
  if (zero !== undefined) runs.push({ offset: start, end: memory.byteLength, bytes: zero ? undefined : memory.slice(start) });
  return runs;
}

/** What the guest asks the host for; every argument is a string. */
export type HostHandler = (op: string, args: string[]) => boolean | void;

interface QuickJSInternals {
  _ownedHandles: Set<JSValueHandle>;
  _activeScope: Set<JSValueHandle> | null;
}

/** Options fixed for a VM's life. */
export interface GuestVmOptions {
  wasm: WebAssembly.Module;
  /** Return true to interrupt the guest (checked by QuickJS every few thousand bytecode instructions). */
  shouldInterrupt: () => boolean;
  /** Installs `__cody_debug(op)` for tests. */
  onDebug?: (vm: GuestVm, op: string) => void;
  /**
   * Pre-grow the heap and snapshot the memory so `reset()` can reuse the VM; false for a VM that serves one run (its
   * `reset()` then returns false). @default true
   */
  reusable?: boolean;
  /** The prelude as bytecode (prelude-bytecode.ts), used when this engine made it; else its source is evaluated. */
  preludeBytecode?: PreludeBytecode | undefined;
}

export class GuestVm {
  /** Set by the run using this VM; the host function forwards to it. */
  onHost: HostHandler | undefined;
  private snapshot: SnapshotRun[] | undefined;
  /** The memory's size when the snapshot was taken (a memory that grew cannot be reset in place). */
  private snapshotBytes = 0;
  private stackPointer = 0;
  private ownedAtSnapshot: Set<JSValueHandle> = new Set();
  private memoryLimit = -1;
  private stackLimit = -1;
  /** The engine's out-of-memory counter (absent when the engine build could not be instrumented). */
  private readonly oomCounter: { value: unknown } | undefined;
  /** The counter's value when the current run started. */
  private oomBase = 0;

  /**
   * The memory once `setup` ran for one tool set, kept like the snapshot (zero and non-zero page runs): `reset()` then
   * returns the VM to "tools installed" for that set, and a run with the same tools skips `setup` (≈ 90 µs of the
   * worker's CPU per run for the seven built-in tools, measured) and only reseeds Math.random.
   */
  private tools: { names: string; runs: SnapshotRun[]; stackPointer: number } | undefined;
  /** The memory is exactly the `tools` state for these names (freshly reset), so `setup` need not run. */
  private toolsReady: string | undefined;
  /** The tool set `setup` last ran for. */
  private lastSetup: string | undefined;
  /** How many times `setup` ran in this VM (tests: a repeated tool set must not keep running it). */
  setups = 0;

  private constructor(
    readonly vm: QuickJS,
    readonly setupFn: JSValueHandle,
    readonly startFn: JSValueHandle,
    readonly settleFn: JSValueHandle,
    readonly reseedFn: JSValueHandle,
  ) {
    this.oomCounter = (vm._getExports() as unknown as Record<string, { value: unknown } | undefined>)[OOM_COUNTER_EXPORT];
  }

  /** Whether this VM's engine counts out-of-memory errors (see oom-counter.ts). */
  get countsOutOfMemory(): boolean {
    return this.oomCounter !== undefined;
  }

  /**
   * True once the guest hit its memory limit during the current run, even if it caught the error. One read of a
   * WebAssembly global: cheap enough for every host call and interrupt check.
   */
  outOfMemory(): boolean {
    return this.oomCounter !== undefined && this.oomCounter.value !== this.oomBase;
  }

  /** Create a VM, evaluate the prelude, and remember its memory for `reset()`. */
  static async create(options: GuestVmOptions): Promise<GuestVm> {
    // Filled in below; the host functions only run once the VM is built.
    const ref: { self?: GuestVm } = {};
    // The interrupt flag is per worker: only a VM that is executing a run (onHost set) may be interrupted by it, never
    // one being created or reset in idle time while another run's stop is in progress.
    const shouldInterrupt = options.shouldInterrupt;
    // A guest that caught "out of memory" is stopped at its next check too (the run then ends with MemoryLimitError).
    const interruptHandler = (): boolean => ref.self?.onHost !== undefined && (shouldInterrupt() || ref.self.outOfMemory());
    const vm = await QuickJS.create({ wasm: options.wasm, interruptHandler, wasi: silentWasi });
    // Touch the cached singletons so their boxes live inside the snapshot.
    void vm.global;
    void vm.undefined;
    void vm.null;
    void vm.true;
    void vm.false;
    const hostFn = vm.newFunction("__cody_host", (...args: JSValueHandle[]) => {
      const strings = args.map((a) => (a.isString ? a.toString() : ""));
      const [op = "", ...rest] = strings;
      // `true` tells the prelude to stop sending this kind of request (console output past its limit).
      return ref.self?.onHost?.(op, rest) === true ? vm.true : vm.undefined;
    });
    vm.global.setProp("__cody_host", hostFn);
    const onDebug = options.onDebug;
    if (onDebug) {
      vm.global.setProp(
        "__cody_debug",
        vm.newFunction("__cody_debug", (op?: JSValueHandle) => {
          if (ref.self && op?.isString) onDebug(ref.self, op.toString());
          return vm.undefined;
        }),
      );
    }
    const bytecode = options.preludeBytecode;
    const api =
      bytecode && bytecode.engine === vm.versions["quickjs-wasi"]
        ? vm.evalBytecode(bytecode.bytes)
        : vm.evalCode(PRELUDE_SOURCE, PRELUDE_FILENAME);
    if (options.reusable === false) {
      const self = new GuestVm(vm, api.getProp("setup"), api.getProp("start"), api.getProp("settle"), api.getProp("reseed"));
      ref.self = self;
      return self;
    }
    // Grow the heap once and free it again: the allocator keeps the pages, so a run can use this much fresh memory
    // and still be reset in place (a VM whose memory grew must be replaced). Restoring 3.5 MB instead of 1.4 MB costs
    // ≈0.05 ms more per reset.
    vm.evalCode(`new ArrayBuffer(${PREGROW_BYTES}), 0`, PRELUDE_FILENAME);
    const self = new GuestVm(vm, api.getProp("setup"), api.getProp("start"), api.getProp("settle"), api.getProp("reseed"));
    ref.self = self;
    self.takeSnapshot();
    return self;
  }

  private get internals(): QuickJSInternals {
    return this.vm as unknown as QuickJSInternals;
  }

  private takeSnapshot(): void {
    this.vm.runGC();
    const exports = this.vm._getExports();
    const memory = new Uint8Array(exports.memory.buffer);
    this.snapshot = snapshotRuns(memory);
    this.snapshotBytes = memory.byteLength;
    this.stackPointer = exports.__stack_pointer.value as number;
    this.ownedAtSnapshot = new Set(this.internals._ownedHandles);
  }

  /**
   * Install `tools`, `console` and the error classes for a run whose tool names are `namesJson` (a JSON array), with
   * `seed` for its Math.random. After a reset to a state where these tools are installed already, only reseeds. A
   * reusable VM keeps the pages `setup` changed once the same tool set came twice in a row, so later runs with those
   * tools start from them; another tool set first puts the snapshot's own pages back.
   */
  installTools(namesJson: string, seed: string): void {
    const vm = this.vm;
    if (this.toolsReady === namesJson) {
      this.toolsReady = undefined;
      vm.callFunction(this.reseedFn, vm.undefined, vm.newString(seed)).dispose();
      return;
    }
    // Pristine memory either way: the snapshot's, or the snapshot's plus another tool set's pages (undone here). The
    // run's limits live in that memory: they are applied again.
    if (this.toolsReady !== undefined) {
      const memoryLimit = this.memoryLimit;
      const stackLimit = this.stackLimit;
      this.restore(false);
      if (memoryLimit >= 0 && stackLimit >= 0) this.configure(memoryLimit, stackLimit);
    }
    this.toolsReady = undefined;
    this.setups++;
    const names = vm.newString(namesJson);
    const seedArg = vm.newString(seed);
    vm.callFunction(this.setupFn, vm.undefined, names, seedArg).dispose();
    names.dispose();
    seedArg.dispose();
    // Kept once a tool set comes twice in a row: finding the pages costs a compare of the whole memory (≈ 0.2 ms),
    // which runs that alternate tool sets (REST's `allowedTools`) must not pay every time.
    if (this.snapshot && this.lastSetup === namesJson && this.tools?.names !== namesJson) this.keepToolPages(namesJson);
    this.lastSetup = namesJson;
  }

  /**
   * Keep the memory as it is now that `setup` ran (the snapshot plus what `setup` and the run's limits changed), so a
   * reset writes each page once: ≈ 5 µs less per reset than the snapshot and then `setup`'s 40-odd pages over it.
   */
  private keepToolPages(names: string): void {
    const exports = this.vm._getExports();
    const memory = new Uint8Array(exports.memory.buffer);
    if (memory.byteLength !== this.snapshotBytes) {
      this.tools = undefined;
      return;
    }
    this.tools = { names, runs: snapshotRuns(memory), stackPointer: exports.__stack_pointer.value as number };
  }

  /** Write the snapshot back (with `withTools`, the kept tool state instead when there is one). */
  private restore(withTools: boolean): boolean {
    const snapshot = this.snapshot;
    if (!snapshot) return false;
    const exports = this.vm._getExports();
    const memory = new Uint8Array(exports.memory.buffer);
    if (memory.byteLength !== this.snapshotBytes) return false;
    const tools = withTools ? this.tools : undefined;
    for (const run of tools ? tools.runs : snapshot) {
      if (run.bytes) memory.set(run.bytes, run.offset);
      else memory.fill(0, run.offset, run.end);
    }
    exports.__stack_pointer.value = tools ? tools.stackPointer : this.stackPointer;
    this.toolsReady = tools?.names;
    this.internals._ownedHandles = new Set(this.ownedAtSnapshot);
    this.internals._activeScope = null;
    // The limits were in the memory just restored.
    this.memoryLimit = -1;
    this.stackLimit = -1;
    return true;
  }

  /**
   * Apply a run's memory and stack limits (both live in the VM's memory, so `reset()` undoes them) and start counting
   * the run's out-of-memory errors from zero.
   */
  configure(memoryBytes: number, maxStackBytes: number): void {
    const exports = this.vm._getExports();
    this.oomBase = (this.oomCounter?.value as number | undefined) ?? 0;
    if (memoryBytes !== this.memoryLimit) {
      exports.qjs_set_memory_limit(memoryBytes);
      this.memoryLimit = memoryBytes;
    }
    const stack = Math.min(maxStackBytes, MAX_STACK_SIZE);
    if (stack !== this.stackLimit) {
      exports.qjs_set_max_stack_size(stack);
      this.stackLimit = stack;
    }
  }

  /**
   * Put the VM back in its pre-run state. Returns false when it cannot be reused (its memory grew: the allocator's
   * restored view would no longer match the instance's size); the caller then drops it.
   */
  reset(): boolean {
    if (!this.restore(true)) return false;
    this.memoryLimit = -1;
    this.stackLimit = -1;
    this.onHost = undefined;
    return true;
  }

  /**
   * Test hook: overwrite the runtime's allocator function pointers, so the guest's next allocation makes an indirect
   * call through an invalid table index — a real WebAssembly trap.
   */
  corruptRuntime(): void {
    const exports = this.vm._getExports();
    const rt = exports.qjs_get_runtime_ptr();
    new Uint8Array(exports.memory.buffer, rt, 64).fill(0xff);
  }

  dispose(): void {
    this.onHost = undefined;
    this.snapshot = undefined;
    this.vm.dispose();
  }
}
