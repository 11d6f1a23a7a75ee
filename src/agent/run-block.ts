/**
 * Running one `<tool-calls>` block: optional type-check (per the check mode), the run through the ScriptExecutor with
 * its events forwarded, and the output text for the model. Never throws: every failure becomes the call's output.
 */
import { createHash } from "node:crypto";
import { publicError, serializeError } from "../errors/index.js";
import type { RunResult } from "../runtime/index.js";
import type { AgentEvent, ConversationItem, ScriptDiagnostic, ScriptExecutor } from "./contract.js";
import type { DetectorItem } from "./detect/streaming.js";
import { formatBlockedByCheck, formatNotRun, formatScriptOutput, type OutputCaps } from "./output.js";

/** `off`: just run. `warn`: type-check first, run anyway, include warnings. `block`: do not run a script with errors. */
export type CheckMode = "off" | "warn" | "block";

/** A call of the current turn and, once known, its output (and the run behind it). */
export interface PendingCall {
  call: Extract<ConversationItem, { type: "function_call" }>;
  output?: string;
  runId?: string;
}

export interface BlockContext {
  executor: ScriptExecutor;
  check: CheckMode;
  caps: OutputCaps;
  /** Cancels the run (user abort, failed model stream). */
  signal: AbortSignal;
  /** Aborted at the end of the turn (stops spawned calls). */
  turnSignal: AbortSignal;
  turn: number;
  emit: (e: AgentEvent) => void;
}

/** Run `block`, setting `pending.output` (and `runId`). */
export async function runBlock(pending: PendingCall, block: Extract<DetectorItem, { type: "block" }>, ctx: BlockContext): Promise<void> {
  const { executor, emit, signal } = ctx;
  const callId = pending.call.call_id;
  const label = `block #${block.index}`;
  const filename = `<tool-calls#${block.index}>`;
  const end = (ok: boolean, extra: Partial<Extract<AgentEvent, { type: "script_end" }>> = {}): void => {
    emit({ type: "script_end", callId, index: block.index, ok, ...extra, output: pending.output ?? "" });
  };
  emit({
    type: "script_start",
    turn: ctx.turn,
    callId,
    index: block.index,
    filename,
    sourceHash:
      (await executor.scriptHash?.(block.source, filename).catch(() => undefined)) ??
      createHash("sha256").update(block.source).digest("hex").slice(0, 16),
    tools: executor.toolNames(),
    source: block.source,
  });
  if (signal.aborted) {
    pending.output = formatNotRun(`${label} was not run: the turn was cancelled`);
    return end(false);
  }
  let warnings: ScriptDiagnostic[] = [];
  try {
    if (ctx.check !== "off") {
      const diagnostics = await executor.checkScript(block.source, filename);
      const blocked = ctx.check === "block" && diagnostics.some((d) => d.category === "error");
      if (diagnostics.length > 0) emit({ type: "diagnostics", callId, diagnostics, blocked });
      if (blocked) {
        pending.output = formatBlockedByCheck(label, diagnostics, ctx.caps);
        return end(false);
      }
      warnings = diagnostics;
    }
    const result: RunResult = await executor.runScript(block.source, {
      filename,
      signal,
      turnSignal: ctx.turnSignal,
      onEvent: (e) => {
        if (e.type === "console") emit({ type: "console", callId, entry: e.entry });
        else if (e.type === "tool_call") emit({ type: "tool_call", callId, id: e.id, tool: e.tool, args: e.args, detached: e.detached });
        else if (e.type === "tool_result") emit({ type: "tool_result", callId, id: e.id, tool: e.tool, ok: e.ok, ms: e.ms, outcome: e.outcome });
      },
    });
    pending.output = formatScriptOutput(label, result, ctx.caps, warnings);
    pending.runId = result.runId;
    end(result.ok, {
      runId: result.runId,
      hash: result.hash,
      durationMs: result.durationMs,
      ...(result.error ? { error: publicError(result.error) } : {}),
    });
  } catch (error) {
    const serialized = publicError(serializeError(error));
    pending.output = formatNotRun(`${label} could not be run`, serialized);
    end(false, { error: serialized });
  }
}
