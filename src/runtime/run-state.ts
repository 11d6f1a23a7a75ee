/**
 * One run as the main thread sees it: the wall clock, the tool calls (tracker, queue, abort), console entries,
 * events, and the final RunResult. The worker executes; this object decides timeouts, aborts and the end of the run.
 */
import {
  AbortedError,
  CodyError,
  ScriptRuntimeError,
  TimeoutError,
  ToolCallLimitError,
  ToolNotFoundError,
  serializeError,
  type SerializedError,
} from "../errors/index.js";
import type { Artifact } from "../compiler/index.js";
import type { Limits } from "../limits.js";
import { PausableClock } from "./clock.js";
import type { ConsoleEntry, RunEvent, RunResult, ToolCallRecord } from "./contract.js";
import type { PoolRunOptions } from "./options.js";
import type { RunArtifact, WorkerOutcome, ToMain, ToWorker } from "./protocol.js";
import { mapStack } from "./stack.js";
import { callInvoker, parseGuestJson, replyFor, toolFailure, type CallState } from "./tool-calls.js";
import { trackDetached } from "./turn.js";

/** How a run reaches its worker. */
export interface RunChannel {
  post(message: ToWorker): void;
  /** The artifact fields of the `run` message: the bytecode only if the worker does not keep it (kept-artifacts.ts). */
  artifactFields(hash: string, bytecode: Uint8Array): RunArtifact;
  /** Raise the worker's interrupt flag (stops a busy guest). */
  interrupt(): void;
  /** The worker did not acknowledge a cancel in time: kill it. */
  kill(): void;
}

/** How long a worker may take to acknowledge a cancel before it is terminated. */
const CANCEL_GRACE_MS = 1000;

type Settle = (result: RunResult) => void;

export class RunState {
  readonly promise: Promise<RunResult>;
  private settle!: Settle;
  private channel: RunChannel | undefined;
  private readonly clock: PausableClock;
  private readonly calls = new Map<string, CallState>();
  private readonly queue: CallState[] = [];
  private active = 0;
  private readonly console: ConsoleEntry[] = [];
  private stopError: CodyError | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  /**
   * The run's one abort listener, for its whole life: a queued run is taken out of the pool's queue (one listener
   * rather than one while queued and another once started: at concurrency 64 nearly every run is queued first).
   */
  private readonly onAbort = (): void => {
    if (this.channel) return this.requestStop(this.abortError());
    this.onAbortWhileQueued?.();
    this.failEarly(new AbortedError("The run was aborted while queued", {}));
  };
  /** Set by the pool while the run waits in its queue. */
  onAbortWhileQueued: (() => void) | undefined;
  /** Called with the result just before the run's promise resolves (the pool counts failures by it). */
  onEnd: ((result: RunResult) => void) | undefined;
  ended = false;

  constructor(
    readonly runId: string,
    readonly artifact: Artifact,
    readonly opts: PoolRunOptions,
    readonly limits: Limits,
  ) {
    this.promise = new Promise<RunResult>((resolve) => (this.settle = resolve));
    this.toolNames = new Set(opts.toolNames);
    this.clock = new PausableClock(limits.timeoutMs, () =>
      this.requestStop(new TimeoutError(`Script exceeded its time limit of ${limits.timeoutMs} ms`, { limitMs: limits.timeoutMs })),
    );
    const signal = opts.signal;
    if (signal && !signal.aborted) signal.addEventListener("abort", this.onAbort, { once: true });
  }

  private abortError(): AbortedError {
    const reason: unknown = this.opts.signal?.reason;
    return reason instanceof AbortedError ? reason : new AbortedError("The run was aborted", {});
  }

  private emit(event: RunEvent): void {
    const listener = this.opts.onEvent;
    if (!listener) return;
    try {
      listener(event);
    } catch {
      // A failing listener must not break the run.
    }
  }

  /** Fail before reaching a worker (aborted while queued, pool closed). */
  failEarly(error: CodyError): void {
    this.startedAt = performance.now();
    this.finalize({ ok: false, error: serializeError(error) });
  }

  /** The run got a worker: start the clock and send it the script. */
  begin(channel: RunChannel): void {
    this.channel = channel;
    this.startedAt = performance.now();
    this.emit({ type: "start", runId: this.runId, hash: this.artifact.hash, cache: this.opts.cache ?? "miss" });
    if (this.opts.signal?.aborted) return this.failEarly(this.abortError());
    this.clock.start();
    const l = this.limits;
    channel.post({
      type: "run",
      runId: this.runId,
      ...channel.artifactFields(this.artifact.hash, this.artifact.bytecode),
      toolsJson: JSON.stringify(this.opts.toolNames),
      limits: {
        memoryBytes: l.memoryBytes,
        maxStackBytes: l.maxStackBytes,
        maxToolCalls: l.maxToolCalls,
        maxConsoleBytes: l.maxConsoleBytes,
        maxResultBytes: l.maxResultBytes,
      },
    });
  }

