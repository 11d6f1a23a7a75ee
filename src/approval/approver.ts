/**
 * The approval bridge: whoever answers "may this call run?". The CLI uses a TtyApprover, the REST server and tests a
 * CallbackApprover. An approver only answers; timeouts, pausing the run's clock and turning answers into errors are
 * the dispatcher's job.
 */
import type { RiskClass } from "../tools/index.js";

/** One question for a person. Arguments are validated, then redacted and cut (see `redact`). */
export interface ApprovalRequest {
  /** Unique per request within the process (`a1`, `a2`…), so concurrent requests can be told apart. */
  id: string;
  runId: string;
  callId: string;
  /** `script` for `tools.*` calls, `structured` for a model's native function calls. */
  source: "script" | "structured";
  /** The script's content hash and name (undefined for structured calls). */
  scriptHash?: string | undefined;
  scriptName?: string | undefined;
  /** The tools the script may call, or undefined when it may call any. */
  allowedTools?: readonly string[] | undefined;
  tool: string;
  risk: RiskClass;
  /** Validated arguments with secrets redacted and long strings cut. */
  args: unknown;
  /** Why the policy asks, e.g. "`exec` runs `rm -rf build`". */
  reason: string;
  /** Set when the question is whether to re-run a call the OS sandbox blocked: the denial, as the SandboxError said it. */
  sandboxDenial?: string | undefined;
}

/** `always` approves and remembers approval of this tool (exec: this command prefix) for the script, this session. */
export type ApprovalAnswer = "approve" | "deny" | "always" | "abort";

export const APPROVAL_ANSWERS: readonly ApprovalAnswer[] = ["approve", "deny", "always", "abort"];

export interface Approver {
  /**
   * Answer one request. Several may be pending at once; `signal` aborts when the request timed out or its run was
   * aborted, after which the answer is ignored (an approver should drop the question).
   */
  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** An approver backed by a function (REST server, tests, embedding applications). */
export class CallbackApprover implements Approver {
  readonly #answer: (req: ApprovalRequest, signal: AbortSignal) => ApprovalAnswer | Promise<ApprovalAnswer>;

  constructor(answer: (req: ApprovalRequest, signal: AbortSignal) => ApprovalAnswer | Promise<ApprovalAnswer>) {
    this.#answer = answer;
  }

  async request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return this.#answer(req, signal);
  }
}
