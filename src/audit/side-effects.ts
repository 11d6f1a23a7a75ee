/**
 * What a call row means for side effects — the question asked after a timeout or abort: which calls ran to the end,
 * which were cut off half way, and which never ran.
 */
import type { CallRow } from "./store.js";

export type SideEffect =
  /** The handler finished: whatever it does, it did. */
  | "completed"
  /** The handler started and was aborted before it finished: its effect may be partial. */
  | "cut-off"
  /** The handler started and failed: its effect may be partial. */
  | "failed"
  /** A spawned call still running (or never settled before the process ended). */
  | "running"
  /** The handler started and its process died before it settled: it may have finished, half-finished or not. */
  | "unknown"
  /** The handler never started (invalid arguments, denied, aborted while waiting): nothing happened. */
  | "not-run";

export function sideEffectOf(call: Pick<CallRow, "outcome" | "handlerStarted">): SideEffect {
  if (!call.handlerStarted) return "not-run";
  switch (call.outcome) {
    case "ok":
      return "completed";
    case "aborted":
      return "cut-off";
    case "pending":
      return "running";
    case "unknown":
      return "unknown";
    default:
      return "failed";
  }
}

/** A short human label for `runs show`. */
export function describeSideEffect(call: Pick<CallRow, "outcome" | "handlerStarted" | "detached" | "note">): string {
  switch (sideEffectOf(call)) {
    case "completed":
      return call.note === "completed after the call was aborted" ? "completed (after its call was aborted)" : "completed";
    case "cut-off":
      return "CUT OFF (started, did not finish)";
    case "failed":
      return "failed (may be partial)";
    case "running":
      return call.detached ? "running (spawned) or unknown" : "UNKNOWN (started, never settled)";
    case "unknown":
      return "UNKNOWN (started; its process crashed before it settled)";
    case "not-run":
      return call.outcome === "denied" ? "not run (denied)" : "not run";
  }
}
