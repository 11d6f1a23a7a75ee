/**
 * Real-model mode: the session handler forwards the mode-shaped request to an OpenAI-compatible endpoint, streams its
 * reply back to `cody exec` unchanged, and reads the reply out of the stream for counting (and for `--record`).
 */
import type { TurnHandler } from "./server.js";
import { replyFromSse, type Api, type ReplyView } from "./wire.js";

export interface UpstreamOptions {
  baseUrl: string;
  model: string;
  /** The API key (read by the CLI from the environment); none for local servers. */
  apiKey?: string;
  /** Called with every reply, e.g. to record it. */
  onReply?: (turn: number, reply: ReplyView) => void;
}

const PATHS: Record<Api, string> = { responses: "/responses", chat: "/chat/completions" };

export function upstreamHandler(opts: UpstreamOptions): TurnHandler {
  return async (ctx, res) => {
    const response = await fetch(`${opts.baseUrl.replace(/\/+$/, "")}${PATHS[ctx.api]}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      body: JSON.stringify({ ...ctx.body, model: opts.model }),
    });
    const headers: Record<string, string> = { "content-type": response.headers.get("content-type") ?? "application/json" };
    for (const h of ["retry-after", "retry-after-ms"]) {
      const v = response.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    res.writeHead(response.status, headers);
    let raw = "";
    const decoder = new TextDecoder();
    if (response.body) {
      for await (const chunk of response.body) {
        raw += decoder.decode(chunk, { stream: true });
        res.write(chunk);
      }
    }
    res.end();
    if (!response.ok) throw new Error(`upstream answered HTTP ${response.status}: ${raw.slice(0, 300)}`);
    const reply = replyFromSse(ctx.api, raw);
    opts.onReply?.(ctx.turn, reply);
    return reply;
  };
}
