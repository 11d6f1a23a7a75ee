/**
 * Main-thread side of tool calls for one run: JSON in and out, the concurrency queue (in call order), abort signals,
 * and the records that end up in `RunResult.toolCalls`.
 */
import { AbortedError, CodyError, ToolError, type SerializedError } from "../errors/index.js";
import type { ToolCallRecord, ToolInvoker } from "./contract.js";

/**
 * Parse JSON text that came from the guest; `__proto__` keys are dropped so nothing can reach a prototype. The
 * reviver (called for every value: ≈ 2–3× the parse) runs only when such a key could be in the text: spelled out, or
 * behind a `\u` escape.
 */
export function parseGuestJson(text: string): unknown {
  if (!text.includes("__proto__") && !text.includes("\\u")) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === "__proto__" ? undefined : value));
}

export interface CallState {
  id: string;
  tool: string;
  args: unknown;
  detached: boolean;
  state: "queued" | "running" | "done";
  controller: AbortController;
  startedAt: number;
  record: ToolCallRecord;
  /** Resolves once the invoker's promise settled (never rejects). */
  settled?: Promise<void>;
}

/** A tool's outcome as sent back to the guest: JSON text, and whether it succeeded. */
export interface GuestReply {
  ok: boolean;
  json: string;
}

/** Turn a host rejection into the error the guest (and the record) sees. Host stacks never enter the VM. */
export function toolFailure(error: unknown, tool: string, aborted: AbortSignal): SerializedError {
  let out: SerializedError;
  if (aborted.aborted) {
    const reason: unknown = aborted.reason;
    out = reason instanceof CodyError ? reason.toJSON() : new AbortedError(`Tool call ${tool} was aborted`, { tool }).toJSON();
  } else if (error instanceof CodyError) {
    out = error.toJSON();
  } else {
    const message = error instanceof Error ? error.message : String(error);
    out = new ToolError(message, { tool }).toJSON();
  }
  const copy: SerializedError = { name: out.name, code: out.code, message: out.message, details: { ...out.details } };
  if (copy.details.tool === undefined) copy.details.tool = tool;
  if (out.location) copy.location = out.location;
  return copy;
}

/** Serialize a success or failure for the guest. A result that is not JSON becomes a ToolError. */
export function replyFor(ok: boolean, value: unknown, tool: string, failure?: SerializedError): GuestReply {
  if (ok) {
    try {
      const json = JSON.stringify(value);
      return { ok: true, json: json ?? "" };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return replyFor(false, undefined, tool, new ToolError(`Result of ${tool} is not JSON-serializable: ${why}`, { tool }).toJSON());
    }
  }
  const err = failure ?? new ToolError(`Tool ${tool} failed`, { tool }).toJSON();
  try {
    return { ok: false, json: JSON.stringify(err) };
  } catch {
    return { ok: false, json: JSON.stringify({ ...err, details: { tool } }) };
  }
}

/** Invoke a tool, converting a synchronous throw into a rejection. */
export function callInvoker(invoker: ToolInvoker, call: Parameters<ToolInvoker>[0]): Promise<unknown> {
  try {
    return Promise.resolve(invoker(call));
  } catch (error) {
    return Promise.reject(error);
  }
}
