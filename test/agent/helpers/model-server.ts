/**
 * A real HTTP model server on 127.0.0.1 (port 0) that speaks the OpenAI Responses and Chat Completions streaming
 * protocols from a queue of scripted replies, and records every request it received.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export type Reply = (res: http.ServerResponse, req: RecordedRequest) => void | Promise<void>;

export interface ModelServer {
  url: string;
  requests: RecordedRequest[];
  /** Append more scripted replies. */
  push(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startModelServer(replies: Reply[] = []): Promise<ModelServer> {
  const queue = [...replies];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const recorded: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(recorded);
      const reply = queue.shift();
      if (!reply) {
        res.writeHead(599, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "test server: no scripted reply left" } }));
        return;
      }
      Promise.resolve(reply(res, recorded)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...more) => queue.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Write SSE frames, splitting each frame's bytes at `splitAt` positions across separate writes (so the client sees
 * frames cut anywhere, including inside multi-byte characters).
 */
export async function writeFrames(res: http.ServerResponse, frames: string[], opts: { split?: boolean } = {}): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const frame of frames) {
    const bytes = Buffer.from(frame, "utf8");
    if (opts.split !== false && bytes.length > 2) {
      const mid = Math.floor(bytes.length / 2);
      res.write(bytes.subarray(0, mid));
      await tick();
      res.write(bytes.subarray(mid));
    } else {
      res.write(bytes);
    }
    await tick();
  }
  res.end();
}

export function sse(event: string | undefined, data: unknown): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`;
}

export interface ScriptedCall {
  callId: string;
  name: string;
  arguments: string;
}

export interface ScriptedReply {
  /** Text deltas, in order (one frame each). A string is cut into pieces of `chunk` characters. */
  text?: string | string[];
  chunk?: number;
  calls?: ScriptedCall[];
  usage?: { input: number; output: number };
  /** Stop after this many frames without completing (broken stream). */
  breakAfter?: number;
  /** Frames sent as-is before the rest (e.g. malformed JSON). */
  prefix?: string[];
}

function pieces(text: string | string[] | undefined, chunk: number): string[] {
  if (text === undefined) return [];
  if (Array.isArray(text)) return text;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += chunk) out.push(text.slice(i, i + chunk));
  return out;
}

/** Frames of a Responses API stream. Function call arguments are streamed in 3-character deltas. */
export function responsesFrames(r: ScriptedReply): string[] {
  const frames: string[] = [...(r.prefix ?? [])];
  frames.push(sse("response.created", { type: "response.created", response: { id: "resp_1", status: "in_progress" } }));
  let index = 0;
  const texts = pieces(r.text, r.chunk ?? 7);
  if (texts.length > 0) {
    frames.push(sse("response.output_item.added", { type: "response.output_item.added", output_index: index, item: { type: "message", id: "msg_1", role: "assistant", content: [] } }));
    for (const delta of texts) {
      frames.push(sse("response.output_text.delta", { type: "response.output_text.delta", item_id: "msg_1", output_index: index, content_index: 0, delta }));
    }
    frames.push(sse("response.output_item.done", { type: "response.output_item.done", output_index: index, item: { type: "message", id: "msg_1", role: "assistant" } }));
    index++;
  }
  for (const call of r.calls ?? []) {
    const itemId = `fc_${call.callId}`;
    frames.push(sse("response.output_item.added", { type: "response.output_item.added", output_index: index, item: { type: "function_call", id: itemId, call_id: call.callId, name: call.name, arguments: "" } }));
    for (const delta of pieces(call.arguments, 3)) {
      frames.push(sse("response.function_call_arguments.delta", { type: "response.function_call_arguments.delta", item_id: itemId, output_index: index, delta }));
    }
    frames.push(sse("response.function_call_arguments.done", { type: "response.function_call_arguments.done", item_id: itemId, output_index: index, arguments: call.arguments }));
    frames.push(sse("response.output_item.done", { type: "response.output_item.done", output_index: index, item: { type: "function_call", id: itemId, call_id: call.callId, name: call.name, arguments: call.arguments, status: "completed" } }));
    index++;
  }
  const usage = r.usage ?? { input: 10, output: 5 };
  frames.push(sse("response.completed", {
    type: "response.completed",
    response: { id: "resp_1", status: "completed", usage: { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output } },
  }));
  return r.breakAfter === undefined ? frames : frames.slice(0, r.breakAfter);
}

/** Frames of a Chat Completions stream. Tool call arguments are streamed in 3-character deltas. */
export function chatFrames(r: ScriptedReply): string[] {
  const frames: string[] = [...(r.prefix ?? [])];
  const chunk = (delta: unknown, finish: string | null = null): string =>
    sse(undefined, { id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
  frames.push(chunk({ role: "assistant", content: "" }));
  for (const delta of pieces(r.text, r.chunk ?? 7)) frames.push(chunk({ content: delta }));
  (r.calls ?? []).forEach((call, i) => {
    frames.push(chunk({ tool_calls: [{ index: i, id: call.callId, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const delta of pieces(call.arguments, 3)) frames.push(chunk({ tool_calls: [{ index: i, function: { arguments: delta } }] }));
  });
  frames.push(chunk({}, r.calls?.length ? "tool_calls" : "stop"));
  const usage = r.usage ?? { input: 10, output: 5 };
  frames.push(sse(undefined, { id: "chatcmpl-1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }));
  frames.push(sse(undefined, "[DONE]"));
  return r.breakAfter === undefined ? frames : frames.slice(0, r.breakAfter);
}

export function responsesReply(r: ScriptedReply): Reply {
  return async (res) => {
    await writeFrames(res, responsesFrames(r));
    if (r.breakAfter !== undefined) res.socket?.destroy();
  };
}

export function chatReply(r: ScriptedReply): Reply {
  return async (res) => {
    await writeFrames(res, chatFrames(r));
    if (r.breakAfter !== undefined) res.socket?.destroy();
  };
}

/** A plain HTTP status reply (JSON error body), with optional headers. */
export function statusReply(status: number, body: unknown = { error: { message: `status ${status}` } }, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

/** Reply for either protocol, picked from the request path. */
export function reply(r: ScriptedReply): Reply {
  return (res, req) => (req.url.endsWith("/chat/completions") ? chatReply(r)(res, req) : responsesReply(r)(res, req));
}

/** Resolve when the client has gone (it gave up, aborted, or the server closed): a stall with no timer to race. */
export function closed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.socket?.destroyed) resolve();
    else res.once("close", () => resolve());
  });
}
