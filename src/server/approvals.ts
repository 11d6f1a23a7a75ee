/**
 * Approval requests answered over HTTP. The harness is created with `broker.approver`; each request it asks is parked
 * here until a client answers it (`POST /v1/approvals/:id`) or the dispatcher gives up on it (timeout, run aborted),
 * which takes it off the list. Several requests, from one run or many, may be pending at once and answered in any
 * order.
 */
import { APPROVAL_ANSWERS, CallbackApprover, type ApprovalAnswer, type ApprovalRequest } from "../approval/index.js";
import { BadRequestError, NotFoundError } from "./errors.js";

interface Pending {
  request: ApprovalRequest;
  resolve(answer: ApprovalAnswer): void;
}

/** Called for each new request (the run's SSE stream forwards its own). */
export type ApprovalListener = (request: ApprovalRequest) => void;

export class ApprovalBroker {
  /** Pass this to `createHarness({ approver })`. */
  readonly approver: CallbackApprover;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<ApprovalListener>();
  readonly #settled = new Set<ApprovalListener>();

  constructor() {
    this.approver = new CallbackApprover((request, signal) => this.#park(request, signal));
  }

  #park(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const drop = (): void => {
        this.#pending.delete(request.id);
        for (const listener of this.#settled) listener(request);
        reject(signal.reason instanceof Error ? signal.reason : new Error("approval request withdrawn"));
      };
      if (signal.aborted) return drop();
      signal.addEventListener("abort", drop, { once: true });
      this.#pending.set(request.id, {
        request,
        resolve: (answer) => {
          signal.removeEventListener("abort", drop);
          this.#pending.delete(request.id);
          for (const listener of this.#settled) listener(request);
          resolve(answer);
        },
      });
      for (const listener of this.#listeners) listener(request);
    });
  }

  /** Whether a request with this id is pending here. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Pending requests, oldest first; only one run's when `runId` is given. */
  list(runId?: string): ApprovalRequest[] {
    const all = [...this.#pending.values()].map((p) => p.request);
    return runId === undefined ? all : all.filter((r) => r.runId === runId);
  }

  /**
   * Answer a pending request.
   * @throws NotFoundError when no request with that id is pending; BadRequestError for an unknown decision.
   */
  answer(id: string, decision: unknown): ApprovalRequest {
    checkDecision(decision);
    const pending = this.#pending.get(id);
    if (!pending) {
      throw new NotFoundError(`No pending approval request \`${id}\` (answered, withdrawn or never asked)`, {
        kind: "approval",
        id,
      });
    }
    pending.resolve(decision as ApprovalAnswer);
    return pending.request;
  }

  /** Be told of each request when it is no longer pending (answered or withdrawn). */
  subscribeSettled(listener: (request: ApprovalRequest) => void): () => void {
    this.#settled.add(listener);
    return () => this.#settled.delete(listener);
  }

  /** Be told of each new request; returns the function that stops it. */
  subscribe(listener: ApprovalListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Deny every pending request (server shutdown). */
  denyAll(): void {
    for (const pending of [...this.#pending.values()]) pending.resolve("deny");
  }
}

/** @throws BadRequestError unless `decision` is one of APPROVAL_ANSWERS. */
export function checkDecision(decision: unknown): asserts decision is ApprovalAnswer {
  if (typeof decision !== "string" || !(APPROVAL_ANSWERS as readonly string[]).includes(decision)) {
    throw new BadRequestError(
      `\`decision\` must be one of ${APPROVAL_ANSWERS.join(", ")}, got \`${String(decision)}\` (${typeof decision})`,
      { path: "decision", got: String(decision) },
    );
  }
}
