/**
 * One run inside a worker: install the run's globals, evaluate the bytecode, call the script's function and drive
 * QuickJS's job queue until the script's promise settles. Tool calls leave as `tool_call` messages; their results
 * come back through `settle()`. Limits enforced here: memory, stack, tool-call count, console bytes, result size.
 *
 * Hitting the memory limit is fatal even when the guest catches the engine's "out of memory" error: the engine counts
 * those errors (oom-counter.ts), and the count is checked at every host call, at the end of every step, and by the
 * interrupt handler (guest-vm.ts), so a guest that swallows the error is stopped within one interrupt interval.
 */
import { JSException } from "quickjs-wasi";
import {
  MemoryLimitError,
  ResultNotSerializableError,
  ResultTooLargeError,
  ScriptRuntimeError,
  ToolCallLimitError,
  VmCrashedError,
  AbortedError,
  serializeError,
  type CodyError,
} from "../errors/index.js";
import { formatLimitValue } from "../limits.js";
import type { GuestVm } from "./guest-vm.js";
import type { ConsoleLevel, WorkerOutcome, ToMain, ToWorker } from "./protocol.js";

type RunMessage = Extract<ToWorker, { type: "run" }>;

/** Everything a run needs from its worker. */
export interface RunHost {
  post(message: ToMain): void;
  /** Raise the interrupt flag so a busy guest stops at its next check. */
  interrupt(): void;
  isInterrupted(): boolean;
  /** Guest code starts or stops executing (the main thread tells a hog from a run waiting on messages by it). */
  executing(on: boolean): void;
}

const MARKER = "[console output truncated: limit of %d bytes reached]";
/** Console entries kept per run, whatever their size (an empty `console.log()` still costs a message). */
const MAX_CONSOLE_ENTRIES = 10_000;

/** A guest error message that means the VM ran out of its memory limit. */
function isOutOfMemory(name: string, message: string): boolean {
  return message === "out of memory" || (name === "InternalError" && message.includes("out of memory"));
}

export class WorkerRun {
  readonly runId: string;
  private outcome: WorkerOutcome | undefined;
  /** A limit hit inside a host call: wins over whatever the guest does afterwards. */
  private fatal: CodyError | undefined;
  private callCount = 0;
  private readonly outstanding = new Set<string>();
  private consoleBytes = 0;
  private consoleTruncated = false;
  private consoleEntries = 0;
  private readonly startedAt = performance.now();
  /** Set when the VM must not be reused (trap, corrupted state). */
  vmBroken = false;
  finished = false;

  constructor(
    private readonly msg: RunMessage,
    private readonly bytecode: Uint8Array,
    readonly guest: GuestVm,
    private readonly host: RunHost,
    private readonly onFinish: (run: WorkerRun, outcome: WorkerOutcome, consoleTruncated: boolean) => void,
  ) {
    this.runId = msg.runId;
  }

  /** Start the script and run it until it waits on tool calls or ends. */
  start(): void {
    const { guest, msg } = this;
    const vm = guest.vm;
    guest.configure(msg.limits.memoryBytes, msg.limits.maxStackBytes);
    guest.onHost = (op, args) => this.onHost(op, args);
    this.step(() => {
      const seed = (Math.random() * 0x100000000) | 0;
      guest.installTools(msg.toolsJson, String(seed));
      const main = vm.evalBytecode(this.bytecode);
      vm.callFunction(guest.startFn, vm.undefined, main);
    });
  }

  /** A tool result from the main thread. */
  settle(callId: string, ok: boolean, json: string): void {
    if (this.finished || !this.outstanding.delete(callId)) return;
    const vm = this.guest.vm;
    this.step(() => {
      vm.callFunction(this.guest.settleFn, vm.undefined, vm.newString(callId), ok ? vm.true : vm.false, vm.newString(json));
    });
  }

  /** The main thread decided the run is over (timeout, abort, limit); it already knows the error it reports. */
  cancel(): void {
    if (this.finished) return;
    this.end({ ok: false, cancelled: true, error: serializeError(new AbortedError("Run cancelled by the host")) });
  }

  /** Run guest code, then drain the job queue; classify anything that escapes. */
  private step(enter: () => void): void {
    const vm = this.guest.vm;
    this.host.executing(true);
    try {
      enter();
      vm.executePendingJobs();
    } catch (error) {
      this.host.executing(false);
      this.onEscape(error);
      return;
    }
    this.host.executing(false);
    this.afterStep();
  }

  /** Record a memory-limit hit (caught by the guest or not) as the run's fatal error; true if there was one. */
  private checkMemory(): boolean {
    if (this.fatal) return this.fatal instanceof MemoryLimitError;
    if (!this.guest.outOfMemory()) return false;
    this.fatal = this.memoryError();
    // The VM's allocator just failed: never reuse it.
    this.vmBroken = true;
    return true;
  }

  private afterStep(): void {
    if (this.finished) return;
    this.checkMemory();
    if (this.fatal) return this.end({ ok: false, error: serializeError(this.fatal) });
    if (this.outcome) return this.end(this.outcome);
    if (this.outstanding.size === 0) {
      // No job queued, no tool call out, no result yet: nothing can ever settle the script's promise.
      this.end({
        ok: false,
        error: serializeError(
          new ScriptRuntimeError("The script is waiting on a promise that nothing will ever settle", {
            name: "Error",
            message: "deadlock: awaited promise can never settle",
            stack: "",
          }),
        ),
      });
    }
  }

