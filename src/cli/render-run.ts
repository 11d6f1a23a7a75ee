/** How `cody script run` (and `cody exec`) show a run to a person: banner, live events, result, errors. */
import { formatDiagnostics, type Diagnostic } from "../compiler/index.js";
import type { RunEvent, RunResult } from "../runtime/index.js";
import type { SerializedError } from "../errors/index.js";
import type { Limits } from "../limits.js";
import { limitHint } from "./error-line.js";

export interface Writers {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * The tools line of a banner, kept short however many MCP tools there are: built-in tools by name, MCP tools counted
 * per server (`mcp: github 26, fs 11`).
 */
export function summarizeTools(names: readonly string[]): string {
  const builtins = names.filter((n) => !n.startsWith("mcp."));
  const perServer = new Map<string, number>();
  for (const n of names) {
    if (!n.startsWith("mcp.")) continue;
    const server = n.split(".")[1] ?? "?";
    perServer.set(server, (perServer.get(server) ?? 0) + 1);
  }
  const mcp = [...perServer].map(([server, count]) => `${server} ${count}`).join(", ");
  return [builtins.join(", "), mcp ? `mcp: ${mcp}` : ""].filter((s) => s !== "").join("; ") || "none";
}

/** One line saying what is about to run and under which limits. */
export function banner(info: {
  filename: string;
  hash: string;
  cache: "hit" | "miss";
  tools: readonly string[];
  limits: Limits;
  approval: string;
  /** The exec sandbox, e.g. `workspace-write` or `workspace-write + network`. */
  sandbox?: string;
}): string {
  const l = info.limits;
  return (
    `▶ ${info.filename}  hash ${info.hash.slice(0, 12)}  cache ${info.cache}\n` +
    `  tools: ${summarizeTools(info.tools)}\n` +
    `  limits: ${l.timeoutMs} ms, ${Math.round(l.memoryBytes / 1024 / 1024)} MB, ${l.maxToolCalls} tool calls, ` +
    `${l.maxConcurrentToolCalls} concurrent; approval: ${info.approval}` +
    `${info.sandbox === undefined ? "" : `; sandbox: ${info.sandbox}`}\n`
  );
}

/** Live events for a person: console lines to stdout as they happen, tool activity to stderr. */
export function renderEvent(event: RunEvent, w: Writers, verbose: boolean): void {
  switch (event.type) {
    case "console": {
      const line = `${event.entry.text}\n`;
      if (event.entry.level === "error" || event.entry.level === "warn") w.err(line);
      else w.out(line);
      return;
    }
    case "tool_call":
      if (verbose) w.err(`  → ${event.id} ${event.detached ? "spawn " : ""}${event.tool}\n`);
      return;
    case "tool_result":
      if (verbose) w.err(`  ← ${event.id} ${event.tool} ${event.outcome} (${event.ms.toFixed(1)} ms)\n`);
      return;
    default:
      return;
  }
}

/** A run's error as a terminal shows it, with its stack already mapped to the user's TypeScript by the runtime. */
export function formatErrorForTerminal(error: SerializedError): string {
  const where = error.location?.file ? ` (${error.location.file}:${error.location.line ?? "?"}:${error.location.column ?? "?"})` : "";
  const lines = [`✖ ${error.name} [${error.code}]: ${error.message}${where}`];
  const hint = limitHint(error.code);
  if (hint) lines.push(hint.trimEnd());
  const details = error.details;
  const stack = typeof details["stack"] === "string" ? details["stack"] : undefined;
  if (stack) lines.push(...stack.split("\n").filter((l) => l.trim().startsWith("at ")).map((l) => `    ${l.trim()}`));
  const diagnostics = details["diagnostics"];
  if (Array.isArray(diagnostics) && diagnostics.length > 0) {
    lines.push(...formatDiagnostics(diagnostics as Diagnostic[]).split("\n").map((l) => `  ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Used only when the audit's record of a call is not at hand: the runtime alone cannot tell whether an aborted call's
 * handler had started, so it says "aborted" rather than guess "cut off".
 */
const OUTCOME_TEXT: Record<RunResult["toolCalls"][number]["outcome"], string> = {
  ok: "completed",
  error: "failed",
  aborted: "aborted",
  denied: "not run (denied)",
  pending: "still running (spawned)",
};

/**
/**
 * Summary after the run: value (JSON) on stdout, one status line on stderr. `sideEffects` (call id → the words
 * `cody runs show` uses, from the audit) says for each call whether it completed, was cut off or never ran;
 * `formatFailure` renders the error (the CLI passes one that shows type errors with code frames, as `script check` does).
 */
export function renderResult(
  result: RunResult,
  w: Writers,
  opts: { sideEffects?: ReadonlyMap<string, string>; formatFailure?: (error: SerializedError) => string } = {},
): void {
  const formatFailure = opts.formatFailure ?? formatErrorForTerminal;
  const calls = result.toolCalls;
  const failed = calls.filter((c) => !c.ok).length;
  const status =
    `${result.ok ? "✔ ok" : "✖ failed"} in ${result.durationMs.toFixed(1)} ms; ` +
    `${calls.length} tool call${calls.length === 1 ? "" : "s"}${failed ? ` (${failed} not ok)` : ""}` +
    // On success these are calls the script started but never awaited; on failure the call list below says it all.
    (result.ok && result.abortedCalls.length ? `; aborted un-awaited: ${result.abortedCalls.join(", ")}` : "") +
    (result.consoleTruncated ? "; console output truncated" : "");
  if (result.ok) {
    if (result.value !== undefined) w.out(`${JSON.stringify(result.value, null, 2)}\n`);
  } else if (result.error) {
    w.err(formatFailure(result.error));
  }
  // After a failure, or when any call was not ok (a denied spawned call of a run that succeeded), say exactly which
  // tool calls (side effects) completed and which did not, in the words `cody runs show` uses.
  if (calls.length > 0 && (!result.ok || failed > 0)) {
    w.err("  tool calls:\n");
    for (const c of calls) w.err(`    ${c.id} ${c.tool} ${opts.sideEffects?.get(c.id) ?? OUTCOME_TEXT[c.outcome]}\n`);
    w.err(`  full record: cody runs show ${result.runId.slice(0, 8)}\n`);
  }
  w.err(`${status}  (run ${result.runId})\n`);
}
