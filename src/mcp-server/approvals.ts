/**
 * Approval requests answered by the MCP client that sent the script, through elicitation. One harness serves every
 * session, so its approver routes each request to the run's own client by run id; a client that did not declare the
 * elicitation capability is never asked (its runs use the `never` policy, see tools.ts).
 */
import { CallbackApprover, formatApprovalRequest, type ApprovalAnswer, type ApprovalRequest } from "../approval/index.js";

/** Ask one client about one request; resolves with its answer. */
export type AskClient = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

export class RunApprovals {
  /** Pass this to `createHarness({ approver })`. */
  readonly approver: CallbackApprover;
  readonly #byRun = new Map<string, AskClient>();

  constructor() {
    this.approver = new CallbackApprover((request, signal) => {
      const ask = this.#byRun.get(request.runId);
      // Only runs of eliciting clients are registered; any other run was started under `never` and never asks.
      if (!ask) throw new Error(`run ${request.runId} has no MCP client to ask`);
      return ask(request, signal);
    });
  }

  /** Route the requests of `runId` to `ask` until the returned function is called. */
  attach(runId: string, ask: AskClient): () => void {
    this.#byRun.set(runId, ask);
    return () => this.#byRun.delete(runId);
  }
}

/** The decisions offered in the elicitation form, in the approver's own words. */
export const DECISIONS: readonly ApprovalAnswer[] = ["approve", "always", "deny", "abort"];

/** The elicitation (`elicitation/create`, form mode) asking whether a call may run. */
export function approvalElicitation(request: ApprovalRequest): {
  mode: "form";
  message: string;
  requestedSchema: {
    type: "object";
    properties: Record<string, { type: "string"; title: string; description: string; enum: string[]; enumNames: string[]; default: string }>;
    required: string[];
  };
} {
  return {
    mode: "form",
    message: `A cody script asks to call ${request.tool}.\n${formatApprovalRequest(request)}`,
    requestedSchema: {
      type: "object",
      properties: {
        decision: {
          type: "string",
          title: "Decision",
          description: "approve: run this call; always: also run later calls of this tool from this script; deny: refuse it (the script sees an ApprovalDeniedError); abort: stop the script",
          enum: [...DECISIONS],
          enumNames: ["Approve", "Always (this tool, this script)", "Deny", "Abort the script"],
          default: "approve",
        },
      },
      required: ["decision"],
    },
  };
}

/**
 * The client's answer as an approval answer: `accept` carries the chosen decision (approve when none was chosen);
 * `decline` and `cancel` (the user dismissed the question) deny.
 */
export function answerOf(result: { action: string; content?: Record<string, unknown> | undefined }): ApprovalAnswer {
  if (result.action !== "accept") return "deny";
  const decision = result.content?.["decision"];
  return typeof decision === "string" && (DECISIONS as readonly string[]).includes(decision) ? (decision as ApprovalAnswer) : "approve";
}
