/**
 * The text sent back to the model as a `function_call_output`: for a script, its result value, console output, a
 * one-line summary of its tool calls and, on failure, the typed error with its stack (already mapped to the user's
 * TypeScript by the runtime). Compact, and capped: every cut says how much was left out.
 */
import { publicError, type SerializedError } from "../errors/index.js";
import type { RunResult } from "../runtime/index.js";
import type { ScriptDiagnostic } from "./contract.js";

/** Caps on what one output item may hold, in characters. */
export interface OutputCaps {
  /** The whole output. @default 16000 */
  maxOutputChars: number;
  /** The result value's text. @default 8000 */
  maxValueChars: number;
  /** The console section. @default 4000 */
  maxConsoleChars: number;
}

export const DEFAULT_OUTPUT_CAPS: Readonly<OutputCaps> = Object.freeze({
  maxOutputChars: 16_000,
  maxValueChars: 8_000,
  maxConsoleChars: 4_000,
});

/** Cut `text` to `max` characters, saying how much was dropped and why. */
export function cap(text: string, max: number, hint = ""): string {
  if (text.length <= max) return text;
  const more = text.length - max;
  return `${text.slice(0, max)}\n… [truncated: ${more} more characters${hint}]`;
}

/** Output for a script that ran (successfully or not). */
export function formatScriptOutput(
  label: string,
  result: RunResult,
  caps: OutputCaps = DEFAULT_OUTPUT_CAPS,
  warnings: ScriptDiagnostic[] = [],
): string {
  const parts: string[] = [];
  if (result.ok) {
    parts.push(`ok: ${label} finished in ${Math.round(result.durationMs)} ms`);
    if (result.value === undefined) parts.push("result: undefined (nothing returned)");
    else if (typeof result.value === "string") {
      parts.push(`result (string):\n${cap(result.value, caps.maxValueChars, "; return less, e.g. a slice or a summary")}`);
    } else {
      parts.push(`result:\n${cap(JSON.stringify(result.value) ?? "undefined", caps.maxValueChars, "; return less, e.g. a slice or a summary")}`);
    }
  } else {
    const error = result.error;
    parts.push(`error: ${label} failed${error ? ` with ${error.code}` : ""} after ${Math.round(result.durationMs)} ms`);
    if (error) parts.push(formatErrorForModel(error));
  }
  if (warnings.length > 0) parts.push(`type-check warnings:\n${formatDiagnosticsForModel(warnings)}`);
  if (result.console.length > 0) {
    const text = result.console.map((e) => (e.level === "log" ? e.text : `[${e.level}] ${e.text}`)).join("\n");
    const note = result.consoleTruncated ? " (cut by the runtime's console limit)" : "";
    parts.push(`console${note}:\n${cap(text, caps.maxConsoleChars, "; log less")}`);
  }
  if (result.toolCalls.length > 0) {
    const calls = result.toolCalls.map((c) => {
      const err = c.error ? ` (${c.error.code}: ${oneLine(c.error.message, 160)})` : "";
      return `${c.tool} ${c.outcome} ${Math.round(c.ms)} ms${c.detached ? " spawned" : ""}${err}`;
    });
    parts.push(`tool calls (${calls.length}): ${calls.join(" · ")}`);
  }
  if (result.abortedCalls.length > 0) {
    parts.push(`calls not awaited, aborted when the script returned: ${result.abortedCalls.join(", ")}`);
  }
  return cap(parts.join("\n"), caps.maxOutputChars);
}

/** Output for a block that was not run because the type-check (in `block` mode) found errors. */
export function formatBlockedByCheck(label: string, diagnostics: ScriptDiagnostic[], caps: OutputCaps = DEFAULT_OUTPUT_CAPS): string {
  const errors = diagnostics.filter((d) => d.category === "error").length;
  return cap(
    `error: ${label} was not run: the type-check found ${errors} error(s). Fix them and send the script again.\n` +
      formatDiagnosticsForModel(diagnostics),
    caps.maxOutputChars,
  );
}

/** Output for a block the detector rejected (unclosed or empty) or that the harness could not start. */
export function formatNotRun(message: string, error?: SerializedError): string {
  return error ? `error: ${message}\n${formatErrorForModel(error)}` : `error: ${message}`;
}

/** Output for a structured (native) function call. */
export function formatFunctionOutput(outcome: { ok: true; value: unknown } | { ok: false; error: SerializedError }, caps: OutputCaps = DEFAULT_OUTPUT_CAPS): string {
  if (outcome.ok) {
    const text = typeof outcome.value === "string" ? outcome.value : (JSON.stringify(outcome.value) ?? "null");
    return cap(text, caps.maxOutputChars, "; use a script to read only the part you need");
  }
  return cap(`error: ${formatErrorForModel(outcome.error)}`, caps.maxOutputChars);
}

/** A failed script's error as a model is sent it: `code: message`, the location, the mapped stack, compact details. */
function formatErrorForModel(error: SerializedError): string {
  const lines = [`${error.name} [${error.code}]: ${error.message}`];
  // Only the guest's own stack (a script error's, mapped): a host stack names server files, not the user's script.
  const stack = typeof publicError(error).details["stack"] === "string" ? String(error.details["stack"]) : undefined;
  // Keep only frame lines (the first line of a stack repeats the message), and only frames in the user's script:
  // host frames mean nothing to the model.
  const frames = (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l) && (!loc(error) || l.includes(loc(error) ?? ""))).slice(0, 8);
  if (frames.length > 0) lines.push(...frames.map((f) => `  ${f.trim()}`));
  else if (error.location?.line !== undefined) {
    const l = error.location;
    lines.push(`  at ${l.file ?? "<script>"}:${l.line}${l.column !== undefined ? `:${l.column}` : ""}`);
  }
  // Type errors carry their diagnostics: list them like tsc rather than as JSON.
  const diagnostics = Array.isArray(error.details["diagnostics"]) ? (error.details["diagnostics"] as ScriptDiagnostic[]) : undefined;
  if (diagnostics && diagnostics.length > 0) lines.push(cap(formatDiagnosticsForModel(diagnostics), 4000));
  const details = Object.fromEntries(
    Object.entries(error.details).filter(([k]) => k !== "stack" && k !== "message" && k !== "name" && !(k === "diagnostics" && diagnostics)),
  );
  if (Object.keys(details).length > 0) lines.push(`details: ${cap(JSON.stringify(details), 1000)}`);
  return lines.join("\n");
}

/** The script file an error points into, when known (frames elsewhere are host internals). */
function loc(error: SerializedError): string | undefined {
  return error.location?.file;
}

/**
 * `file:line:column error TS1234: message`, one per line: the compact form a model is sent (and `cody exec` shows).
 * Terminals and CI get tsc's form from compiler/diagnostic.ts's `formatDiagnostics`.
 */
export function formatDiagnosticsForModel(diagnostics: ScriptDiagnostic[]): string {
  return diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.category} TS${d.code}: ${d.message}`).join("\n");
}

function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