  /** A message from the worker for this run. */
  onMessage(message: Exclude<ToMain, { type: "ready" }>): void {
    if (this.ended) return;
    switch (message.type) {
      case "tool_call":
        return this.onToolCall(message.callId, message.tool, message.argsJson, message.detached);
      case "console": {
        const entry: ConsoleEntry = { level: message.level, text: message.text, atMs: message.atMs };
        this.console.push(entry);
        return this.emit({ type: "console", entry });
      }
      case "done":
        this.consoleTruncated = message.consoleTruncated;
        return this.finalize(this.stopError ? { ok: false, error: serializeError(this.stopError) } : message.outcome);
    }
  }
  private consoleTruncated = false;
  private readonly toolNames: ReadonlySet<string>;

  /** How long the oldest tool call still running on the host has been running (ms), or undefined when none is. */
  oldestCallMs(now = performance.now()): number | undefined {
    let oldest: number | undefined;
    for (const call of this.calls.values()) {
      if (call.state === "running" && (oldest === undefined || call.startedAt < oldest)) oldest = call.startedAt;
    }
    return oldest === undefined ? undefined : now - oldest;
  }

  /** The worker died (or was killed) while running this run. */
  onWorkerLost(error: CodyError): void {
    if (this.ended) return;
    this.finalize({ ok: false, error: serializeError(this.stopError ?? error) });
  }

  /** Time is up: stop the run now rather than when its timer fires (see PausableClock.expireIfDue). */
  expireIfDue(): boolean {
    return this.clock.expireIfDue();
  }

  /** End the run from the main thread: abort its calls, stop the guest, and wait for the worker to confirm. */
  requestStop(error: CodyError): void {
    if (this.ended || this.stopError) return;
    this.stopError = error;
    this.clock.stop();
    for (const call of this.calls.values()) this.abortCall(call, error);
    const channel = this.channel;
    if (!channel) return this.finalize({ ok: false, error: serializeError(error) });
    channel.interrupt();
    channel.post({ type: "cancel", runId: this.runId });
    this.graceTimer = setTimeout(() => channel.kill(), CANCEL_GRACE_MS);
  }

  private onToolCall(callId: string, tool: string, argsJson: string, detached: boolean): void {
    if (this.stopError) return;
    if (!this.toolNames.has(tool)) {
      // The prelude only calls names it was given; anything else is refused without reaching the invoker.
      const reply = replyFor(false, undefined, tool, new ToolNotFoundError(`No tool named ${tool} in this run`, { tool }).toJSON());
      this.channel?.post({ type: "tool_result", runId: this.runId, callId, ok: false, json: reply.json });
      return;
    }
    if (this.calls.size >= this.limits.maxToolCalls) {
      const limit = this.limits.maxToolCalls;
      return this.requestStop(new ToolCallLimitError(`Script made more than ${limit} tool calls`, { limit, tool }));
    }
    let args: unknown;
    try {
      args = parseGuestJson(argsJson);
    } catch {
      args = {};
    }
    const call: CallState = {
      id: callId,
      tool,
      args,
      detached,
      state: "queued",
      controller: new AbortController(),
      startedAt: performance.now(),
      record: { id: callId, tool, ms: 0, ok: false, outcome: "pending", detached },
    };
    this.calls.set(callId, call);
    // Spawned calls are turn-scoped work: they start at once and do not hold a slot of maxConcurrentToolCalls.
    if (detached || this.active < this.limits.maxConcurrentToolCalls) this.startCall(call);
    else this.queue.push(call);
  }

  private startCall(call: CallState): void {
    call.state = "running";
    call.startedAt = performance.now();
    if (!call.detached) this.active++;
    const turn = this.opts.turnSignal;
    if (call.detached && turn) {
      if (turn.aborted) call.controller.abort(turn.reason);
      else turn.addEventListener("abort", () => call.controller.abort(turn.reason), { once: true });
    }
    this.emit({ type: "tool_call", id: call.id, tool: call.tool, args: call.args, detached: call.detached });
    const invocation = {
      callId: call.id,
      tool: call.tool,
      args: call.args,
      detached: call.detached,
      signal: call.controller.signal,
      pauseClock: () => this.clock.pause(),
    };
    call.settled = callInvoker(this.opts.invokeTool, invocation).then(
      (value) => this.onCallSettled(call, true, value),
      (error: unknown) => this.onCallSettled(call, false, error),
    );
    if (call.detached && turn) trackDetached(turn, call.settled);
  }

