/**
 * Connecting to a remote MCP server: Streamable HTTP first, the older HTTP+SSE transport when the server answers the
 * Streamable HTTP POST with 400, 404 or 405 (the backwards-compatibility rule of the MCP specification, 2025-03-26),
 * and a few attempts with exponential backoff while the server cannot be reached at all.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport, SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { McpError } from "../../errors/index.js";
import type { McpRemoteServerConfig } from "../../config/index.js";
import { expandEnvRefs } from "./env-refs.js";

/** Which wire protocol a remote connection ended up using. */
export type RemoteTransportKind = "streamable-http" | "sse";

export interface RemoteConnectOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Per-request timeout of the handshake. */
  timeoutMs: number;
  /** Connection attempts while the server is unreachable (refused, reset, DNS). */
  attempts: number;
  /** Delay before the second attempt; doubled for each later one. */
  backoffMs: number;
  /** Aborted when the connection is being closed: stop retrying. */
  stop: AbortSignal;
}

export interface RemoteConnection {
  client: Client;
  transport: Transport;
  kind: RemoteTransportKind;
}

/** Status codes after which a Streamable HTTP attempt is retried with HTTP+SSE. */
const FALLBACK_STATUS = new Set([400, 404, 405]);

/**
 * Connect `newClient()` to the server. Env references are resolved here, for this connection only. Errors: McpError
 * for a missing variable, an invalid URL or a refused login (401/403, never retried); otherwise the last transport
 * error, for the caller to describe.
 */
export async function connectRemote(
  server: string,
  config: McpRemoteServerConfig,
  newClient: () => Client,
  options: RemoteConnectOptions,
): Promise<RemoteConnection> {
  const url = resolveUrl(server, config, options.env);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    headers[name] = expandEnvRefs(value, options.env, server, `mcpServers.${server}.headers.${name}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1), options.stop);
    if (options.stop.aborted) break;
    try {
      return await connectOnce(server, config, url, headers, newClient, options);
    } catch (error) {
      lastError = error;
      if (!isUnreachable(error)) throw error;
    }
  }
  throw lastError;
}

async function connectOnce(
  server: string,
  config: McpRemoteServerConfig,
  url: URL,
  headers: Record<string, string>,
  newClient: () => Client,
  options: RemoteConnectOptions,
): Promise<RemoteConnection> {
  if (config.type !== "sse") {
    const client = newClient();
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers },
      // The SDK re-opens a dropped server-to-client stream on its own; keep that short, the manager reconnects anyway.
      reconnectionOptions: { initialReconnectionDelay: options.backoffMs, maxReconnectionDelay: 4 * options.backoffMs, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
    });
    try {
      await client.connect(transport, { timeout: options.timeoutMs });
      return { client, transport, kind: "streamable-http" };
    } catch (error) {
      await client.close().catch(() => {});
      const status = httpStatus(error);
      if (status === undefined || !FALLBACK_STATUS.has(status)) throw refused(server, error) ?? error;
    }
  }
  const client = newClient();
  const transport = new SSEClientTransport(url, { requestInit: { headers } });
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
    return { client, transport, kind: "sse" };
  } catch (error) {
    await client.close().catch(() => {});
    throw refused(server, error) ?? error;
  }
}

function resolveUrl(server: string, config: McpRemoteServerConfig, env: Readonly<Record<string, string | undefined>>): URL {
  const text = expandEnvRefs(config.url, env, server, `mcpServers.${server}.url`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new McpError(`MCP server "${server}" has an invalid url (mcpServers.${server}.url)`, { server, field: `mcpServers.${server}.url` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new McpError(`MCP server "${server}": url must be http: or https:, got ${url.protocol}`, { server, protocol: url.protocol });
  }
  return url;
}

/** The HTTP status of a failed request, when the SDK reports one. */
export function httpStatus(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) {
    return typeof error.code === "number" && error.code > 0 ? error.code : undefined;
  }
  return undefined;
}

/** A 401/403 as an McpError that says where the credentials come from (the header values are never quoted). */
function refused(server: string, error: unknown): McpError | undefined {
  const status = httpStatus(error);
  if (status !== 401 && status !== 403) return undefined;
  return new McpError(
    `MCP server "${server}" refused the connection: HTTP ${status} ${status === 401 ? "Unauthorized" : "Forbidden"} ` +
      `(check mcpServers.${server}.headers and the environment variables they refer to)`,
    { server, status },
    { cause: error },
  );
}

/** True for failures where the server could not be reached at all (worth another attempt after a pause). */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof McpError) return false;
  if (httpStatus(error) !== undefined) return false;
  const code = errnoCode(error);
  if (code !== undefined) return ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "UND_ERR_SOCKET"].includes(code);
  // undici reports network failures as `TypeError: fetch failed` with the reason in `cause`.
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

function errnoCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    }
    stop.addEventListener("abort", done, { once: true });
  });
}
