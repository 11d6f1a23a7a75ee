/**
 * Waiting for a person: one request to the approver, bounded by `limits.approvalTimeoutMs`, cut short when the call's
 * signal aborts, and with the run's wall clock paused meanwhile. Only the calling promise waits; other calls of the
 * same run carry on.
 */
import { AbortedError, ApprovalTimeoutError } from "../errors/index.js";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "../approval/index.js";
import { redact } from "../redact.js";
import type { ToolDefinition } from "../tools/index.js";

/** What an approval request says about the call it is for (the dispatcher's call and the sandbox re-run share it). */
export interface AskingCall {
  runId: string;
  callId: string;
  source: "script" | "structured";
  scriptHash: string | undefined;
  scriptName: string | undefined;
  allowedTools: readonly string[] | undefined;
}

/** The request shown to a person for `tool` called with `args` (redacted here, so no caller can forget it). */
export function approvalRequest(
  id: string,
  call: AskingCall,
  tool: Pick<ToolDefinition, "name" | "risk">,
  args: unknown,
  reason: string,
): ApprovalRequest {
  return {
    id,
    runId: call.runId,
    callId: call.callId,
    source: call.source,
    scriptHash: call.scriptHash,
    scriptName: call.scriptName,
    allowedTools: call.allowedTools,
    tool: tool.name,
    risk: tool.risk,
    args: redact(args),
    reason,
  };
}

export interface AskOptions {
  approver: Approver;
  request: ApprovalRequest;
  signal: AbortSignal;
  timeoutMs: number;
  /** The runtime's `pauseClock`; called before asking, and its resume function after the answer (or failure). */
  pauseClock?: (() => () => void) | undefined;
}

export type AskResult = { answer: ApprovalAnswer | "failed"; waitedMs: number; failure?: string };

/**
 * Ask and wait. Resolves with the answer (`failed` when the approver itself threw — treated as a denial).
 * @throws ApprovalTimeoutError when nobody answered in time; AbortedError when the call's signal aborted.
 */
export async function askApprover(opts: AskOptions): Promise<AskResult> {
  const { approver, request, signal, timeoutMs } = opts;
  if (signal.aborted) throw abortedWhileWaiting(request, signal.reason);
  const resume = opts.pauseClock?.();
  const started = performance.now();
  // The approver's own signal: aborted on timeout or when the call is aborted, so it can take the question down.
  const inner = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onOuterAbort: (() => void) | undefined;
  let failure: string | undefined;
  try {
    const answer = await new Promise<ApprovalAnswer | "failed">((resolve, reject) => {
      timer = setTimeout(() => {
        const error = new ApprovalTimeoutError(
          `No answer within ${timeoutMs} ms to the approval request for ${request.tool} (${request.callId})`,
          { tool: request.tool, callId: request.callId, timeoutMs },
        );
        inner.abort(error);
        reject(error);
      }, timeoutMs);
      onOuterAbort = () => {
        const error = abortedWhileWaiting(request, signal.reason);
        inner.abort(error);
        reject(error);
      };
      signal.addEventListener("abort", onOuterAbort, { once: true });
      approver.request(request, inner.signal).then(resolve, (error: unknown) => {
        // A rejection after our own timeout/abort is the approver dropping the question: already settled.
        if (inner.signal.aborted) return;
        failure = error instanceof Error ? error.message : String(error);
        resolve("failed");
      });
    });
    const result: AskResult = { answer, waitedMs: performance.now() - started };
    if (answer === "failed" && failure !== undefined) result.failure = failure;
    return result;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onOuterAbort !== undefined) signal.removeEventListener("abort", onOuterAbort);
    resume?.();
  }
}

function abortedWhileWaiting(request: ApprovalRequest, reason: unknown): AbortedError {
  const why = reason instanceof Error ? reason.message : reason === undefined ? "aborted" : String(reason);
  return new AbortedError(`${request.tool} (${request.callId}) was aborted while waiting for approval: ${why}`, {
    tool: request.tool,
    callId: request.callId,
  });
}