  private onCallSettled(call: CallState, ok: boolean, value: unknown): void {
    if (call.state === "done") return;
    call.state = "done";
    if (!call.detached) this.active--;
    const failure = ok ? undefined : toolFailure(value, call.tool, call.controller.signal);
    const reply = replyFor(ok, value, call.tool, failure);
    const record = call.record;
    record.ms = performance.now() - call.startedAt;
    record.ok = reply.ok;
    if (reply.ok) record.outcome = "ok";
    else {
      const error = failure ?? (parseGuestJson(reply.json) as SerializedError);
      record.error = error;
      record.outcome = call.controller.signal.aborted ? "aborted" : error.code === "CODY_APPROVAL_DENIED" ? "denied" : "error";
    }
    this.emit({ type: "tool_result", id: call.id, tool: call.tool, ok: record.ok, ms: record.ms, outcome: record.outcome });
    if (this.ended || this.stopError) return;
    this.channel?.post({ type: "tool_result", runId: this.runId, callId: call.id, ok: reply.ok, json: reply.json });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limits.maxConcurrentToolCalls && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (next.state === "queued") this.startCall(next);
    }
  }

  /** Abort one call, queued or running; a running call's late settlement is then ignored. */
  private abortCall(call: CallState, reason: CodyError): void {
    if (call.state === "done") return;
    const wasRunning = call.state === "running";
    call.state = "done";
    call.controller.abort(reason);
    if (wasRunning && !call.detached) this.active--;
    const record = call.record;
    record.ms = wasRunning ? performance.now() - call.startedAt : 0;
    record.ok = false;
    record.outcome = "aborted";
    record.error = serializeError(reason);
    if (wasRunning) this.emit({ type: "tool_result", id: call.id, tool: call.tool, ok: false, ms: record.ms, outcome: "aborted" });
  }

  private finalize(outcome: WorkerOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.clock.stop();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    const abortedCalls: string[] = [];
    const turn = this.opts.turnSignal;
    // Made only when a call needs it: building an Error captures a stack, which costs on the hot path.
    let endReason = this.stopError;
    for (const call of this.calls.values()) {
      if (call.state === "done") {
        // Spawned calls count here only when the run itself cut them off (timeout, abort, limit).
        if (call.record.outcome === "aborted" && (!call.detached || this.stopError)) abortedCalls.push(call.id);
        continue;
      }
      // Spawned calls outlive a script that ended on its own, until the turn ends; without a turn they end here.
      const keep = call.detached && call.state === "running" && turn !== undefined && !turn.aborted && !this.stopError;
      if (keep) continue;
      endReason ??= new AbortedError("The script ended before this tool call settled", {});
      this.abortCall(call, endReason);
      abortedCalls.push(call.id);
    }
    const result: RunResult = {
      runId: this.runId,
      ok: outcome.ok,
      console: this.console,
      consoleTruncated: this.consoleTruncated,
      // Spawned calls still running show their duration so far.
      toolCalls: [...this.calls.values()].map((c) =>
        c.state === "running" ? { ...c.record, ms: performance.now() - c.startedAt } : { ...c.record },
      ),
      abortedCalls,
      durationMs: this.startedAt ? performance.now() - this.startedAt : 0,
      hash: this.artifact.hash,
      cache: this.opts.cache ?? "miss",
    };
    if (outcome.ok) {
      if (outcome.json !== "") result.value = parseGuestJson(outcome.json);
    } else {
      result.error = this.describeError(outcome.error);
    }
    this.emit({ type: "end", result });
    this.onEnd?.(result);
    this.settle(result);
  }

  /** Map a script error's stack to the user's TypeScript; other errors pass through. */
  private describeError(error: SerializedError): SerializedError {
    if (error.code !== ScriptRuntimeError.code) {
      // Errors raised on the host (timeouts, limits, crashes) carry no stack worth showing.
      const { stack: _stack, ...rest } = error;
      return rest;
    }
    const raw = typeof error.details.stack === "string" ? error.details.stack : "";
    // A guest ToolError carries the tool whose call failed; its stack was captured at that call.
    const tool = typeof error.details.tool === "string" ? error.details.tool : undefined;
    const mapped = mapStack(raw, this.artifact.filename, this.artifact.sourceMap, this.artifact.hash, tool);
    const out: SerializedError = { ...error, details: { ...error.details, stack: mapped.stack } };
    if (mapped.location) out.location = mapped.location;
    return out;
  }
}

export type { ToolCallRecord };
