/**
 * The Node request behind a hono context. Served by @hono/node-server, `c.env` carries the IncomingMessage and the
 * ServerResponse; reading headers and the body from them skips the WHATWG Request hono would otherwise build (undici
 * Headers, a web ReadableStream over the socket), which cost more main-thread time per run than the run itself
 * (profiled: ≈ 15 % of a REST run). `app.fetch` with a plain Request (tests, embedders) goes through hono's API.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.js";
import { BadRequestError, PayloadTooLargeError } from "./errors.js";

export interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

/** The Node request and response, when the app is served over Node's HTTP server. */
export function nodeOf(c: Context): NodeBindings | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  return env?.incoming !== undefined && env.outgoing !== undefined ? (env as NodeBindings) : undefined;
}

/** A request header by its lower-case name (repeated headers joined as Node joins them). */
export function header(c: Context, name: string): string | undefined {
  const node = nodeOf(c);
  if (!node) return c.req.header(name);
  const value = node.incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * A signal that aborts when the client goes away before its response is finished. Over Node it is made on first use
 * (by @hono/node-server, which aborts it when the connection closes early): most requests never need one, and an
 * AbortController per request, plus `AbortSignal.any` to join it with a run's own, was a visible share of a run's
 * main-thread time (profiled). Under `app.fetch` it is the Request's signal, kept by the first middleware.
 */
export function clientSignal(c: Context<AppEnv>): AbortSignal {
  return c.get("clientSignal") ?? c.req.raw.signal;
}

/**
 * Call `onGone` once if the client disconnects before its response is finished; returns the function that stops
 * watching. Over Node this is a listener on the response (no signal is made); otherwise the client's signal.
 */
export function onClientGone(c: Context<AppEnv>, onGone: () => void): () => void {
  const node = nodeOf(c);
  if (node) return onResponseGone(node.outgoing, onGone);
  const signal = clientSignal(c);
  if (signal.aborted) {
    onGone();
    return () => {};
  }
  signal.addEventListener("abort", onGone, { once: true });
  return () => signal.removeEventListener("abort", onGone);
}

/** `onClientGone` over Node's response: `onGone` once if it closes before it finished. */
export function onResponseGone(res: ServerResponse, onGone: () => void): () => void {
  const onClose = (): void => {
    if (!res.writableFinished) onGone();
  };
  res.once("close", onClose);
  return () => res.off("close", onClose);
}

export function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes`, { maxBytes });
}

/** Read a Node request body, refusing it (PayloadTooLargeError) as soon as it passes `maxBytes`. */
function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    // The client went away before sending its whole body (nobody will read the answer).
    const onClose = (): void => {
      done();
      reject(new BadRequestError("The request body was cut off: the client disconnected", { got: "incomplete body" }));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

/** A body read ahead by `bodyLimit` (the field @hono/node-server's own body reading also takes first). */
type WithRawBody = IncomingMessage & { rawBody?: Buffer };

/** The read of a body begun by the `POST /v1/runs` fast path (fast-run.ts), for hono's route if the request falls through. */
const READ_AHEAD = Symbol("cody.readAhead");
type WithReadAhead = IncomingMessage & { [READ_AHEAD]?: Promise<Buffer> };

/** Start reading a body of at most `maxBytes`; `readBody` then returns this same read (its bytes or its error). */
export function readAhead(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const read = readIncoming(incoming, maxBytes);
  (incoming as WithReadAhead)[READ_AHEAD] = read;
  // Whoever awaits it sees the failure; an unawaited copy must not be an unhandled rejection.
  read.catch(() => undefined);
  return read;
}

/** Read a body of at most `maxBytes` (PayloadTooLargeError past it, with or without Content-Length). */
export async function readBody(c: Context, maxBytes: number): Promise<Uint8Array> {
  const node = nodeOf(c);
  if (node) {
    const ahead = (node.incoming as WithReadAhead)[READ_AHEAD];
    if (ahead !== undefined) return ahead;
    const raw = (node.incoming as WithRawBody).rawBody;
    return raw instanceof Buffer ? raw : readIncoming(node.incoming, maxBytes);
  }
  const body = c.req.raw.body;
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Refuse bodies over `maxBytes` (413) for every route, however it reads its body: a declared Content-Length over the
 * limit before anything is read (Node's parser holds a body to its declared length), and a body without one (chunked)
 * read ahead here with the limit, then handed to whoever reads it (`rawBody`, which @hono/node-server's `c.req.json()`
 * and readBody both take; a new Request under `app.fetch`).
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const length = header(c, "content-length");
    if (length !== undefined) {
      if (Number.parseInt(length, 10) > maxBytes) throw tooLarge(maxBytes);
      return next();
    }
    const node = nodeOf(c);
    if (node) {
      if (node.incoming.headers["transfer-encoding"] !== undefined) {
        (node.incoming as WithRawBody).rawBody = await readIncoming(node.incoming, maxBytes);
      }
    } else if (c.req.raw.body !== null) {
      c.req.raw = new Request(c.req.raw, { body: await readBody(c, maxBytes) });
    }
    return next();
  };
}
