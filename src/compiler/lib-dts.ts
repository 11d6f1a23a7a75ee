/**
 * The ambient library every script sees besides the ES2023 standard library and `tools`: `console`, the handle a
 * spawned call returns, and the error classes a failed tool call rejects with. Kept in sync with what the runtime
 * installs as globals.
 */
export const scriptLibDts = `/** A tool call started with \`tools.spawn.<tool>(args)\`; it keeps running after the script returns. */
interface SpawnHandle<T> {
  /** The call id, as recorded in the run's tool-call log. */
  readonly id: string;
  /** Where the call is now. */
  status(): "running" | "ok" | "error" | "aborted";
  /** Wait for the call's result (rejects with a ToolError if it failed). */
  result(): Promise<T>;
}

/** A tool call failed. \`code\` is stable (e.g. \`CODY_TOOL_FAILED\`, \`CODY_TOOL_INVALID_ARGS\`). */
declare class ToolError extends Error {
  /** The tool's registry name, e.g. \`readFile\` or \`mcp.server.tool\`. */
  readonly tool: string;
  readonly code: string;
  /** JSON facts about the failure. */
  readonly details: unknown;
}

/** A person (or the approval policy) refused the call. */
declare class ApprovalDeniedError extends ToolError {}

/** Output is captured with the run's result (and capped), not printed to a terminal. */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
`;
