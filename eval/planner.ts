/**
 * The deterministic planners: a workflow's `plan.mjs` generator plays the model. Each model call resumes the
 * generator with what the loop fed back for the previous step (parsed from the request itself, so the planner reads
 * the same outputs a model would), and its next step becomes the reply: one native function call (structured) or
 * one `<tool-calls>` block (script). The generator's return value is the final answer.
 */
import { SCRIPT_CALL_NAME, ToolNameMap } from "../src/agent/index.js";
import { writeReply, type TurnHandler } from "./server.js";
import { completionTokens, promptTokens, type ReplyView, type RequestView } from "./wire.js";
import type { Planner, PlanStep, StepResult } from "./workflow.js";

/** Parse a script block's output (`ok: … result:\n<json>` or `result (string):\n<text>`). */
export function parseScriptOutput(text: string): StepResult {
  if (!text.startsWith("ok:")) return { ok: false, value: undefined, text };
  const json = /\nresult:\n(.*)/.exec(text);
  if (json?.[1] !== undefined) return { ok: true, value: JSON.parse(json[1]) as unknown, text };
  const raw = /\nresult \(string\):\n([\s\S]*?)(?=\nconsole(?: \(cut[^)]*\))?:\n|\ntool calls \(\d+\): |\ntype-check warnings:\n|$)/.exec(text);
  return { ok: true, value: raw?.[1], text };
}

/** Parse a native call's output (the tool's JSON, its text, or `error: …`). */
export function parseCallOutput(text: string): StepResult {
  if (text.startsWith("error:")) return { ok: false, value: undefined, text };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch {
    return { ok: true, value: text, text };
  }
}

/** The result of the previous step: the last output item of the request, parsed by the kind of call it answers. */
export function lastResult(view: RequestView): StepResult | undefined {
  const items = view.items;
  const last = items[items.length - 1];
  if (last?.kind !== "output") return undefined;
  const call = items.find((i) => i.kind === "call" && i.callId === last.callId);
  return call?.kind === "call" && call.name === SCRIPT_CALL_NAME ? parseScriptOutput(last.text) : parseCallOutput(last.text);
}

function render(step: PlanStep, turn: number): ReplyView {
  if ("call" in step) {
    return { text: "", calls: [{ callId: `call_${turn}`, name: new ToolNameMap([step.call]).toWire(step.call), arguments: JSON.stringify(step.args) }] };
  }
  const prose = step.prose ? `${step.prose}\n` : "";
  return { text: `${prose}<tool-calls>\n\`\`\`ts\n${step.script.trim()}\n\`\`\`\n</tool-calls>\n`, calls: [] };
}

/** A session handler that plays `planner`. */
export function plannerHandler(planner: Planner): TurnHandler {
  const gen = planner();
  return async (ctx, res) => {
    const previous = lastResult(ctx.view);
    const step = ctx.turn === 1 ? gen.next() : gen.next(previous ?? { ok: false, value: undefined, text: "" });
    const reply: ReplyView = step.done ? { text: step.value, calls: [] } : render(step.value, ctx.turn);
    writeReply(res, ctx.api, reply, { input: promptTokens(ctx.view), output: completionTokens(reply) });
    return reply;
  };
}
