/**
 * Approvals and the sandbox together (after Codex CLI): when a confined command was blocked by the sandbox, a policy
 * that asks people (`on-request`, `untrusted`) may offer to run it again without the sandbox; the question shows the
 * denial. `never`, approve-all and a dispatcher without an approver just fail with the SandboxError.
 */
import { AbortedError, SandboxError } from "../errors/index.js";
import type { Approver, ResolvedPolicy } from "../approval/index.js";
import type { ToolDefinition } from "../tools/index.js";
import { approvalRequest, askApprover, type AskingCall } from "./approve.js";

export interface EscalationCall extends AskingCall {
  signal: AbortSignal;
  pauseClock: (() => () => void) | undefined;
  onAbortRequested: ((reason: AbortedError) => void) | undefined;
}

/** True when `error` is a sandbox denial worth offering a re-run for. */
export function isSandboxDenial(error: unknown): error is SandboxError {
  return error instanceof SandboxError;
}

/** May this dispatcher ask a person to re-run a blocked call unsandboxed? */
export function mayEscalate(policy: ResolvedPolicy, approver: Approver | undefined): approver is Approver {
  return approver !== undefined && !policy.dangerouslyApproveAll && policy.policy !== "never";
}

/**
 * Ask whether to re-run `tool` without the sandbox. Resolves true (approved) or false (denied, or the approver
 * failed); throws AbortedError when the person chose to abort the run, ApprovalTimeoutError when nobody answered.
 */
export async function askToRunUnsandboxed(opts: {
  approver: Approver;
  id: string;
  call: EscalationCall;
  tool: ToolDefinition;
  args: unknown;
  denial: SandboxError;
  timeoutMs: number;
}): Promise<{ approved: boolean; answer: string }> {
  const { call, tool, denial } = opts;
  const asked = await askApprover({
    approver: opts.approver,
    signal: call.signal,
    timeoutMs: opts.timeoutMs,
    pauseClock: call.pauseClock,
    request: {
      ...approvalRequest(
        opts.id,
        call,
        tool,
        opts.args,
        `\`${tool.name}\` was blocked by the sandbox (${String(denial.details["rule"] ?? "denied")}); run it again without the sandbox (danger-full-access)?`,
      ),
      sandboxDenial: denial.message,
    },
  });
  if (asked.answer === "abort") {
    const error = new AbortedError(`Run aborted at the sandbox prompt for ${tool.name} (${call.callId})`, {
      tool: tool.name,
      callId: call.callId,
      by: "user",
    });
    call.onAbortRequested?.(error);
    throw error;
  }
  return { approved: asked.answer === "approve" || asked.answer === "always", answer: asked.answer };
}