  /** An exception left QuickJS: an interrupt, an uncatchable error, or a trap. */
  private onEscape(error: unknown): void {
    if (this.finished) return;
    this.checkMemory();
    if (this.fatal) return this.end({ ok: false, error: serializeError(this.fatal) });
    if (this.host.isInterrupted()) {
      return this.end({ ok: false, cancelled: true, error: serializeError(new AbortedError("Run interrupted by the host")) });
    }
    const text = error instanceof Error ? error.message : String(error);
    if (/out of memory/.test(text)) {
      this.vmBroken = true;
      return this.end({ ok: false, error: serializeError(this.memoryError()) });
    }
    if (error instanceof JSException || (error instanceof Error && text.startsWith("Job execution error"))) {
      // An exception the prelude could not catch (bad bytecode, an uncatchable engine error).
      const name = error instanceof JSException ? error.name : "Error";
      return this.end({
        ok: false,
        error: serializeError(new ScriptRuntimeError(text, { name, message: text, stack: "" })),
      });
    }
    // A WebAssembly trap (RuntimeError), a host stack overflow, or anything else: the VM can no longer be trusted.
    this.vmBroken = true;
    const name = error instanceof Error ? error.constructor.name : "Error";
    this.end({
      ok: false,
      error: serializeError(new VmCrashedError(`The QuickJS VM crashed: ${name}: ${text}`, { name, message: text })),
    });
  }

  private memoryError(): MemoryLimitError {
    const limit = this.msg.limits.memoryBytes;
    return new MemoryLimitError(`Script exceeded its memory limit of ${formatLimitValue("memoryBytes", limit)}`, { limitBytes: limit });
  }

  /** Called synchronously from inside the guest. */
  private onHost(op: string, args: string[]): boolean | void {
    if (this.finished || this.fatal || this.checkMemory()) return;
    switch (op) {
      case "call":
        // The script already settled: a call made by a leftover job would only be started to be aborted.
        if (this.outcome) return;
        return this.onCall(args[0] ?? "", args[1] ?? "", args[2] ?? "", args[3] === "1");
      case "console":
        this.onConsole(args[0] ?? "log", args[1] ?? "");
        return this.consoleTruncated;
      case "done":
        return this.onDone(args[0] ?? "", args[1] ?? "");
    }
  }

  private onCall(callId: string, tool: string, argsJson: string, detached: boolean): void {
    this.callCount++;
    const limit = this.msg.limits.maxToolCalls;
    if (this.callCount > limit) {
      this.fatal = new ToolCallLimitError(`Script made more than ${limit} tool calls`, { limit, tool });
      this.host.interrupt();
      return;
    }
    this.outstanding.add(callId);
    this.host.post({ type: "tool_call", runId: this.runId, callId, tool, argsJson, detached });
  }

  private onConsole(level: string, text: string): void {
    if (this.consoleTruncated) return;
    const limit = this.msg.limits.maxConsoleBytes;
    if (++this.consoleEntries > MAX_CONSOLE_ENTRIES) {
      // Many tiny entries cost the host far more than their bytes say: cap the count as well.
      this.consoleTruncated = true;
      const text = `[console output truncated: more than ${MAX_CONSOLE_ENTRIES} entries]`;
      this.host.post({ type: "console", runId: this.runId, level: "warn", text, atMs: performance.now() - this.startedAt });
      return;
    }
    const bytes = Buffer.byteLength(text) + 1;
    const atMs = performance.now() - this.startedAt;
    const lvl = (["log", "info", "warn", "error", "debug"].includes(level) ? level : "log") as ConsoleLevel;
    if (this.consoleBytes + bytes <= limit) {
      this.consoleBytes += bytes;
      this.host.post({ type: "console", runId: this.runId, level: lvl, text, atMs });
      return;
    }
    const room = limit - this.consoleBytes;
    if (room > 1) {
      const cut = Buffer.from(text).subarray(0, room - 1).toString("utf8").replace(/\uFFFD+$/, "");
      this.host.post({ type: "console", runId: this.runId, level: lvl, text: cut, atMs });
    }
    this.consoleBytes = limit;
    this.consoleTruncated = true;
    this.host.post({ type: "console", runId: this.runId, level: "warn", text: MARKER.replace("%d", String(limit)), atMs });
  }

  private onDone(kind: string, payload: string): void {
    if (this.outcome) return;
    if (kind === "ok") {
      const size = Buffer.byteLength(payload);
      const limit = this.msg.limits.maxResultBytes;
      this.outcome =
        size > limit
          ? { ok: false, error: serializeError(new ResultTooLargeError(`Script result is ${formatLimitValue("maxResultBytes", size)}, over the limit of ${formatLimitValue("maxResultBytes", limit)}`, { size, limit })) }
          : { ok: true, json: payload };
      return;
    }
    if (kind === "unserializable") {
      this.outcome = {
        ok: false,
        error: serializeError(new ResultNotSerializableError(`Script returned a value that is not JSON-serializable: ${payload}`, { reason: payload })),
      };
      return;
    }
    let info: { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; tool?: unknown } = {};
    try {
      info = JSON.parse(payload) as typeof info;
    } catch {
      info = { name: "Error", message: payload };
    }
    const name = typeof info.name === "string" ? info.name : "Error";
    const message = typeof info.message === "string" ? info.message : "";
    if (isOutOfMemory(name, message)) {
      this.outcome = { ok: false, error: serializeError(this.memoryError()) };
      return;
    }
    const details: Record<string, unknown> = { name, message, stack: typeof info.stack === "string" ? info.stack : "" };
    if (typeof info.code === "string") details.code = info.code;
    if (typeof info.tool === "string") details.tool = info.tool;
    this.outcome = { ok: false, error: serializeError(new ScriptRuntimeError(`${name}: ${message}`, details)) };
  }

  private end(outcome: WorkerOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.guest.onHost = undefined;
    if (!outcome.ok) delete outcome.error.stack; // the host-side stack of a runtime error class says nothing useful
    this.onFinish(this, outcome, this.consoleTruncated);
  }
}
