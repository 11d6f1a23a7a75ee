/**
 * The host side of every tool call, in a fixed order: look up → validate → decide (policy) → ask (if needed) →
 * run the handler → audit. Script calls (`tools.*` through the runtime's ToolInvoker) and a model's native function
 * calls (`callStructured`) take exactly the same path, so they get the same errors and the same approvals.
 */
import {
  AbortedError,
  ApprovalDeniedError,
  ApprovalTimeoutError,
  CodyError,
  InvalidOptionError,
  ToolError,
} from "../errors/index.js";
import {
  ApprovalMemory,
  decide,
  normalizePolicyOptions,
  type ApprovalDecision,
  type ApprovalPolicyName,
  type ApprovalPolicyOptions,
  type Approver,
  type DecidedBy,
  type ResolvedPolicy,
} from "../approval/index.js";
import type { AuditLog, CallDecisionInput, CallOutcome } from "../audit/index.js";
import { normalizeLimits, type Limits } from "../limits.js";
import { DEFAULT_SANDBOX, type SandboxSettings } from "../sandbox/index.js";
import type { ToolInvocation, ToolInvoker } from "../runtime/index.js";
import type { ToolDefinition, ToolRegistry } from "../tools/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { prepareValidators, validateToolArgs } from "../tools/validation/validate.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { realWorkspaceRoot } from "../tools/workspace.js";
import { approvalRequest, askApprover } from "./approve.js";
import { askToRunUnsandboxed, isSandboxDenial, mayEscalate } from "./escalate.js";
import { CallTrail } from "./trail.js";

export interface ToolDispatcherOptions {
  registry: ToolRegistry;
  /** Workspace root handed to handlers (resolved to its real path once). */
  workspaceRoot: string;
  /** Approval policy; when `policy.policy` is unset it is `on-request` with an approver and `never` without. */
  policy?: ApprovalPolicyOptions;
  /** Who answers `ask` decisions. Without one, a call that needs approval is denied. */
  approver?: Approver | undefined;
  /** Where every call is recorded. Without one, nothing is recorded. */
  audit?: AuditLog | undefined;
  /** Only `approvalTimeoutMs` is used here. */
  limits?: Partial<Limits>;
  /** "Always" answers; pass one to share them between dispatchers. A fresh memory per dispatcher by default. */
  memory?: ApprovalMemory;
  /** Called when updating an audit row fails after the call ran (the call's own result is kept). */
  onAuditError?: (error: unknown) => void;
  /** The OS sandbox for confined tools (exec). @default DEFAULT_SANDBOX (workspace-write, no network) */
  sandbox?: SandboxSettings | undefined;
}

/** What `forRun` needs to know about the script being run. */
export interface RunContext {
  runId: string;
  scriptHash: string;
  scriptName?: string | undefined;
  /** A person approved this script's hash (recorded in the cache): `on-request` and `never` run its calls. */
  scriptApproved: boolean;
  /** When given, calls to any other tool are denied. */
  allowedTools?: readonly string[] | undefined;
  /** Called when a person answers "abort": the caller should abort the whole run. */
  onAbortRequested?: ((reason: AbortedError) => void) | undefined;
  /** This run's sandbox, when tighter than the dispatcher's (see `tightenSandbox`). */
  sandbox?: SandboxSettings | undefined;
  /**
   * This run's policy name instead of the dispatcher's, with the same allow rules (the MCP server runs a client that
   * cannot be asked under `never`).
   */
  approvalPolicy?: ApprovalPolicyName | undefined;
}

/** A model's native function call, with its arguments already parsed (see `parseStructuredArguments`). */
export interface StructuredCall {
  runId: string;
  callId: string;
  tool: string;
  args: unknown;
}

export interface StructuredCallOptions {
  /** Stop the turn's clock while a person is asked. */
  pauseClock?: () => () => void;
  /** Called when a person answers "abort". */
  onAbortRequested?: (reason: AbortedError) => void;
}

interface Call {
  source: "script" | "structured";
  runId: string;
  callId: string;
  tool: string;
  args: unknown;
  detached: boolean;
  signal: AbortSignal;
  pauseClock: (() => () => void) | undefined;
  scriptHash: string | undefined;
  scriptName: string | undefined;
  scriptApproved: boolean;
  allowedTools: readonly string[] | undefined;
  onAbortRequested: ((reason: AbortedError) => void) | undefined;
  policy: ResolvedPolicy;
  sandbox: SandboxSettings;
  /** The run asked for a tighter sandbox than the dispatcher's (a REST request): never offer to lift it. */
  sandboxTightened: boolean;
}

export class ToolDispatcher {
  /** The resolved policy; when `policy.warning` is set the CLI must print it (approve-all is on). */
  readonly policy: ResolvedPolicy;
  readonly workspaceRoot: string;
  /** The sandbox confined tools run under unless a run asks for a tighter one. */
  readonly sandbox: SandboxSettings;
  readonly #registry: ToolRegistry;
  readonly #approver: Approver | undefined;
  readonly #audit: AuditLog | undefined;
  readonly #limits: Limits;
  readonly #memory: ApprovalMemory;
  readonly #onAuditError: ((error: unknown) => void) | undefined;
  #requests = 0;

