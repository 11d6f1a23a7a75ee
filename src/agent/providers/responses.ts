/**
 * OpenAI Responses API: `POST {baseUrl}/responses` with `stream: true`. Events used (per the API reference):
 * `response.output_text.delta`, `response.output_item.added` / `.done` (function_call items),
 * `response.function_call_arguments.delta` / `.done`, `response.completed` (usage), and the failures
 * `response.failed`, `response.incomplete`, `error`. The full conversation is sent every time (`store: false`).
 */
import { ProviderError } from "../../errors/index.js";
import type { ConversationItem, Usage } from "../contract.js";
import type { ProviderConfig } from "./config.js";
import { postSse } from "./http.js";
import { ToolNameMap } from "./names.js";
import { parseEventData } from "./parse.js";
import type { ModelProvider, ModelRequest, ProviderEvent } from "./types.js";

interface PendingCall {
  callId: string;
  name: string;
  arguments: string;
  emitted: boolean;
}

export class ResponsesProvider implements ModelProvider {
  readonly api = "responses" as const;
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
      instructions: request.instructions,
      input: request.input.map((item) => toWire(item, names)),
      stream: true,
      store: false,
    };
    if (request.tools.length > 0) {
      body["tools"] = request.tools.map((t) => ({
        type: "function",
        name: names.toWire(t.name),
        description: t.description,
        parameters: t.parameters,
        strict: false,
      }));
    }
    return body;
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent, void, undefined> {
    const names = new ToolNameMap(request.tools.map((t) => t.name));
    const url = `${this.#cfg.baseUrl}/responses`;
    const calls = new Map<string, PendingCall>();
    const emit = (call: PendingCall): ProviderEvent | undefined => {
      if (call.emitted) return undefined;
      call.emitted = true;
      return { type: "function_call", callId: call.callId, name: names.fromWire(call.name), arguments: call.arguments || "{}" };
    };
    for await (const message of postSse(this.#cfg, "/responses", this.body(request, names), signal)) {
      if (message.data === "[DONE]") continue;
      const data = parseEventData(message.data, url);
      const type = typeof data["type"] === "string" ? data["type"] : message.event;
      switch (type) {
        case "response.output_text.delta":
          if (typeof data["delta"] === "string" && data["delta"] !== "") yield { type: "text_delta", delta: data["delta"] };
          break;
        case "response.output_item.added":
        case "response.output_item.done": {
          const item = asRecord(data["item"]);
          if (item?.["type"] !== "function_call") break;
          const key = String(item["id"] ?? item["call_id"] ?? data["output_index"]);
          const call = calls.get(key) ?? { callId: "", name: "", arguments: "", emitted: false };
          if (typeof item["call_id"] === "string") call.callId = item["call_id"];
          if (typeof item["name"] === "string") call.name = item["name"];
          if (typeof item["arguments"] === "string" && item["arguments"] !== "") call.arguments = item["arguments"];
          calls.set(key, call);
          if (type === "response.output_item.done") {
            const event = emit(finishCall(call, key));
            if (event) yield event;
          }
          break;
        }
        case "response.function_call_arguments.delta": {
          const call = calls.get(String(data["item_id"] ?? data["output_index"]));
          if (call && typeof data["delta"] === "string") call.arguments += data["delta"];
          break;
        }
        case "response.function_call_arguments.done": {
          const call = calls.get(String(data["item_id"] ?? data["output_index"]));
          if (call && typeof data["arguments"] === "string") call.arguments = data["arguments"];
          break;
        }
        case "response.completed": {
          const response = asRecord(data["response"]);
          // Calls only listed in the final output (servers that skip item events) still count.
          const output = Array.isArray(response?.["output"]) ? (response["output"] as unknown[]) : [];
          for (const raw of output) {
            const item = asRecord(raw);
            if (item?.["type"] !== "function_call") continue;
            const key = String(item["id"] ?? item["call_id"]);
            const known = calls.get(key) ?? [...calls.values()].find((c) => c.callId === item["call_id"]);
            if (known) continue;
            const call: PendingCall = {
              callId: String(item["call_id"] ?? key),
              name: String(item["name"] ?? ""),
              arguments: typeof item["arguments"] === "string" ? item["arguments"] : "",
              emitted: false,
            };
            calls.set(key, call);
          }
          for (const [key, call] of calls) {
            const event = emit(finishCall(call, key));
            if (event) yield event;
          }
          const usage = readUsage(asRecord(response?.["usage"]));
          yield usage ? { type: "completed", usage } : { type: "completed" };
          return;
        }
        case "response.failed":
        case "response.incomplete":
        case "error": {
          const response = asRecord(data["response"]);
          const err = asRecord(response?.["error"]) ?? asRecord(data["error"]) ?? data;
          const details = asRecord(response?.["incomplete_details"]);
          const message = String(err["message"] ?? details?.["reason"] ?? type);
          throw new ProviderError(`Model response ${type === "error" ? "error" : type.slice("response.".length)}: ${message}`, {
            kind: "response",
            url,
            event: type,
            code: typeof err["code"] === "string" ? err["code"] : null,
          });
        }
        default:
          break;
      }
    }
    throw new ProviderError(`Model stream from ${url} ended before \`response.completed\``, { kind: "stream", url });
  }
}

function finishCall(call: PendingCall, key: string): PendingCall {
  if (call.callId === "") call.callId = key;
  return call;
}

function toWire(item: ConversationItem, names: ToolNameMap): Record<string, unknown> {
  switch (item.type) {
    case "message":
      return { type: "message", role: item.role, content: item.content };
    case "function_call":
      return { type: "function_call", call_id: item.call_id, name: names.toWire(item.name), arguments: item.arguments };
    case "function_call_output":
      return { type: "function_call_output", call_id: item.call_id, output: item.output };
  }
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Responses usage: `input_tokens`, `output_tokens`, `total_tokens`. */
export function readUsage(u: Record<string, unknown> | undefined): Usage | undefined {
  if (!u) return undefined;
  const input = Number(u["input_tokens"] ?? u["prompt_tokens"] ?? 0) || 0;
  const output = Number(u["output_tokens"] ?? u["completion_tokens"] ?? 0) || 0;
  const total = Number(u["total_tokens"] ?? input + output) || input + output;
  return { inputTokens: input, outputTokens: output, totalTokens: total };
}
