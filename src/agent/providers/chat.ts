/**
 * OpenAI Chat Completions: `POST {baseUrl}/chat/completions` with `stream: true` and
 * `stream_options.include_usage`. Chunks carry `choices[0].delta.content` and `delta.tool_calls[i]` fragments
 * (`id` and `function.name` first, `function.arguments` in pieces, keyed by `index`); the last chunk may carry
 * `usage` with empty `choices`; the stream ends with `data: [DONE]`.
 */
import { ProviderError } from "../../errors/index.js";
import type { ConversationItem } from "../contract.js";
import type { ProviderConfig } from "./config.js";
import { postSse } from "./http.js";
import { ToolNameMap } from "./names.js";
import { parseEventData } from "./parse.js";
import { readUsage } from "./responses.js";
import type { ModelProvider, ModelRequest, ProviderEvent } from "./types.js";
import type { Usage } from "../contract.js";

interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export class ChatCompletionsProvider implements ModelProvider {
  readonly api = "chat" as const;
  readonly model: string;
  readonly #cfg: ProviderConfig;

  constructor(cfg: ProviderConfig) {
    this.#cfg = cfg;
    this.model = cfg.model;
  }

  /** The request body for `request` (exposed for tests and logs). */
  body(request: ModelRequest, names: ToolNameMap = new ToolNameMap(request.tools.map((t) => t.name))): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.#cfg.model,
      messages: toMessages(request.instructions, request.input, names),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools.length > 0) {
      body["tools"] = request.tools.map((t) => ({
        type: "function",
        function: { name: names.toWire(t.name), description: t.description, parameters: t.parameters },
      }));
    }
    return body;
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent, void, undefined> {
    const names = new ToolNameMap(request.tools.map((t) => t.name));
    const url = `${this.#cfg.baseUrl}/chat/completions`;
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let usage: Usage | undefined;
    let finished = false;
    const flush = function* (): Generator<ProviderEvent> {
      const ordered = [...calls.entries()].sort((a, b) => a[0] - b[0]);
      for (const [index, call] of ordered) {
        yield {
          type: "function_call",
          callId: call.id || `call_${index}`,
          name: names.fromWire(call.name),
          arguments: call.arguments || "{}",
        };
      }
      yield usage ? { type: "completed", usage } : { type: "completed" };
    };
    for await (const message of postSse(this.#cfg, "/chat/completions", this.body(request, names), signal)) {
      if (message.data.trim() === "[DONE]") {
        yield* flush();
        return;
      }
      const data = parseEventData(message.data, url);
      if (data["error"] !== undefined) {
        const err = data["error"] as { message?: unknown } | string;
        const text = typeof err === "string" ? err : String(err?.message ?? JSON.stringify(err));
        throw new ProviderError(`Model stream from ${url} reported an error: ${text}`, { kind: "response", url });
      }
      const u = readUsage(data["usage"] as Record<string, unknown> | undefined);
      if (u && data["usage"] !== null) usage = u;
      const choices = Array.isArray(data["choices"]) ? (data["choices"] as Record<string, unknown>[]) : [];
      const choice = choices[0];
      if (!choice) continue;
      if (typeof choice["finish_reason"] === "string") finished = true;
      const delta = (choice["delta"] ?? {}) as Record<string, unknown>;
      if (typeof delta["content"] === "string" && delta["content"] !== "") yield { type: "text_delta", delta: delta["content"] };
      const toolCalls = Array.isArray(delta["tool_calls"]) ? (delta["tool_calls"] as Record<string, unknown>[]) : [];
      for (const tc of toolCalls) {
        const index = typeof tc["index"] === "number" ? tc["index"] : calls.size;
        const call = calls.get(index) ?? { id: "", name: "", arguments: "" };
        if (typeof tc["id"] === "string" && tc["id"] !== "") call.id = tc["id"];
        const fn = (tc["function"] ?? {}) as Record<string, unknown>;
        if (typeof fn["name"] === "string") call.name += fn["name"];
        if (typeof fn["arguments"] === "string") call.arguments += fn["arguments"];
        calls.set(index, call);
      }
    }
    // Some servers close the stream without `[DONE]`; a finish_reason already said the reply was complete.
    if (finished) {
      yield* flush();
      return;
    }
    throw new ProviderError(`Model stream from ${url} ended before \`[DONE]\``, { kind: "stream", url });
  }
}

/** Convert Responses-shaped items to chat messages: function calls join the assistant message before them. */
function toMessages(instructions: string, input: ConversationItem[], names: ToolNameMap): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (instructions !== "") out.push({ role: "system", content: instructions });
  for (const item of input) {
    if (item.type === "message") {
      out.push(item.role === "user" ? { role: "user", content: item.content } : { role: "assistant", content: item.content });
    } else if (item.type === "function_call") {
      let last = out[out.length - 1];
      if (last?.role !== "assistant") {
        last = { role: "assistant", content: null };
        out.push(last);
      }
      (last.tool_calls ??= []).push({
        id: item.call_id,
        type: "function",
        function: { name: names.toWire(item.name), arguments: item.arguments },
      });
    } else {
      out.push({ role: "tool", tool_call_id: item.call_id, content: item.output });
    }
  }
  return out;
}
