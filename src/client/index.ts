/**
 * A typed client of `cody serve`: `import { createClient } from "cody-script-harness/client"`. Every route is typed
 * from the server's OpenAPI document (src/client/api.ts, generated; calls go through openapi-fetch), and the two SSE
 * streams — a run's events and a conversation turn's — are async iterables of typed events.
 *
 * ```ts
 * const cody = createClient({ baseUrl: "http://127.0.0.1:7077", token });
 * const { data } = await cody.POST("/v1/conversations", { body: {} });
 * for await (const e of cody.turn(data!.id, { message: "What does notes.txt say?" })) console.log(e.type);
 * ```
 */
import createFetchClient, { type Client } from "openapi-fetch";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { components, operations, paths } from "./api.js";

export type { components, operations, paths } from "./api.js";

type Schemas = components["schemas"];
/** One message of a run's stream (`POST /v1/runs` with `Accept: text/event-stream`). */
export type RunEvent = Schemas["RunEvent"];
/** One message of a conversation turn's stream; `final` or `error` is last. */
export type ConversationEvent = Schemas["ConversationEvent"];
export type RunBody = Schemas["RunBody"];
export type RunResult = Schemas["RunResult"];
export type TurnBody = Schemas["TurnBody"];
export type SerializedError = Schemas["SerializedError"];

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:7077` (no trailing `/v1`). */
  baseUrl: string;
  /** The server's bearer token (sent as `Authorization: Bearer …`). */
  token?: string | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
  /** @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
}

/** A stream request the server refused before streaming: its status and error body (`{ error: SerializedError }`). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    super(error?.message ? `${error.code ?? "error"}: ${error.message}` : `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  /** The server's error code (`CODY_HTTP_CONFLICT`, …), when the body has one. */
  get code(): string | undefined {
    return (this.body as { error?: { code?: string } } | undefined)?.error?.code;
  }
}

/** Parse an SSE body into the JSON data of each message, as they arrive. */
export async function* sseEvents<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T, void, undefined> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => pending.push(m) });
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    for (const m of pending.splice(0)) yield JSON.parse(m.data) as T;
  }
}

export interface StreamOptions {
  /** Aborting disconnects, which aborts the run or turn on the server. */
  signal?: AbortSignal | undefined;
}

export interface CodyClient extends Client<paths, "application/json"> {
  /** Run a script and stream its events (`start` … `end`); throws ApiError when the run was refused (4xx/5xx). */
  runEvents(body: RunBody, opts?: StreamOptions): AsyncGenerator<RunEvent, void, undefined>;
  /** Send a message to a conversation and stream the turn's events; throws ApiError when refused (404, 409…). */
  turn(conversationId: string, body: TurnBody, opts?: StreamOptions): AsyncGenerator<ConversationEvent, void, undefined>;
}

async function* streamOf<T>(request: Promise<{ data?: unknown; error?: unknown; response: Response }>): AsyncGenerator<T, void, undefined> {
  const { data, error, response } = await request;
  if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    throw new ApiError(response.status, error ?? (response.bodyUsed ? undefined : await response.json().catch(() => undefined)));
  }
  yield* sseEvents<T>(data as ReadableStream<Uint8Array>);
}

/** A client of one server. Plain calls are openapi-fetch's `GET`/`POST`/`DELETE` with typed paths, bodies and answers. */
export function createClient(opts: ClientOptions): CodyClient {
  // Typed for JSON answers; the streams are read by `runEvents` and `turn`, text routes with `parseAs: "text"`.
  const client = createFetchClient<paths, "application/json">({
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    headers: { ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const sse = { accept: "text/event-stream" };
  return Object.assign(client, {
    runEvents: (body: RunBody, o: StreamOptions = {}) =>
      streamOf<RunEvent>(client.POST("/v1/runs", { body, headers: sse, parseAs: "stream", ...(o.signal ? { signal: o.signal } : {}) })),
    turn: (conversationId: string, body: TurnBody, o: StreamOptions = {}) =>
      streamOf<ConversationEvent>(
        client.POST("/v1/conversations/{id}/turns", {
          params: { path: { id: conversationId } },
          body,
          headers: sse,
          parseAs: "stream",
          ...(o.signal ? { signal: o.signal } : {}),
        }),
      ),
  });
}

/** Operation ids of the API (handy for logs and tests). */
export type OperationId = keyof operations;
