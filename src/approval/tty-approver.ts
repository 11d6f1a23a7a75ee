/**
 * Asks a person at the terminal (node:readline on stdin, prompts on stderr so stdout stays the script's result).
 * Questions are shown one at a time, in arrival order, while every call waiting for an answer stays pending on its
 * own; a line typed when no question is on screen is ignored, so an answer never lands on a question not yet shown.
 */
import readline from "node:readline";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "./approver.js";
import { APPROVAL_QUESTION, formatApprovalRequest, parseApprovalAnswer } from "./format.js";

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

  constructor(options: TtyApproverOptions = {}) {
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stderr;
  }

  /** Number of questions waiting behind the one on screen. */
  get waiting(): number {
    return this.#queue.length;
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
      this.#next();
    });
  }

  /** Stop reading input. Questions still waiting are denied. */
  close(): void {
    this.#endInput("(approver closed: denied)");
    this.#rl?.close();
    this.#rl = undefined;
  }

  #next(): void {
    if (this.#active !== undefined) return;
    const pending = this.#queue.shift();
    if (pending === undefined) {
      // Idle: keep reading (so stray lines are consumed and ignored, not saved for the next question) but let the
      // process exit if nothing else is going on.
      this.#setRef(false);
      return;
    }
    this.#active = pending;
    const more = this.#queue.length > 0 ? `(${this.#queue.length} more waiting)\n` : "";
    this.#output.write(`${formatApprovalRequest(pending.req)}\n${more}${APPROVAL_QUESTION}`);
    this.#reader();
    this.#setRef(true);
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
  }

  #settle(pending: Pending, answer: ApprovalAnswer): void {
    pending.signal.removeEventListener("abort", pending.onAbort);
    if (this.#active === pending) this.#active = undefined;
    pending.resolve(answer);
    this.#next();
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
