/**
 * What the model sees, in either wire protocol (Responses or Chat Completions): a neutral view of a request for
 * counting and for the planners, the per-mode shaping of the request, and the SSE frames of a reply.
 */
import { countTokens, TOKENS_PER_ITEM, TOKENS_PER_REQUEST } from "./tokens.js";
import type { Mode } from "./workflow.js";

export type Api = "responses" | "chat";

export type ViewItem =
  | { kind: "user" | "assistant"; text: string }
  | { kind: "call"; callId: string; name: string; arguments: string }
  | { kind: "output"; callId: string; text: string };

export interface RequestView {
  instructions: string;
  tools: unknown[];
  items: ViewItem[];
}

type Body = Record<string, unknown>;
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
const str = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : JSON.stringify(v));

/** The neutral view of a request body. */
export function viewOf(api: Api, body: Body): RequestView {
  if (api === "responses") {
    const items: ViewItem[] = arr(body["input"]).map((i): ViewItem => {
      if (i["type"] === "function_call") return { kind: "call", callId: str(i["call_id"]), name: str(i["name"]), arguments: str(i["arguments"]) };
      if (i["type"] === "function_call_output") return { kind: "output", callId: str(i["call_id"]), text: str(i["output"]) };
      return { kind: i["role"] === "assistant" ? "assistant" : "user", text: str(i["content"]) };
    });
    return { instructions: str(body["instructions"]), tools: arr(body["tools"]), items };
  }
  let instructions = "";
  const items: ViewItem[] = [];
  for (const m of arr(body["messages"])) {
    if (m["role"] === "system") instructions = str(m["content"]);
    else if (m["role"] === "tool") items.push({ kind: "output", callId: str(m["tool_call_id"]), text: str(m["content"]) });
    else {
      if (str(m["content"]) !== "") items.push({ kind: m["role"] === "assistant" ? "assistant" : "user", text: str(m["content"]) });
      for (const c of arr(m["tool_calls"])) {
        const fn = (c["function"] ?? {}) as Body;
        items.push({ kind: "call", callId: str(c["id"]), name: str(fn["name"]), arguments: str(fn["arguments"]) });
      }
    }
  }
  return { instructions, tools: arr(body["tools"]), items };
}

/** Prompt tokens of a request: instructions, the tool list as sent, and every item with its framing. */
export function promptTokens(view: RequestView): number {
  let n = TOKENS_PER_REQUEST + countTokens(view.instructions) + TOKENS_PER_ITEM;
  if (view.tools.length > 0) n += countTokens(JSON.stringify(view.tools));
  for (const item of view.items) {
    n += TOKENS_PER_ITEM + (item.kind === "call" ? countTokens(item.name) + countTokens(item.arguments) : countTokens(item.text));
  }
  return n;
}

/** A model reply, neutral: prose (with any `<tool-calls>` blocks) and native calls. */
export interface ReplyView {
  text: string;
  calls: { callId: string; name: string; arguments: string }[];
}

export function completionTokens(reply: ReplyView): number {
  return countTokens(reply.text) + reply.calls.reduce((n, c) => n + countTokens(c.name) + countTokens(c.arguments), 0);
}

const SCRIPT_SECTION = /\n# Scripts or function calls\n[\s\S]*?(?=\n# Tools)/;

/** The system prompt of an agent that only makes native calls (no script format, no `.d.ts`). */
export function structuredInstructions(codyInstructions: string): string {
  const workspace = /^Workspace: .*$/m.exec(codyInstructions)?.[0];
  return [
    "You are Cody, a coding agent working in a user's workspace. Act by calling the functions provided, one call per " +
      "step; each result comes back to you in full in the next message. Answer plainly when you are done.",
    ...(workspace ? [workspace] : []),
  ].join("\n");
}

/**
 * Shape a request `cody exec` sent (which offers both scripts and native calls) into what an agent of one mode
 * sends: *script* drops the native tool list and the prompt's paragraph about choosing; *structured* replaces the
 * script prompt (rules and `.d.ts`) with a short native-calling prompt. Returns a new body.
 */
export function shapeRequest(api: Api, body: Body, mode: Mode): Body {
  const out: Body = { ...body };
  const rewrite = (text: string): string => (mode === "script" ? text.replace(SCRIPT_SECTION, "") : structuredInstructions(text));
  if (mode === "script") delete out["tools"];
  if (api === "responses") out["instructions"] = rewrite(str(body["instructions"]));
  else out["messages"] = arr(body["messages"]).map((m) => (m["role"] === "system" ? { ...m, content: rewrite(str(m["content"])) } : m));
  return out;
}

