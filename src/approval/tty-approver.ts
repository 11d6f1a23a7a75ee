/**
 * Asks a person at the terminal (node:readline on stdin, prompts on stderr so stdout stays the script's result).
 * Questions are shown one at a time, in arrival order, while every call waiting for an answer stays pending on its
 * own; a line typed when no question is on screen is ignored, so an answer never lands on a question not yet shown.
 *
 * Input is read from the first request on, and each question is shown only after one more pass of the event loop's
 * poll phase: whatever was typed ahead (already in the terminal's buffer) is read and dropped first.
 */
import readline from "node:readline";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "./approver.js";
import { APPROVAL_QUESTION, formatApprovalRequest, parseApprovalAnswer } from "./format.js";
import { ApprovalMemory } from "./memory.js";
import { REDACTED } from "../redact.js";

export interface TtyApproverOptions {
  /** @default process.stdin */
  input?: NodeJS.ReadableStream;
  /** @default process.stderr */
  output?: NodeJS.WritableStream;
}

interface Pending {
  req: ApprovalRequest;
  signal: AbortSignal;
  resolve(answer: ApprovalAnswer): void;
  reject(reason: unknown): void;
  onAbort(): void;
}

export class TtyApprover implements Approver {
  readonly #input: NodeJS.ReadableStream;
  readonly #output: NodeJS.WritableStream;
  readonly #queue: Pending[] = [];
  #active: Pending | undefined;
  #rl: readline.Interface | undefined;
  /** Input ended (Ctrl-D, closed pipe): every question from now on is denied. */
  #ended = false;
  /** A question is about to be shown (after type-ahead is drained). */
  #showScheduled = false;
  /** Runs the person aborted with `q`: their queued questions are withdrawn, never shown. */
  readonly #abortedRuns = new Set<string>();
  /** "Always" answers given here, to settle questions already queued that the same answer covers. */
  readonly #always = new ApprovalMemory();

  constructor(options: TtyApproverOptions = {}) {
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stderr;
  }

  /** Number of questions waiting behind the one on screen (withdrawn ones not counted). */
  get waiting(): number {
    return this.#queue.filter((p) => !this.#abortedRuns.has(p.req.runId)).length;
  }

  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#ended) {
      this.#output.write(`${formatApprovalRequest(req)}\n(input closed: denied)\n`);
      return Promise.resolve("deny");
    }
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const pending: Pending = {
        req,
        signal,
        resolve,
        reject,
        onAbort: () => this.#drop(pending),
      };
      signal.addEventListener("abort", pending.onAbort, { once: true });
      this.#queue.push(pending);
      // Keep the count on screen current when a question arrives behind the one being asked.
      if (this.#active !== undefined) this.#output.write(`\n(${this.waiting} more waiting)\n${APPROVAL_QUESTION}`);
      this.#next();
    });
  }

  /** Stop reading input. Questions still waiting are denied (withdrawn ones included: nobody will settle them now). */
  close(): void {
    this.#endInput("(approver closed: denied)");
    this.#rl?.close();
    this.#rl = undefined;
  }

  #next(): void {
    if (this.#active !== undefined || this.#showScheduled || this.#ended) return;
    if (this.waiting === 0) {
      // Idle: keep reading (so stray lines are consumed and ignored, not saved for the next question) but let the
      // process exit if nothing else is going on.
      this.#setRef(false);
      return;
    }
    this.#reader();
    this.#setRef(true);
    this.#showScheduled = true;
    // Two turns of the loop contain one poll phase: input that reached us before the question is read now and
    // dropped as typed with nothing on screen, instead of answering a question the person has not seen.
    setImmediate(() =>
      setImmediate(() => {
        this.#showScheduled = false;
        this.#show();
      }),
    );
  }

  #show(): void {
    if (this.#active !== undefined || this.#ended) return;
    const i = this.#queue.findIndex((p) => !this.#abortedRuns.has(p.req.runId));
    if (i < 0) return this.#next();
    const [pending] = this.#queue.splice(i, 1) as [Pending];
    this.#active = pending;
    const waiting = this.waiting;
    const more = waiting > 0 ? `(${waiting} more waiting)\n` : "";
    this.#output.write(`${formatApprovalRequest(pending.req)}\n${more}${APPROVAL_QUESTION}`);
  }

  /** Sockets (TTY, pipe) can be unreferenced; other streams keep the process alive only while read. */
  #setRef(active: boolean): void {
    const socket = this.#input as { ref?: () => void; unref?: () => void };
    if (active) socket.ref?.();
    else socket.unref?.();
  }

  #reader(): readline.Interface {
    if (this.#rl === undefined) {
      const rl = readline.createInterface({ input: this.#input, terminal: false });
      rl.on("line", (line) => this.#onLine(line));
      rl.on("close", () => {
        if (this.#rl === rl) this.#rl = undefined;
        this.#endInput("(input closed: denied)");
      });
      this.#rl = rl;
    }
    return this.#rl;
  }

  #onLine(line: string): void {
    const active = this.#active;
    if (active === undefined) return; // typed with no question on screen: ignore rather than guess
    const answer = parseApprovalAnswer(line);
    if (answer === undefined) {
      this.#output.write(`Please answer y, n, a or q: `);
      return;
    }
    this.#settle(active, answer);
    if (answer === "always") this.#settleCovered(active.req);
    // After `q` the run is being aborted: its other questions are withdrawn unseen (their signals settle them).
    if (answer === "abort") this.#abortedRuns.add(active.req.runId);
    this.#next();
  }

  #settle(pending: Pending, answer: ApprovalAnswer): void {
    pending.signal.removeEventListener("abort", pending.onAbort);
    if (this.#active === pending) this.#active = undefined;
    pending.resolve(answer);
  }

  /**
   * "Always" covers the questions already queued that the dispatcher would not ask again once it remembers the
   * answer (same script, same tool — for `exec` the same remembered command): settle them with it instead of asking.
   * An `exec` whose arguments were redacted is still asked: its hidden values may differ.
   */
  #settleCovered(req: ApprovalRequest): void {
    const scope = (r: ApprovalRequest): string => (r.source === "script" ? `script:${r.scriptHash ?? ""}` : "structured");
    this.#always.remember(scope(req), req.tool, req.args);
    const covered = this.#queue.filter(
      (p) =>
        !this.#abortedRuns.has(p.req.runId) &&
        this.#always.covers(scope(p.req), p.req.tool, p.req.args) &&
        !(p.req.tool === "exec" && JSON.stringify(p.req.args).includes(REDACTED)),
    );
    for (const p of covered) {
      this.#queue.splice(this.#queue.indexOf(p), 1);
      this.#settle(p, "always");
    }
  }

  /** The request timed out or its run was aborted: take the question down (or out of the queue). */
  #drop(pending: Pending): void {
    if (this.#active === pending) {
      this.#active = undefined;
      this.#output.write(`\n(no longer waiting for an answer about ${pending.req.callId} ${pending.req.tool})\n`);
    } else {
      const i = this.#queue.indexOf(pending);
      if (i >= 0) this.#queue.splice(i, 1);
    }
    if (!this.#queue.some((p) => p.req.runId === pending.req.runId)) this.#abortedRuns.delete(pending.req.runId);
    pending.reject(pending.signal.reason);
    this.#next();
  }

  #endInput(note: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const all = [...(this.#active ? [this.#active] : []), ...this.#queue.splice(0)];
    this.#active = undefined;
    if (all.length > 0) this.#output.write(`\n${note}\n`);
    for (const pending of all) {
      pending.signal.removeEventListener("abort", pending.onAbort);
      pending.resolve("deny");
    }
  }
}
