/** How `cody script run` (and `cody exec`) show a run to a person: banner, live events, result, errors. */
import type { RunEvent, RunResult } from "../runtime/index.js";
import type { SerializedError } from "../errors/index.js";
import type { Limits } from "../limits.js";

export interface Writers {
  out: (text: string) => void;
  err: (text: string) => void;
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
    `  tools: ${info.tools.join(", ")}\n` +
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

/** The error, with its stack already mapped to the user's TypeScript by the runtime. */
export function formatError(error: SerializedError): string {
  const where = error.location?.file ? ` (${error.location.file}:${error.location.line ?? "?"}:${error.location.column ?? "?"})` : "";
  const lines = [`✖ ${error.name} [${error.code}]: ${error.message}${where}`];
  const details = error.details;
  const stack = typeof details["stack"] === "string" ? details["stack"] : undefined;
  if (stack) lines.push(...stack.split("\n").filter((l) => l.trim().startsWith("at ")).map((l) => `    ${l.trim()}`));
  const diagnostics = details["diagnostics"];
  if (Array.isArray(diagnostics)) {
    for (const d of diagnostics as { file: string; line: number; column: number; code: number; message: string }[]) {
      lines.push(`  ${d.file}(${d.line},${d.column}): error TS${d.code}: ${d.message}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const OUTCOME_TEXT: Record<RunResult["toolCalls"][number]["outcome"], string> = {
  ok: "completed",
  error: "failed",
  aborted: "cut off (aborted)",
  denied: "not run (denied)",
  pending: "still running (spawned)",
};

/** Summary after the run: value (JSON) on stdout, one status line on stderr. */
export function renderResult(result: RunResult, w: Writers): void {
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
    w.err(formatError(result.error));
    // After a failure, say exactly which tool calls (side effects) completed and which were cut off.
    if (calls.length > 0) {
      w.err("  tool calls:\n");
      for (const c of calls) w.err(`    ${c.id} ${c.tool} ${OUTCOME_TEXT[c.outcome]}\n`);
      w.err(`  full record: cody runs show ${result.runId.slice(0, 8)}\n`);
    }
  }
  w.err(`${status}  (run ${result.runId})\n`);
}
