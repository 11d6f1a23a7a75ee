/** Abort checks shared by the built-in tools: an aborted call ends with the typed AbortedError, not a DOMException. */
import { AbortedError } from "../errors/index.js";

/** Throw AbortedError (details: tool) when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, tool: string): void {
  if (signal?.aborted) throw new AbortedError(`${tool} was aborted`, { tool });
}
