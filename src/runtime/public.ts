/**
 * Runs as they may leave the process: every error in a RunResult (the run's and its tool calls') in its public form,
 * without host stacks. The REST server and the CLI's `--json` pass results and events through these before writing
 * them; the script's value and console are the script's own and are never touched.
 */
import { publicError } from "../errors/index.js";
import type { RunEvent, RunResult, ToolCallRecord } from "./contract.js";

function publicCall(call: ToolCallRecord): ToolCallRecord {
  return call.error === undefined ? call : { ...call, error: publicError(call.error) };
}

/** A RunResult without host stacks. */
export function publicRunResult(result: RunResult): RunResult {
  const out: RunResult = { ...result, toolCalls: result.toolCalls.map(publicCall) };
  if (result.error !== undefined) out.error = publicError(result.error);
  return out;
}

/** A RunEvent without host stacks (only `end` carries errors). */
export function publicRunEvent(event: RunEvent): RunEvent {
  return event.type === "end" ? { type: "end", result: publicRunResult(event.result) } : event;
}
