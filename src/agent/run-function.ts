/**
 * Running one native (structured) function call through the StructuredToolCaller. Never throws: bad JSON arguments,
 * unknown tools, validation, approval and tool failures all become the call's output for the model.
 */
import { CodyError, UsageError, serializeError } from "../errors/index.js";
import type { AgentEvent, StructuredToolCaller } from "./contract.js";
import { formatFunctionOutput, type OutputCaps } from "./output.js";
import type { PendingCall } from "./run-block.js";

export async function runFunction(
  pending: PendingCall,
  caller: StructuredToolCaller | undefined,
  ctx: { signal: AbortSignal; caps: OutputCaps; emit: (e: AgentEvent) => void; conversationId: string; turn: number },
): Promise<void> {
  const { emit } = ctx;
  const { call_id: callId, name } = pending.call;
  const fail = (error: unknown): void => {
    pending.output = formatFunctionOutput({ ok: false, error: serializeError(error) }, ctx.caps);
    emit({ type: "function_result", callId, name, ok: false, output: pending.output });
  };
  let args: unknown;
  try {
    args = pending.call.arguments.trim() === "" ? {} : JSON.parse(pending.call.arguments);
  } catch (error) {
    emit({ type: "function_call", callId, name, args: pending.call.arguments });
    return fail(new UsageError(`The arguments of \`${name}\` are not valid JSON: ${(error as Error).message}`, { tool: name }));
  }
  emit({ type: "function_call", callId, name, args });
  try {
    if (!caller) throw new CodyError("CODY_TOOL_NOT_FOUND", `No structured tools are available; \`${name}\` cannot be called`, { tool: name });
    const value = await caller.call(name, args, ctx.signal, { conversationId: ctx.conversationId, turn: ctx.turn, callId });
    pending.output = formatFunctionOutput({ ok: true, value }, ctx.caps);
    emit({ type: "function_result", callId, name, ok: true, output: pending.output });
  } catch (error) {
    fail(error);
  }
}