  constructor(options: ToolDispatcherOptions) {
    this.#registry = options.registry;
    this.#approver = options.approver;
    this.#audit = options.audit;
    this.#limits = normalizeLimits(options.limits);
    this.#memory = options.memory ?? new ApprovalMemory();
    this.#onAuditError = options.onAuditError;
    this.sandbox = options.sandbox ?? DEFAULT_SANDBOX;
    this.policy = normalizePolicyOptions(options.policy, options.approver !== undefined);
    // Validators are ready before any run's clock starts (built-in ones come from the build, without loading ajv).
    prepareValidators(this.#registry.list());
    try {
      this.workspaceRoot = realWorkspaceRoot(options.workspaceRoot);
    } catch (error) {
      throw new InvalidOptionError(
        `Workspace root \`${options.workspaceRoot}\` does not exist or cannot be resolved`,
        { path: "workspaceRoot", value: options.workspaceRoot },
        { cause: error },
      );
    }
  }

  /** True when the policy approves everything without asking (the CLI prints `policy.warning`). */
  get approvesEverything(): boolean {
    return this.policy.dangerouslyApproveAll;
  }

  /** The invoker the runtime calls for each `tools.*` call of one run. */
  forRun(ctx: RunContext): ToolInvoker {
    return (inv: ToolInvocation) =>
      this.#dispatch({
        source: "script",
        runId: ctx.runId,
        callId: inv.callId,
        tool: inv.tool,
        args: inv.args,
        detached: inv.detached,
        signal: inv.signal,
        pauseClock: () => inv.pauseClock(),
        scriptHash: ctx.scriptHash,
        scriptName: ctx.scriptName,
        scriptApproved: ctx.scriptApproved,
        allowedTools: ctx.allowedTools,
        onAbortRequested: ctx.onAbortRequested,
        sandbox: ctx.sandbox ?? this.sandbox,
        sandboxTightened: ctx.sandbox !== undefined,
        policy: ctx.approvalPolicy === undefined ? this.policy : { ...this.policy, policy: ctx.approvalPolicy },
      });
  }

  /** Run a model's native function call through the same validation, approval and audit as a script call. */
  callStructured(call: StructuredCall, signal: AbortSignal, options: StructuredCallOptions = {}): Promise<unknown> {
    return this.#dispatch({
      source: "structured",
      runId: call.runId,
      callId: call.callId,
      tool: call.tool,
      args: call.args,
      detached: false,
      signal,
      pauseClock: options.pauseClock,
      scriptHash: undefined,
      scriptName: undefined,
      scriptApproved: false,
      allowedTools: undefined,
      onAbortRequested: options.onAbortRequested,
      sandbox: this.sandbox,
      sandboxTightened: false,
      policy: this.policy,
    });
  }

  async #dispatch(call: Call): Promise<unknown> {
    const trail = new CallTrail(this.#audit, call, this.#onAuditError);
    let work: Promise<unknown> | undefined;
    try {
      if (call.signal.aborted) throw cutOff(call, call.signal.reason, false);
      const tool = this.#registry.get(call.tool);
      const args = validateToolArgs(tool, call.args);
      await this.#approve(call, tool, args, trail);
      if (call.signal.aborted) throw cutOff(call, call.signal.reason, false);
      if (tool.sandboxed === true) trail.sandbox(call.sandbox.mode);
      // Only a new row that must be committed first is awaited: a read-only call's row is queued, and waits for nothing.
      const rowWritten = trail.beforeHandler(tool.risk === "read-only");
      if (rowWritten !== undefined) await rowWritten;
      const start = (sandbox: SandboxSettings) =>
        Promise.resolve().then(() => tool.handler(args, { workspaceRoot: this.workspaceRoot, signal: call.signal, sandbox }));
      work = start(call.sandbox);
      let result: unknown;
      try {
        result = await untilAborted(work, call);
      } catch (error) {
        // A run that tightened the sandbox itself (a REST request) asked for the stricter rule: no one may lift it.
        if (!(tool.sandboxed === true && isSandboxDenial(error) && !call.sandboxTightened && mayEscalate(call.policy, this.#approver))) throw error;
        const { approved, answer } = await askToRunUnsandboxed({
          approver: this.#approver,
          id: `a${++this.#requests}`,
          call,
          tool,
          args,
          denial: error,
          timeoutMs: this.#limits.approvalTimeoutMs,
        });
        const rule = String(error.details["rule"] ?? "denied");
        if (!approved) {
          trail.note(`blocked by the sandbox (${rule}); re-run without the sandbox: ${answer === "failed" ? "approver failed" : "denied"}`);
          throw error;
        }
        trail.note(`blocked by the sandbox (${rule}); re-run without the sandbox: approved by the user`);
        trail.sandbox("danger-full-access");
        work = start({ ...call.sandbox, mode: "danger-full-access" });
        result = await untilAborted(work, call);
      }
      trail.end("ok");
      return result;
    } catch (error) {
      const outcome: CallOutcome =
        error instanceof ApprovalDeniedError || error instanceof ApprovalTimeoutError
          ? "denied"
          : error instanceof AbortedError || (call.signal.aborted && !(error instanceof CodyError))
            ? "aborted"
            : "error";
      const wrapped = error instanceof CodyError ? error : handlerFailure(call.tool, error);
      trail.end(outcome, wrapped, work === undefined ? "handler never started" : undefined);
      if (work !== undefined && outcome === "aborted") {
        // A handler that ignored its signal may still finish: then its side effect happened, and the log says so.
        work.then(
          () => trail.end("ok", undefined, "completed after the call was aborted"),
          () => undefined,
        );
      }
      throw wrapped;
    }
  }

  /** Decide, ask if needed, and record the decision. Throws ApprovalDeniedError / ApprovalTimeoutError / AbortedError. */
  async #approve(call: Call, tool: ToolDefinition, args: unknown, trail: CallTrail): Promise<void> {
    const scope = call.source === "script" ? `script:${call.scriptHash ?? ""}` : "structured";
    const decision: ApprovalDecision = decide(
      { tool: tool.name, risk: tool.risk, args },
      { scriptApproved: call.scriptApproved, allowedTools: call.allowedTools, memory: this.#memory, scope },
      call.policy,
    );
    const record = (input: CallDecisionInput) => trail.decided(input);
    if (decision.kind === "skip") {
      record({ decision: "skip", decidedBy: decision.by, reason: decision.reason });
      return;
    }
    if (decision.kind === "forbid") {
      record({ decision: "forbid", decidedBy: decision.by, reason: decision.reason });
      throw denied(call.tool, decision.reason, decision.by);
    }
    if (this.#approver === undefined) {
      const reason = `${decision.reason} and there is nobody to ask (no approver)`;
      record({ decision: "ask", decidedBy: "no-approver", reason });
      throw denied(call.tool, reason, "no-approver");
    }
    record({ decision: "ask", decidedBy: "user", reason: decision.reason });
    trail.beforeAsk();
    let asked;
    try {
      asked = await askApprover({
        approver: this.#approver,
        signal: call.signal,
        timeoutMs: this.#limits.approvalTimeoutMs,
        pauseClock: call.pauseClock,
        request: approvalRequest(`a${++this.#requests}`, call, tool, args, decision.reason),
      });
    } catch (error) {
      const timedOut = error instanceof CodyError && error.code === "CODY_APPROVAL_TIMEOUT";
      record({ decision: "ask", decidedBy: timedOut ? "timeout" : "user", reason: decision.reason, ...(timedOut ? { approval: "timeout" } : {}) });
      throw error;
    }
    const answer = asked.answer;
    record({
      decision: "ask",
      decidedBy: "user",
      reason: answer === "failed" ? `approver failed: ${asked.failure ?? "unknown error"}` : decision.reason,
      approval: answer === "failed" ? "deny" : answer,
      approvalWaitMs: asked.waitedMs,
    });
    switch (answer) {
      case "approve":
        return;
      case "always":
        this.#memory.remember(scope, tool.name, args);
        return;
      case "abort": {
        const error = new AbortedError(`Run aborted at the approval prompt for ${call.tool} (${call.callId})`, {
          tool: call.tool,
          callId: call.callId,
          by: "user",
        });
        call.onAbortRequested?.(error);
        throw error;
      }
      case "failed":
        throw denied(call.tool, `the approver failed: ${asked.failure ?? "unknown error"}`, "user");
      case "deny":
        throw denied(call.tool, "denied by the user", "user");
    }
  }
}

/**
 * Settle with the handler, or as soon as the call's signal aborts: the guest must not wait on a handler that ignores
 * its signal.
 */
function untilAborted(work: Promise<unknown>, call: Call): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cutOff(call, call.signal.reason, true));
    call.signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        call.signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        call.signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function denied(tool: string, reason: string, by: DecidedBy): ApprovalDeniedError {
  return new ApprovalDeniedError(`${tool} was not approved: ${reason}`, { tool, reason, by });
}

function cutOff(call: Call, reason: unknown, handlerStarted: boolean): AbortedError {
  const why = reason instanceof Error ? reason.message : reason === undefined ? "aborted" : String(reason);
  const when = handlerStarted ? "cut off while running" : "aborted before it ran";
  return new AbortedError(`${call.tool} (${call.callId}) ${when}: ${why}`, {
    tool: call.tool,
    callId: call.callId,
    handlerStarted,
  });
}

/** A handler threw something that is not a CodyError: report it as the tool's failure. */
function handlerFailure(tool: string, error: unknown): ToolError {
  const message = error instanceof Error ? error.message : String(error);
  const details: Record<string, unknown> = { tool };
  if (error instanceof Error && error.name !== "Error") details["name"] = error.name;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") details["errno"] = code;
  return new ToolError(`${tool}: ${message}`, details, { cause: error });
}
