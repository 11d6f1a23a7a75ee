/** The contract every tool implements, whether built in, from an MCP server, called by a script or structurally. */
import type { SandboxSettings } from "../sandbox/index.js";

/** A JSON Schema object (draft 2020-12 / draft-07 subset that ajv and json-schema-to-typescript both understand). */
export type JsonSchema = Record<string, unknown>;

/** How dangerous a tool is; the approval policy decides from this (and, for exec, from the command). */
export type RiskClass = "read-only" | "writes" | "executes";

/** What a handler gets besides its validated arguments. */
export interface ToolContext {
  /** Absolute, real path of the workspace root; every path argument is confined to it. */
  workspaceRoot: string;
  /** Aborted when the run times out, is aborted, or the turn ends. Handlers must stop promptly. */
  signal: AbortSignal;
  /** The OS sandbox a confined tool (`sandboxed: true`, i.e. exec) runs its commands under; its own default when absent. */
  sandbox?: SandboxSettings | undefined;
}

export interface ToolDefinition<Args = unknown, Result = unknown> {
  /** Name as seen by scripts: `tools.<name>`; MCP tools are `mcp.<server>.<tool>`. */
  name: string;
  /** One or two sentences; becomes the JSDoc in the generated `.d.ts` and the model's tool description. */
  description: string;
  argsSchema: JsonSchema;
  resultSchema: JsonSchema;
  risk: RiskClass;
  /** The tool runs commands in the OS sandbox (`ctx.sandbox`); the audit records the mode, and a denial may be retried. */
  sandboxed?: boolean;
  /** Runs the tool. Arguments have already been validated against `argsSchema`. */
  handler(args: Args, ctx: ToolContext): Promise<Result>;
}

/** A tool's schema facts without its implementation (enough to generate types and validate). */
export type ToolSpec = Omit<ToolDefinition, "handler">;
