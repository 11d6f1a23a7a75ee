/**
 * A run's result as an MCP tool result: `structuredContent` (matching `runResultShape`) for programs, and a text
 * rendering for models — the same text the agent loop shows its own model. A failed run is a tool error
 * (`isError: true`) whose text starts with the mapped `file:line:column`, so the client's model can fix its script.
 */
import { z } from "zod";
import { formatDiagnosticsForModel, formatScriptOutput } from "../agent/index.js";
import type { Diagnostic } from "../compiler/index.js";
import type { SerializedError } from "../errors/index.js";
import type { RunResult } from "../runtime/index.js";

/** The `outputSchema` of `run_script` (a zod shape: the SDK turns it into JSON Schema and checks results with it). */
export const runResultShape = {
  ok: z.boolean().describe("True when the script returned; false when it failed (see error)."),
  value: z.unknown().optional().describe("The script's return value (JSON), when ok."),
  console: z.array(z.string()).describe("Console lines in order; non-log levels are prefixed, e.g. `[warn] …`."),
  calls: z.string().describe("One line summarising the tool calls: tool, outcome, duration."),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      file: z.string().optional(),
      line: z.number().optional(),
      column: z.number().optional(),
    })
    .optional()
    .describe("Why the run failed, with the location in the script when known."),
  runId: z.string().describe("The run's id in the audit log (`cody runs show <id>`)."),
  hash: z.string().describe("The script's content hash (its cache key)."),
  durationMs: z.number(),
};

export type RunResultContent = z.infer<z.ZodObject<typeof runResultShape>>;

export interface McpToolResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** `readFile ok 2 ms · writeFile denied 0 ms` (or `no tool calls`). */
export function callsSummary(result: RunResult): string {
  if (result.toolCalls.length === 0) return "no tool calls";
  const calls = result.toolCalls.map((c) => `${c.tool} ${c.outcome} ${Math.round(c.ms)} ms${c.detached ? " spawned" : ""}`);
  return `${calls.length} call${calls.length === 1 ? "" : "s"}: ${calls.join(" · ")}`;
}

/** The first place an error points at in the user's script: its own location, else its first diagnostic. */
export function errorLocation(error: SerializedError): { file: string; line: number; column: number } | undefined {
  const { file, line, column } = error.location ?? {};
  if (file !== undefined && line !== undefined && column !== undefined) return { file, line, column };
  const first = diagnosticsOf(error)[0];
  return first ? { file: first.file, line: first.line, column: first.column } : undefined;
}

function diagnosticsOf(error: SerializedError): Diagnostic[] {
  const list = error.details["diagnostics"];
  return Array.isArray(list) ? (list as Diagnostic[]) : [];
}

export function renderRun(result: RunResult): McpToolResult {
  const structured: RunResultContent = {
    ok: result.ok,
    console: result.console.map((e) => (e.level === "log" ? e.text : `[${e.level}] ${e.text}`)),
    calls: callsSummary(result),
    runId: result.runId,
    hash: result.hash,
    durationMs: Math.round(result.durationMs),
  };
  if (result.ok && result.value !== undefined) structured.value = result.value;
  let text = formatScriptOutput("the script", result);
  if (!result.ok && result.error) {
    const where = errorLocation(result.error);
    structured.error = { code: result.error.code, message: result.error.message, ...(where ?? {}) };
    const diagnostics = diagnosticsOf(result.error);
    // The location first, the way compilers print it, so the model sees where to look before anything else.
    const head = where ? `${where.file}:${where.line}:${where.column}: ${result.error.code}: ${result.error.message}` : "";
    text = [head, diagnostics.length > 1 ? formatDiagnosticsForModel(diagnostics) : "", text].filter((s) => s !== "").join("\n");
  }
  return {
    content: [{ type: "text", text }],
    structuredContent: structured as Record<string, unknown>,
    ...(result.ok ? {} : { isError: true }),
  };
}

/** A check's diagnostics as a tool result: an error when any is an error. */
export function renderCheck(diagnostics: readonly Diagnostic[]): McpToolResult {
  const errors = diagnostics.filter((d) => d.category === "error");
  const text = diagnostics.length === 0 ? "ok: no diagnostics" : formatDiagnosticsForModel([...diagnostics]);
  return {
    content: [{ type: "text", text: errors.length > 0 ? `${errors.length} error(s)\n${text}` : text }],
    structuredContent: { ok: errors.length === 0, diagnostics: diagnostics.map((d) => ({ ...d })) },
    ...(errors.length > 0 ? { isError: true } : {}),
  };
}

/** The output shape of `check_script`. */
export const checkResultShape = {
  ok: z.boolean().describe("True when the script has no type errors."),
  diagnostics: z.array(
    z.object({
      file: z.string(),
      line: z.number(),
      column: z.number(),
      code: z.number(),
      category: z.enum(["error", "warning"]),
      message: z.string(),
    }).passthrough(),
  ),
};
