/** A real REST server over a real harness in a temp workspace, on 127.0.0.1 port 0, plus small HTTP helpers. */
import type { ExecutionContext } from "ava";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { createHarness, type Harness, type HarnessOptions } from "../../src/harness.js";
import { ApprovalBroker, createServer, type ServerOptions } from "../../src/server/index.js";
import { tempWorkspace } from "../helpers/workspace.js";

// Fixed size (no spare worker): every test starts its own server, and none of them is about hogs.
export const POOL = { workers: 1, maxWorkers: 1, vmsPerWorker: 1 };

/** The bearer token every test server is started with; `request` and `streamRun` send it unless told otherwise. */
export const TEST_TOKEN = "test-token-0123456789abcdef";
/** The header that carries it, for tests that call `fetch` themselves. */
export const AUTH: Readonly<Record<string, string>> = { authorization: `Bearer ${TEST_TOKEN}` };

/**
 * One connection per request: on a loaded machine the server's keep-alive timer (5 s) can fire between a response
 * and the next request written on the same connection, which the client sees as ECONNRESET ("fetch failed").
 */
const FRESH = { connection: "close" };

export interface TestServer {
  base: string;
  cwd: string;
  harness: Harness;
  broker: ApprovalBroker | undefined;
}

export async function startServer(
  t: ExecutionContext,
  opts: { files?: Record<string, string>; harness?: Partial<HarnessOptions>; server?: ServerOptions; approvals?: boolean } = {},
): Promise<TestServer> {
  const cwd = tempWorkspace(t, opts.files ?? {});
  const broker = opts.approvals ? new ApprovalBroker() : undefined;
  const harness = await createHarness({
    cwd,
    pool: POOL,
    // No server test is about the default 5 s limit, and writeFile's fsync alone took seconds on this box under load:
    // a wide default keeps them about behaviour (tests that need a limit set their own).
    limits: { timeoutMs: 60_000 },
    ...(broker ? { approver: broker.approver, policy: { policy: "on-request" } } : {}),
    ...opts.harness,
  });
  const listening = await createServer(harness, { token: TEST_TOKEN, ...opts.server, approvals: broker }).listen(0, "127.0.0.1");
  // One teardown so the server stops (aborting runs) before the harness closes.
  t.teardown(async () => {
    await listening.close();
    await harness.close();
  });
  return { base: `http://127.0.0.1:${listening.port}`, cwd, harness, broker };
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Send JSON (or a raw string) with the test token and parse the JSON answer. */
export async function request<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { "content-type": "application/json", ...FRESH, ...AUTH, ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as T, headers: res.headers };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * POST a run and read its SSE stream, calling `onEvent` for each event as it arrives (the callback may await).
 * Resolves with every event once the stream ends, or when `signal` aborts (the client disconnects).
 */
export async function streamRun(
  base: string,
  body: unknown,
  onEvent: (event: SseEvent, all: SseEvent[]) => void | Promise<void> = () => {},
  signal?: AbortSignal,
): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(`${base}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...FRESH, ...AUTH },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const events: SseEvent[] = [];
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => parsed.push(m) });
  if (!res.body) return { status: res.status, events };
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      for (const m of parsed.splice(0)) {
        const event = { event: m.event ?? "message", data: JSON.parse(m.data) as Record<string, unknown> };
        events.push(event);
        await onEvent(event, events);
      }
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  return { status: res.status, events };
}

/** Poll until `check` returns a value (not undefined) or `ms` pass; the last try's value or undefined. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
