/**
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) for run streams. Served over
 * Node, messages are written straight to the ServerResponse (gathered: see SSE_FLUSH_MS), in emit order
 * and without making the run wait for the socket: hono's streamSSE goes through a TransformStream, a web-stream reader on @hono/node-server's side and a
 * promise chain per message, which cost more main-thread time than the run (profiled). `app.fetch` without Node keeps
 * streamSSE.
 */
import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { header, nodeOf } from "./incoming.js";

export interface EventWriter {
  /** Queue one message; messages go out in the order they were emitted. */
  emit(event: string, data: unknown): void;
  /** Stop the keep-alive and resolve once every message has been handed to the socket (the stream then ends). */
  flushed(): Promise<void>;
}

/** A comment line this often keeps proxies from closing a stream that is quiet (e.g. waiting for an approval). */
const KEEPALIVE_MS = 15_000;

/** One message. `data` is one line: JSON.stringify never emits a line break, so no `data:` continuation is needed. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Hono's stream: each write waits for the previous one, so order is kept by a promise chain. */
function chainedWriter(stream: SSEStreamingApi): EventWriter {
  let chain = Promise.resolve();
  const keepalive = setInterval(() => {
    chain = chain.then(() => stream.write(": keep-alive\n\n")).then(() => undefined);
  }, KEEPALIVE_MS);
  keepalive.unref();
  return {
    emit(event, data) {
      chain = chain.then(() => stream.write(sseMessage(event, data))).then(() => undefined);
    },
    flushed: () => {
      clearInterval(keepalive);
      return chain;
    },
  };
}

/**
 * A stream's messages are gathered and written together, at most SSE_FLUSH_MS after the first of them: a write on a
 * socket (one `writev` syscall, which also wakes the reader) cost more of a run's main-thread time than everything
 * else the stream did — a trivial run's four events (start, tool_call, tool_result, end) were four writes, one per
 * turn of the event loop (profiled: ≈ 45 µs each at concurrency 64). A run that ends within the window is thus sent
 * whole at its end: headers, every event and the body's end in one write, with a Content-Length instead of chunks.
 * A longer run's events reach the client at most SSE_FLUSH_MS late, still in emit order.
 */
export const SSE_FLUSH_MS = 10;

/** Streams still open, each sent a comment every KEEPALIVE_MS by one shared timer (not a timer per stream). */
const open = new Set<DirectWriter>();
let keepalive: NodeJS.Timeout | undefined;

function keepAlive(): void {
  for (const writer of open) writer.queue(": keep-alive\n\n");
}

/** Node's response: writes are ordered; Node buffers what the socket cannot take yet. */
class DirectWriter implements EventWriter {
  readonly #res: ServerResponse;
  /** Response headers, sent with the first write (until then the status could still carry a Content-Length). */
  #headers: Record<string, string> | undefined;
  #text = "";
  #timer: NodeJS.Timeout | undefined;
  readonly #flushMs: number;

  constructor(res: ServerResponse, headers: Record<string, string>, flushMs: number) {
    this.#res = res;
    this.#headers = headers;
    this.#flushMs = flushMs;
    open.add(this);
    if (keepalive === undefined) {
      keepalive = setInterval(keepAlive, KEEPALIVE_MS);
      keepalive.unref();
    }
  }

  #live(): boolean {
    return !this.#res.writableEnded && !this.#res.destroyed;
  }

  /** Queue text; it is written `flushMs` after the first text queued since the last write (or at the end). */
  queue(text: string): void {
    if (!this.#live()) return;
    this.#text += text;
    this.#timer ??= setTimeout(this.#write, this.#flushMs);
  }

  /** Write what is queued (the window passed). */
  readonly #write = (): void => {
    this.#timer = undefined;
    const text = this.#text;
    this.#text = "";
    if (text === "" || !this.#live()) return;
    if (this.#headers !== undefined) {
      this.#res.writeHead(200, this.#headers);
      this.#headers = undefined;
    }
    this.#res.write(text);
  };

  emit(event: string, data: unknown): void {
    this.queue(sseMessage(event, data));
  }

  /** Stop the keep-alive and drop what is queued (the stream is ending or its client is gone). */
  forget(): void {
    open.delete(this);
    if (open.size === 0 && keepalive !== undefined) {
      clearInterval(keepalive);
      keepalive = undefined;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  flushed(): Promise<void> {
    this.forget();
    const text = this.#text;
    this.#text = "";
    if (!this.#live()) return Promise.resolve();
    if (this.#headers !== undefined) {
      // Nothing written yet: the whole stream is known, so it goes out as one plain body.
      this.#res.writeHead(200, { ...this.#headers, "content-length": String(Buffer.byteLength(text)) });
      this.#headers = undefined;
    }
    return new Promise((resolve) => this.#res.end(text, resolve));
  }
}

/** `new Response` of the class hono's marker was made with (Node's own, not @hono/node-server's lightweight one). */
const AlreadySent = RESPONSE_ALREADY_SENT.constructor as typeof Response;

/**
 * Answer 200 with an event stream fed by `produce` (which must not reject and must await `writer.flushed()` last),
 * sending `headers` with it. `onDisconnect` is called if the client goes away before the stream ends. Over Node,
 * messages are gathered for `flushMs` (SSE_FLUSH_MS; tests choose their own).
 *
 * The direct path needs hono's response object to be untouched until the handler returns: hono merges headers set on
 * it into a new Response, which @hono/node-server would then write over the stream. CORS middleware sets headers on
 * it, so a browser's request (it carries `Origin`; the guard lets only allowed origins through) takes hono's stream.
 */
export function streamEvents(
  c: Context,
  headers: Record<string, string>,
  produce: (writer: EventWriter) => Promise<void>,
  onDisconnect: () => void,
  flushMs = SSE_FLUSH_MS,
): Response {
  const node = nodeOf(c);
  if (!node || header(c, "origin") !== undefined) {
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return streamSSE(c, async (stream) => {
      stream.onAbort(onDisconnect);
      await produce(chainedWriter(stream));
    });
  }
  streamDirect(node.outgoing, headers, produce, onDisconnect, flushMs);
  // A marker of its own per request, so nothing can pile headers onto one shared object.
  return new AlreadySent(null, { headers: { "x-hono-already-sent": "true" } });
}

/** `streamEvents` straight onto Node's response (also used by the `POST /v1/runs` fast path, fast-run.ts). */
export function streamDirect(
  res: ServerResponse,
  headers: Record<string, string>,
  produce: (writer: EventWriter) => Promise<void>,
  onDisconnect: () => void,
  flushMs = SSE_FLUSH_MS,
): void {
  const headersOut = { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };
  const writer = new DirectWriter(res, headersOut, flushMs);
  res.on("close", () => {
    writer.forget();
    if (!res.writableFinished) onDisconnect();
  });
  // `produce` does not reject; if it ever did, the stream still ends (and the process does not die of it).
  void produce(writer).then(
    () => undefined,
    () => undefined,
  ).finally(() => {
    if (!res.writableEnded) void writer.flushed();
  });
}
