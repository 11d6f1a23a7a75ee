/**
 * The local OpenAI-compatible endpoint `cody exec` talks to during an eval. One HTTP server on 127.0.0.1 serves many
 * sessions at once (one per workflow run, routed by `/s/<id>/v1/…`). For each model call it shapes the request to the
 * session's mode, counts what the model would read and write with the real tokenizer, times the gap the harness
 * spent between calls, and asks the session's handler (a deterministic planner, or a proxy to a real model) for the
 * reply.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { completionTokens, promptTokens, replyFrames, shapeRequest, viewOf, type Api, type ReplyView, type RequestView } from "./wire.js";
import type { Mode } from "./workflow.js";

export interface TurnContext {
  api: Api;
  mode: Mode;
  /** 1-based model call number within the session. */
  turn: number;
  /** The request as shaped for the mode (what is forwarded to a real model). */
  body: Record<string, unknown>;
  view: RequestView;
}

/** Produce one reply: write it to `res` (SSE) and return what was said, for counting. */
export type TurnHandler = (ctx: TurnContext, res: http.ServerResponse) => Promise<ReplyView & { usage?: { input: number; output: number } }>;

export interface CallRecord {
  promptTokens: number;
  completionTokens: number;
  /** Usage the upstream model reported, when there is one. */
  reportedUsage?: { input: number; output: number };
  /** Milliseconds from the previous reply's end to this request (the harness's own time between model calls). */
  harnessGapMs: number;
}

export interface SessionStats {
  calls: CallRecord[];
  /** Bytes of tool output in the context at the last model call (every output the loop fed back). */
  contextBytes: number;
  /** Handler failures (each also answered with HTTP 400 so the loop stops without retrying). */
  errors: string[];
}

export interface Session {
  baseUrl: string;
  stats: SessionStats;
  close(): void;
}

export interface EvalServer {
  open(mode: Mode, handler: TurnHandler): Session;
  close(): Promise<void>;
}

/** Write `reply` as a complete SSE stream with the counted usage. */
export function writeReply(res: http.ServerResponse, api: Api, reply: ReplyView, usage: { input: number; output: number }): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.end(replyFrames(api, reply, usage).join(""));
}

export async function startEvalServer(): Promise<EvalServer> {
  const sessions = new Map<string, { mode: Mode; handler: TurnHandler; stats: SessionStats; lastEnd?: number }>();
  const sockets = new Set<Socket>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const arrived = performance.now();
      const m = /^\/s\/([^/]+)\/v1\/(responses|chat\/completions)$/.exec(req.url ?? "");
      const session = m ? sessions.get(m[1] ?? "") : undefined;
      if (!m || !session || req.method !== "POST") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `eval server: no session at ${req.url}` } }));
        return;
      }
      const api: Api = m[2] === "responses" ? "responses" : "chat";
      void (async () => {
        try {
          const raw = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
          const body = shapeRequest(api, raw, session.mode);
          const view = viewOf(api, body);
          const turn = session.stats.calls.length + 1;
          const record: CallRecord = {
            promptTokens: promptTokens(view),
            completionTokens: 0,
            harnessGapMs: session.lastEnd === undefined ? 0 : arrived - session.lastEnd,
          };
          session.stats.calls.push(record);
          session.stats.contextBytes = view.items.reduce((n, i) => n + (i.kind === "output" ? Buffer.byteLength(i.text) : 0), 0);
          const reply = await session.handler({ api, mode: session.mode, turn, body, view }, res);
          record.completionTokens = completionTokens(reply);
          if (reply.usage) record.reportedUsage = reply.usage;
          session.lastEnd = performance.now();
        } catch (error) {
          session.stats.errors.push((error as Error).message);
          if (!res.headersSent) {
            res.writeHead(400, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { message: `eval server: ${(error as Error).message}` } }));
          } else res.destroy();
        }
      })();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    open(mode, handler) {
      const id = `s${++next}`;
      const stats: SessionStats = { calls: [], contextBytes: 0, errors: [] };
      sessions.set(id, { mode, handler, stats });
      return { baseUrl: `http://127.0.0.1:${port}/s/${id}/v1`, stats, close: () => sessions.delete(id) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
