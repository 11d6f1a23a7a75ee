/**
 * One call's audit row, written as late as is safe: a call that needs no approval is inserted once, just before its
 * handler starts (decision and `handler_started` included), and updated once when it settles. A call that waits for
 * a person is inserted before the question, so a crash mid-wait still leaves a `pending` row.
 *
 * Writes that must succeed before a side effect (`beforeAsk`, `beforeHandler`) throw — the call is then refused
 * (fail closed). Later writes report failures to `onError` and never change the call's result.
 */
import { StoreError, ToolError } from "../errors/index.js";
import type { AuditLog, CallDecisionInput, CallOutcome, CallSource, StartCallInput } from "../audit/index.js";

export interface TrailCall {
  runId: string;
  scriptHash: string | undefined;
  callId: string;
  tool: string;
  source: CallSource;
  detached: boolean;
  args: unknown;
}

export class CallTrail {
  readonly #audit: AuditLog | undefined;
  readonly #call: TrailCall;
  readonly #startedAt = Date.now();
  readonly #started = performance.now();
  readonly #onError: ((error: unknown) => void) | undefined;
  #id: number | undefined;
  #decision: CallDecisionInput | undefined;
  /** The decision (say, a person's approval) could not be written to an existing row: retried before the handler. */
  #decisionUnsaved = false;
  #sandbox: string | undefined;
  #note: string | undefined;

  constructor(audit: AuditLog | undefined, call: TrailCall, onError: ((error: unknown) => void) | undefined) {
    this.#audit = audit;
    this.#call = call;
    this.#onError = onError;
  }

  /** Milliseconds since the call arrived. */
  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  /** Note the decision (written with the row, or as an update if the row exists). */
  decided(input: CallDecisionInput): void {
    this.#decision = input;
    const id = this.#id;
    if (id === undefined) return;
    this.#decisionUnsaved = false;
    this.#safely(() => {
      try {
        this.#audit?.recordDecision(id, input);
      } catch (error) {
        this.#decisionUnsaved = true;
        throw error;
      }
    });
  }

  /** The sandbox mode the handler runs under (written with the row, or as an update if the row exists). */
  sandbox(mode: string): void {
    this.#sandbox = mode;
    const id = this.#id;
    if (id !== undefined) this.#safely(() => this.#audit?.recordSandbox(id, mode));
  }

  /** A note kept for the settled row (e.g. a sandbox denial and what the person answered). */
  note(text: string): void {
    this.#note = text;
  }

  /** The call is about to wait for a person: its row must exist first. */
  beforeAsk(): void {
    this.#insert(false);
  }

  /**
   * The handler is about to run: the row must say so before any side effect can happen. A `readOnly` call (a tool
   * whose risk class is `read-only`) has none: its row may join the audit's next batch instead (AuditLog.queueCall).
   * Any other new row goes in the audit's group commit (on PostgreSQL the thread runs other work until it is
   * committed): the returned promise settles once it is; `undefined` when nothing is left to wait for.
   */
  beforeHandler(readOnly = false): Promise<void> | undefined {
    const id = this.#id;
    if (id === undefined) {
      const audit = this.#audit;
      if (audit === undefined) return undefined;
      if (readOnly) {
        this.#safelyOrThrow(() => {
          this.#id = audit.queueCall(this.#input(true), (committed) => (this.#id = committed));
        });
        return undefined;
      }
      return audit.startCallGrouped(this.#input(true)).then(
        (committed) => {
          this.#id = committed;
        },
        (error: unknown) =>
          this.#safelyOrThrow(() => {
            throw error;
          }),
      );
    }
    // A call must not run with a decision (an approval) the log does not show.
    const decision = this.#decision;
    if (this.#decisionUnsaved && decision !== undefined) this.#safelyOrThrow(() => this.#audit?.recordDecision(id, decision));
    this.#decisionUnsaved = false;
    this.#safelyOrThrow(() => this.#audit?.markHandlerStarted(id));
    return undefined;
  }

  /** Settle the row (inserting it first if the call failed before anything was written). */
  end(outcome: CallOutcome, error?: { code: string; message: string }, note?: string): void {
    if (this.#audit === undefined) return;
    this.#safely(() => {
      this.#id ??= this.#write(false);
      this.#audit?.endCall(this.#id, outcome, {
        durationMs: this.elapsedMs,
        errorCode: error?.code,
        errorMessage: error?.message,
        note: note ?? this.#note,
      });
    });
  }

  #insert(handlerStarted: boolean): void {
    if (this.#audit === undefined || this.#id !== undefined) return;
    this.#safelyOrThrow(() => {
      this.#id = this.#write(handlerStarted);
    });
  }

  #write(handlerStarted: boolean): number {
    return (this.#audit as AuditLog).startCall(this.#input(handlerStarted));
  }

  #input(handlerStarted: boolean): StartCallInput {
    return { ...this.#call, startedAt: this.#startedAt, decision: this.#decision, handlerStarted, sandbox: this.#sandbox };
  }

  #safely(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.#onError?.(error);
    }
  }

  /**
   * Fail closed: a call whose start cannot be recorded does not run. A storage fault stays a StoreError (so the run
   * can fail with it) and is also reported to `onError` with the run id, since the script may catch its rejection.
   */
  #safelyOrThrow(write: () => void): void {
    try {
      write();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof StoreError) {
        const fault = new StoreError(
          `${this.#call.tool}: cannot record the call in the audit log (${reason}); it was not run`,
          { ...error.details, tool: this.#call.tool, runId: this.#call.runId },
          { cause: error },
        );
        this.#onError?.(fault);
        throw fault;
      }
      throw new ToolError(`${this.#call.tool}: cannot record the call in the audit log (${reason}); it was not run`, {
        tool: this.#call.tool,
        reason,
      });
    }
  }
}
