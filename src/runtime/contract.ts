/**
 * What the runtime needs from its host and what it returns. The runtime knows nothing about schemas, approvals or
 * handlers: every `tools.*` call from the guest becomes one `invokeTool` call on the host.
 */
import type { SerializedError } from "../errors/index.js";

/** One tool call as seen by the host. */
export interface ToolInvocation {
  /** Unique within the run, e.g. `c1`, `c2`… in call order. */
  callId: string;
  /** Registry name, e.g. `readFile` or `mcp.everything.echo`. */
  tool: string;
  /** Plain JSON data (already copied out of the VM). */
  args: unknown;
  /** True for `tools.spawn.<tool>(…)` calls, which may outlive the script until the turn ends. */
  detached: boolean;
  /** Aborted on timeout, abort, end of script (for un-awaited calls) or end of turn (for spawned calls). */
  signal: AbortSignal;
  /**
   * Stop the run's wall clock while a person is asked for approval; call the returned function to start it again.
   * Time waiting for a person does not count against `limits.timeoutMs`.
   */
  pauseClock(): () => void;
}

/** Host side of the bridge: validate, approve, run, audit. Throw a CodyError to reject the guest's promise. */
export type ToolInvoker = (call: ToolInvocation) => Promise<unknown>;

export interface ConsoleEntry {
  level: "log" | "info" | "warn" | "error" | "debug";
  /** The formatted line, as `console.log` would print it. */
  text: string;
  /** Milliseconds since the run started. */
  atMs: number;
}

export interface ToolCallRecord {
  id: string;
  tool: string;
  /** Duration in milliseconds (until settled, aborted, or the end of the run). */
  ms: number;
  ok: boolean;
  /** `ok`, `error`, `aborted` (cut off by timeout/abort/end of script), `denied`, or `pending` (spawned, still running). */
  outcome: "ok" | "error" | "aborted" | "denied" | "pending";
  detached: boolean;
  error?: SerializedError;
}

/** Events streamed while a run is in progress (the CLI's `--json` and the REST stream print these). */
export type RunEvent =
  | { type: "start"; runId: string; hash: string; cache: "hit" | "miss" }
  | { type: "console"; entry: ConsoleEntry }
  | { type: "tool_call"; id: string; tool: string; args: unknown; detached: boolean }
  | { type: "tool_result"; id: string; tool: string; ok: boolean; ms: number; outcome: ToolCallRecord["outcome"] }
  | { type: "end"; result: RunResult };

export interface RunResult {
  runId: string;
  ok: boolean;
  /** The script's JSON return value (when ok). */
  value?: unknown;
  /** The typed error (when not ok); stacks already mapped to the user's TypeScript. */
  error?: SerializedError;
  console: ConsoleEntry[];
  /** True when console output hit `limits.maxConsoleBytes` and was cut (a marker entry is appended). */
  consoleTruncated: boolean;
  toolCalls: ToolCallRecord[];
  /** Calls still pending when the script returned; they were aborted (not spawned ones, which run until endTurn). */
  abortedCalls: string[];
  durationMs: number;
  hash: string;
  cache: "hit" | "miss";
}
