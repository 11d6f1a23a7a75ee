/**
 * One streamed POST to an OpenAI-compatible endpoint: retries with exponential backoff on 408/409/429/5xx and network
 * errors (honouring `Retry-After` / `retry-after-ms`), a timeout until response headers and an idle timeout while
 * streaming, SSE framing by eventsource-parser, and typed errors. Retries happen only before any event was yielded,
 * so a retry never repeats streamed text.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { AbortedError, ProviderError } from "../../errors/index.js";
import type { ProviderConfig } from "./config.js";

const RETRYABLE = new Set([408, 409, 429]);
const BODY_SNIPPET = 2000;

/** POST `body` as JSON to `cfg.baseUrl + path` and yield the server-sent events of the response. */
export async function* postSse(
  cfg: ProviderConfig,
  path: string,
  body: unknown,
  signal: AbortSignal,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const url = cfg.baseUrl + path;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    ...cfg.headers,
  };
  if (cfg.apiKey !== undefined) headers["authorization"] = `Bearer ${cfg.apiKey}`;
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, cfg.timeoutMs);
    const release = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", headers, body: payload, signal: ctl.signal });
    } catch (error) {
      release();
      throwIfAborted(signal);
      const reason = timedOut ? `no response within ${cfg.timeoutMs} ms` : `network error: ${describe(error)}`;
      if (attempt < cfg.maxRetries) {
        await backoff(cfg, attempt, undefined, reason, undefined, signal);
        continue;
      }
      throw new ProviderError(`Model request to ${url} failed after ${attempt + 1} attempt(s): ${reason}`, {
        kind: timedOut ? "timeout" : "network",
        url,
        attempts: attempt + 1,
      }, { cause: error });
    }
    clearTimeout(timer);
    if (!res.ok) {
      const text = await readSnippet(res, ctl, cfg.idleTimeoutMs);
      release();
      if ((RETRYABLE.has(res.status) || res.status >= 500) && attempt < cfg.maxRetries) {
        await backoff(cfg, attempt, res.status, `HTTP ${res.status}`, res.headers, signal);
        continue;
      }
      throw httpError(url, res.status, text, attempt + 1);
    }
    const type = res.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream")) {
      const text = await readSnippet(res, ctl, cfg.idleTimeoutMs);
      release();
      throw new ProviderError(`Model server at ${url} did not stream (content-type \`${type}\`): ${text.slice(0, 200)}`, {
        kind: "protocol",
        status: res.status,
        url,
        body: text,
      });
    }
    try {
      yield* readEvents(res, cfg, ctl, signal, url);
    } finally {
      release();
      ctl.abort();
    }
    return;
  }
}

async function* readEvents(
  res: Response,
  cfg: ProviderConfig,
  ctl: AbortController,
  signal: AbortSignal,
  url: string,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  if (!res.body) throw new ProviderError(`Model server at ${url} sent an empty body`, { kind: "stream", status: res.status, url });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => queue.push(m) });
  let idle = false;
  for (;;) {
    const timer = setTimeout(() => {
      idle = true;
      ctl.abort();
    }, cfg.idleTimeoutMs);
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throwIfAborted(signal);
      if (idle) {
        throw new ProviderError(`Model stream from ${url} sent nothing for ${cfg.idleTimeoutMs} ms`, { kind: "timeout", status: res.status, url });
      }
      throw new ProviderError(`Model stream from ${url} broke: ${describe(error)}`, { kind: "stream", status: res.status, url }, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (chunk.done) {
      parser.feed(decoder.decode());
      // An event without its final blank line is still delivered (lenient towards small servers).
      parser.reset({ consume: true });
      yield* queue.splice(0);
      return;
    }
    parser.feed(decoder.decode(chunk.value, { stream: true }));
    yield* queue.splice(0);
  }
}

/** Delay before retry number `attempt + 1`: the server's hint if any, else exponential backoff with jitter. */
export function retryDelayMs(
  cfg: Pick<ProviderConfig, "retryBaseMs" | "maxRetryDelayMs">,
  attempt: number,
  headers: Headers | undefined,
  now: number = Date.now(),
): number {
  const ms = headers?.get("retry-after-ms");
  const after = headers?.get("retry-after");
  let hinted: number | undefined;
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) hinted = Number(ms);
  else if (after && /^\d+(\.\d+)?$/.test(after.trim())) hinted = Number(after) * 1000;
  else if (after) {
    const at = Date.parse(after);
    if (!Number.isNaN(at)) hinted = Math.max(0, at - now);
  }
  const base = hinted ?? cfg.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
  return Math.min(Math.round(base), cfg.maxRetryDelayMs);
}

async function backoff(
  cfg: ProviderConfig,
  attempt: number,
  status: number | undefined,
  reason: string,
  headers: Headers | undefined,
  signal: AbortSignal,
): Promise<void> {
  const delayMs = retryDelayMs(cfg, attempt, headers);
  cfg.onRetry?.({ attempt: attempt + 1, delayMs, reason, ...(status === undefined ? {} : { status }) });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError("The model request was aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function httpError(url: string, status: number, body: string, attempts: number): ProviderError {
  const serverMessage = extractMessage(body);
  const suffix = serverMessage ? `: ${serverMessage}` : "";
  let what: string;
  if (status === 401 || status === 403) what = `authentication failed (HTTP ${status}); check the API key (CODY_API_KEY, OPENAI_API_KEY or --api-key-env)`;
  else if (status === 404) what = "not found (HTTP 404); check --base-url and --model";
  else if (status === 429) what = `rate limited (HTTP 429) after ${attempts} attempt(s)`;
  else if (status >= 500) what = `server error (HTTP ${status}) after ${attempts} attempt(s)`;
  else what = `request rejected (HTTP ${status})`;
  return new ProviderError(`Model request to ${url} ${what}${suffix}`, { kind: "http", status, url, body, attempts });
}

function extractMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
    if (typeof parsed.error?.message === "string") return parsed.error.message;
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the snippet itself is kept in details.body
  }
  return body.trim() === "" ? undefined : body.trim().slice(0, 200);
}

/** The start of an error body; a server that stalls while sending it is cut off after `idleMs`. */
async function readSnippet(res: Response, ctl: AbortController, idleMs: number): Promise<string> {
  const timer = setTimeout(() => ctl.abort(), idleMs);
  try {
    const text = await res.text();
    return text.length > BODY_SNIPPET ? `${text.slice(0, BODY_SNIPPET)}…` : text;
  } catch {
    return "";
  } finally {
    clearTimeout(timer);
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError("The model request was aborted");
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
