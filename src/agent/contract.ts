/**
 * What the conversation loop needs from the rest of the harness, kept narrow so the loop can be tested with simple
 * real implementations and wired to the compiler/runtime/tool dispatcher by the integrator's `Harness`.
 */
import type { SerializedError } from "../errors/index.js";
import type { ConsoleEntry, RunEvent, RunResult } from "../runtime/index.js";

/** A problem found in a script before running it (structurally the compiler's `Diagnostic`). Positions are 1-based. */
export interface ScriptDiagnostic {
  file: string;
  line: number;
  column: number;
  code: number;
  category: "error" | "warning";
  message: string;
}

/** Options of one script run started by the loop. */
export interface ScriptRunOptions {
  /** Name for diagnostics and stacks, e.g. `<tool-calls#1>`. */
  filename: string;
  /** Aborts the run (and its tool calls): the user cancelled the turn. */
  signal: AbortSignal;
  /** Aborted when the turn ends; spawned (`tools.spawn.*`) calls stop then. */
  turnSignal: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

/** Compiles and runs scripts (the integrator backs this with compileScript + the cache + ScriptPool). */
export interface ScriptExecutor {
  /**
   * Run a script. A failing script resolves with `ok: false` and a typed error; a rejection means the harness itself
   * failed (pool closed…) and is reported to the model the same way.
   */
  runScript(source: string, opts: ScriptRunOptions): Promise<RunResult>;
  /** Type-check without running (used by `check: "warn" | "block"`). */
  checkScript(source: string, filename: string): Promise<ScriptDiagnostic[]>;
  /** Tool names a script may call (shown in the per-script banner). */
  toolNames(): string[];
  /**
   * The hash the run will have (its artifact hash, the one approval prompts and `cody runs show` print), so the
   * banner shows the same one; undefined when the script cannot be hashed (too large…). Optional for test doubles.
   */
  scriptHash?(source: string, filename: string): Promise<string | undefined>;
}

/** A tool as offered to the model for native (structured) function calling. */
export interface StructuredToolInfo {
  /** Registry name (may contain dots; providers see a sanitized alias). */
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** Runs the provider's native tool calls through the same registry, validation and approvals as scripts. */
export interface StructuredToolCaller {
  listTools(): StructuredToolInfo[];
  /**
   * Resolve with the tool's JSON result; throw (preferably a CodyError) to report a failure to the model. `context`
   * says which conversation turn and which model call this is, so an audit can group a turn's calls.
   */
  call(name: string, args: unknown, signal: AbortSignal, context?: StructuredCallContext): Promise<unknown>;
}

/** Where a structured call comes from. */
export interface StructuredCallContext {
  conversationId: string;
  turn: number;
  /** The provider's id of the function call (`call_id`). */
  callId: string;
}

/**
 * One conversation item, in the OpenAI Responses API shape (which Chat Completions requests are converted from).
 * A `<tool-calls>` block is recorded as a `function_call` named `tool_calls` (its script is in the assistant message
 * before it) so that every `function_call_output` pairs with a call, as both APIs require.
 */
export type ConversationItem =
  | { type: "message"; role: "user" | "assistant"; content: string }
  | { type: "function_call"; call_id: string; name: string; arguments: string }
  | { type: "function_call_output"; call_id: string; output: string };

/** The synthetic function name under which a `<tool-calls>` block is recorded in the conversation. */
export const SCRIPT_CALL_NAME = "tool_calls";

/** Token usage summed over a turn or a whole run. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** Why a run stopped. */
export type StopReason = "done" | "max_turns";

/** Events for the CLI (`--json` prints them as JSONL) and the REST stream. */
export type AgentEvent =
  | { type: "turn_start"; conversationId: string; turn: number }
  | { type: "assistant_text"; turn: number; delta: string }
  | {
      type: "script_start";
      turn: number;
      callId: string;
      index: number;
      filename: string;
      /**
       * The script's artifact hash when the executor can tell it (the same hash approval prompts, `script_end` and
       * `cody runs show` carry), else sha256 (hex, first 16) of the block's source.
       */
      sourceHash: string;
      tools: string[];
      source: string;
    }
  | { type: "diagnostics"; callId: string; diagnostics: ScriptDiagnostic[]; blocked: boolean }
  | { type: "console"; callId: string; entry: ConsoleEntry }
  | { type: "tool_call"; callId: string; id: string; tool: string; args: unknown; detached: boolean }
  | { type: "tool_result"; callId: string; id: string; tool: string; ok: boolean; ms: number; outcome: string }
  | {
      type: "script_end";
      callId: string;
      index: number;
      ok: boolean;
      runId?: string;
      hash?: string;
      durationMs?: number;
      error?: SerializedError;
      /** The exact text sent back to the model. */
      output: string;
    }
  | { type: "block_error"; callId: string; index: number; kind: "unclosed" | "empty"; message: string }
  | { type: "function_call"; callId: string; name: string; args: unknown }
  | { type: "function_result"; callId: string; name: string; ok: boolean; output: string }
  | { type: "turn_end"; turn: number; scripts: number; functionCalls: number; usage?: Usage }
  | {
      type: "final";
      conversationId: string;
      text: string;
      turns: number;
      stopReason: StopReason;
      usage: Usage;
      /** Why the loop stopped early and how to continue (for `max_turns`). */
      message?: string;
    };