const sse = (event: string | undefined, data: unknown): string =>
  `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** The SSE frames of `reply` in `api`'s streaming shape, with the usage the counter measured. */
export function replyFrames(api: Api, reply: ReplyView, usage: { input: number; output: number }): string[] {
  if (api === "chat") {
    const chunk = (delta: unknown, finish: string | null = null): string =>
      sse(undefined, { id: "chatcmpl-eval", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
    const frames = [chunk({ role: "assistant", content: "" })];
    if (reply.text !== "") frames.push(chunk({ content: reply.text }));
    reply.calls.forEach((c, i) => frames.push(chunk({ tool_calls: [{ index: i, id: c.callId, type: "function", function: { name: c.name, arguments: c.arguments } }] })));
    frames.push(chunk({}, reply.calls.length > 0 ? "tool_calls" : "stop"));
    frames.push(sse(undefined, { id: "chatcmpl-eval", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }));
    frames.push(sse(undefined, "[DONE]"));
    return frames;
  }
  const frames = [sse("response.created", { type: "response.created", response: { id: "resp_eval", status: "in_progress" } })];
  let index = 0;
  if (reply.text !== "") {
    frames.push(sse("response.output_item.added", { type: "response.output_item.added", output_index: index, item: { type: "message", id: "msg_eval", role: "assistant", content: [] } }));
    frames.push(sse("response.output_text.delta", { type: "response.output_text.delta", item_id: "msg_eval", output_index: index, content_index: 0, delta: reply.text }));
    frames.push(sse("response.output_item.done", { type: "response.output_item.done", output_index: index, item: { type: "message", id: "msg_eval", role: "assistant" } }));
    index++;
  }
  for (const c of reply.calls) {
    const item = { type: "function_call", id: `fc_${c.callId}`, call_id: c.callId, name: c.name, arguments: c.arguments, status: "completed" };
    frames.push(sse("response.output_item.added", { type: "response.output_item.added", output_index: index, item: { ...item, arguments: "" } }));
    frames.push(sse("response.output_item.done", { type: "response.output_item.done", output_index: index, item }));
    index++;
  }
  frames.push(sse("response.completed", {
    type: "response.completed",
    response: { id: "resp_eval", status: "completed", usage: { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output } },
  }));
  return frames;
}

/** Read a reply back out of a raw SSE body (what an upstream model streamed), in either protocol. */
export function replyFromSse(api: Api, raw: string): ReplyView & { usage?: { input: number; output: number } } {
  let text = "";
  const calls = new Map<string, { callId: string; name: string; arguments: string }>();
  let usage: { input: number; output: number } | undefined;
  for (const block of raw.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data === "" || data.trim() === "[DONE]") continue;
    let d: Body;
    try {
      d = JSON.parse(data) as Body;
    } catch {
      continue;
    }
    if (api === "responses") {
      if (d["type"] === "response.output_text.delta") text += str(d["delta"]);
      if (d["type"] === "response.output_item.done") {
        const item = (d["item"] ?? {}) as Body;
        if (item["type"] === "function_call") calls.set(str(item["call_id"]), { callId: str(item["call_id"]), name: str(item["name"]), arguments: str(item["arguments"]) });
      }
      if (d["type"] === "response.completed") {
        const u = ((d["response"] as Body | undefined)?.["usage"] ?? {}) as Body;
        usage = { input: Number(u["input_tokens"] ?? 0), output: Number(u["output_tokens"] ?? 0) };
      }
    } else {
      const u = d["usage"] as Body | null | undefined;
      if (u) usage = { input: Number(u["prompt_tokens"] ?? 0), output: Number(u["completion_tokens"] ?? 0) };
      const delta = ((arr(d["choices"])[0]?.["delta"] ?? {}) as Body);
      if (typeof delta["content"] === "string") text += delta["content"];
      for (const tc of arr(delta["tool_calls"])) {
        const key = String(tc["index"] ?? calls.size);
        const call = calls.get(key) ?? { callId: "", name: "", arguments: "" };
        if (typeof tc["id"] === "string" && tc["id"] !== "") call.callId = tc["id"];
        const fn = (tc["function"] ?? {}) as Body;
        if (typeof fn["name"] === "string") call.name += fn["name"];
        if (typeof fn["arguments"] === "string") call.arguments += fn["arguments"];
        calls.set(key, call);
      }
    }
  }
  return { text, calls: [...calls.values()], ...(usage ? { usage } : {}) };
}
