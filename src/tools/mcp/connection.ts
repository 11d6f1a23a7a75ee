/**
 * One MCP server, local (stdio) or remote (Streamable HTTP, HTTP+SSE): connected lazily on first need, reconnected on
 * the next need after its process died or its connection dropped, and closed by `close()`. Every failure becomes a
 * typed error naming the server (with a local server's stderr tail), never a hang.
 */
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ErrorCode,
  McpError as SdkMcpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ReadResourceResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { AbortedError, McpDisconnectedError, McpError, ToolError } from "../../errors/index.js";
import type { McpServerConfig } from "../../config/index.js";
import type { ResolvedMcpOptions } from "./options.js";
import { BoundedOutputValidator } from "./output-validator.js";
import { connectRemote, httpStatus, isUnreachable, type RemoteTransportKind } from "./remote.js";
import { StderrTail } from "./stderr-tail.js";

/** Lifecycle of a server process as the manager sees it. */
export type McpServerState = "idle" | "starting" | "running" | "exited" | "failed" | "closed";

const CLIENT_INFO = { name: "cody-script-harness", version: "0.1.0" };
/** A server that pages its tool list forever is broken; stop after this many pages. */
const MAX_TOOL_PAGES = 100;

interface Live {
  client: Client;
  transport: Transport;
  /** The child process of a local server (undefined for a remote one; null once it exited). */
  stdio: StdioClientTransport | undefined;
  /** How a remote server is reached. */
  remote: RemoteTransportKind | undefined;
  tools: Tool[];
  stderr: StderrTail;
  /** Re-lists after `notifications/tools/list_changed`, one at a time. */
  relisting: Promise<void>;
}

/** Told when a server's tool list differs from the last one seen (a list_changed notification, or a reconnect). */
export type ToolsChangedListener = (server: string, tools: Tool[]) => void;

export class McpServerConnection {
  #state: McpServerState = "idle";
  #live: Live | undefined;
  #starting: Promise<Live> | undefined;
  #starts = 0;
  /** Aborted by close() so a start in progress gives up at once instead of running to its timeout. */
  #stopStart: AbortController | undefined;
  /** Shutdowns in flight (failed starts, close); `close()` waits for all of them so no process outlives it. */
  readonly #shutdowns = new Set<Promise<void>>();
  /** JSON of the last tool list seen, to tell a real change from a reconnect that lists the same tools. */
  #toolsKey: string | undefined;

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly options: ResolvedMcpOptions,
    private readonly onToolsChanged: ToolsChangedListener = () => {},
  ) {}

  /** Whether this server is reached over the network (`url`) rather than started as a process (`command`). */
  get isRemote(): boolean {
    return this.config.url !== undefined;
  }

  /** The wire protocol of the live remote connection (undefined when local or not connected). */
  get transportKind(): RemoteTransportKind | "stdio" | undefined {
    if (!this.isRemote) return "stdio";
    return this.#live?.remote;
  }

  /** Whether the connected server offers resources (`resources/read`); starts the server if needed. */
  async hasResources(signal?: AbortSignal): Promise<boolean> {
    return (await this.#ensure(signal)).client.getServerCapabilities()?.resources !== undefined;
  }

  /** Read one resource of the server by URI. */
  async readResource(uri: string, signal: AbortSignal): Promise<ReadResourceResult> {
    return this.#request("readResource", signal, (live, child) =>
      live.client.readResource({ uri }, { signal: child, timeout: this.options.callTimeoutMs }),
    );
  }

  get state(): McpServerState {
    return this.#state;
  }

  /** Pid of the running server process, if any (never for a remote server). */
  get pid(): number | undefined {
    return this.#live?.stdio?.pid ?? undefined;
  }

  /** How many times a start was attempted (1 after the first start, 2 after one restart, …). */
  get starts(): number {
    return this.#starts;
  }

  /** The server's tools, starting the server if it is not running. */
  async tools(signal?: AbortSignal): Promise<Tool[]> {
    return (await this.#ensure(signal)).tools;
  }

  /**
   * Call one tool. The result is returned as the server sent it (including `isError: true` results); transport
   * failures, timeouts and aborts throw.
   */
  async callTool(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    return this.#request(tool, signal, async (live, child) =>
      (await live.client.callTool({ name: tool, arguments: args }, undefined, {
        signal: child,
        timeout: this.options.callTimeoutMs,
      })) as CallToolResult,
    );
  }

  /**
   * One request on the live connection (connecting first if needed). A remote server that answers 404 to a request
   * carrying its session id has forgotten the session (it restarted): the MCP spec says to start a new session, and
   * the request was refused unprocessed, so it is sent once more on the new session.
   */
  async #request<T>(what: string, signal: AbortSignal, send: (live: Live, child: AbortSignal) => Promise<T>): Promise<T> {
    const live = await this.#ensure(signal);
    try {
      return await this.#requestOn(live, what, signal, send);
    } catch (error) {
      if (!(error instanceof McpDisconnectedError) || error.details["sessionExpired"] !== true) throw error;
      return this.#requestOn(await this.#ensure(signal), what, signal, send);
    }
  }

  /** One request with the call timeout, the run's signal and this server's error mapping. */
  async #requestOn<T>(live: Live, what: string, signal: AbortSignal, send: (live: Live, child: AbortSignal) => Promise<T>): Promise<T> {
    // The SDK adds an abort listener to the signal it is given and never removes it; a run's signal is shared by many
    // calls, so each call gets a child signal that is dropped (with its listener) when the call ends.
    const child = new AbortController();
    const forward = () => child.abort(signal.reason);
    signal.addEventListener("abort", forward, { once: true });
    if (signal.aborted) forward(); // aborted while the server was starting: no event will come
    try {
      return await send(live, child.signal);
    } catch (error) {
      throw this.#callError(error, what, live, signal);
    } finally {
      signal.removeEventListener("abort", forward);
    }
  }

  /** Stop the server (if running) and wait until its process is gone. Later calls fail with McpError. */
  async close(): Promise<void> {
    this.#state = "closed";
    this.#stopStart?.abort();
    const starting = this.#starting;
    if (starting) await starting.catch(() => {});
    const live = this.#live;
    this.#live = undefined;
    if (live) this.#shutdown(live);
    await Promise.all(this.#shutdowns);
  }

  async #ensure(signal?: AbortSignal): Promise<Live> {
    if (this.#state === "closed") throw this.#closedError();
    if (signal?.aborted) throw aborted(this.name, signal);
    if (this.#live && this.#state === "running") return this.#live;
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    // The start is shared by every caller; one caller giving up does not cancel it for the others.
    return signal ? raceAbort(this.#starting, signal, this.name) : this.#starting;
  }

  async #start(): Promise<Live> {
    this.#state = "starting";
    this.#starts++;
    const stderr = new StderrTail(this.options.stderrTailChars);
    let timer: NodeJS.Timeout | undefined;
    const stop = new AbortController();
    this.#stopStart = stop;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not complete the MCP handshake within ${this.options.startTimeoutMs} ms`)),
        this.options.startTimeoutMs,
      );
      stop.signal.addEventListener("abort", () => reject(new Error("closed while starting")), { once: true });
    });
    deadline.catch(() => {}); // only ever raced; a rejection after the start settled is not an error
    let live: Live | undefined;
    try {
      const timeout = this.options.startTimeoutMs;
      live = await Promise.race([this.#connect(stderr, stop.signal), deadline]);
      live.tools = await Promise.race([listAllTools(live.client, timeout), deadline]);
    } catch (error) {
      if (!this.#isClosed()) this.#state = "failed";
      // A local server's process exists before its handshake completes: stop it now, not when the handshake gives up.
      const partial = live ?? this.#connectingLive;
      if (partial) this.#shutdown(partial, true);
      else this.#pendingConnect?.then((late) => this.#shutdown(late, true), () => {});
      // stderr arrives through a pipe; let already-received chunks reach the tail before quoting it.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#isClosed()) throw this.#closedError();
      throw this.#startError(error, stderr);
    } finally {
      clearTimeout(timer);
      if (this.#stopStart === stop) this.#stopStart = undefined;
      this.#pendingConnect = undefined;
      this.#connectingLive = undefined;
    }
    // The process may have died right after answering, or close() may have been called meanwhile.
    if (this.#isClosed() || live.stdio?.pid === null) {
      this.#shutdown(live);
      if (this.#isClosed()) throw this.#closedError();
      this.#state = "exited";
      throw this.#startError(new Error("exited right after starting"), stderr);
    }
    this.#live = live;
    this.#state = "running";
    this.#noteTools(live.tools);
    return live;
  }

  /** A connect that lost the race with the deadline; shut down when it settles late so nothing leaks. */
  #pendingConnect: Promise<Live> | undefined;
  /** The local server being started (its process runs before the handshake completes). */
  #connectingLive: Live | undefined;

  /** Open the transport and complete the MCP handshake. */
  #connect(stderr: StderrTail, stop: AbortSignal): Promise<Live> {
    const wire = (client: Client, transport: Transport, stdio: StdioClientTransport | undefined, remote: RemoteTransportKind | undefined): Live => {
      const live: Live = { client, transport, stdio, remote, tools: [], stderr, relisting: Promise.resolve() };
      client.onclose = () => {
        if (this.#live === live) {
          this.#live = undefined;
          if (this.#state === "running") this.#state = "exited";
        }
      };
      client.onerror = (error) => {
        // A remote server that went away shows up here (a dropped stream, a refused request). Closing the client fails
        // the requests in flight at once (instead of at their timeout) and makes the next use reconnect.
        if (remote !== undefined && isDisconnect(error)) void client.close().catch(() => {});
      };
      // Servers announce a new tool list; re-list, then tell the manager (its listeners regenerate the `.d.ts`).
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        live.relisting = live.relisting.then(() => this.#relist(live)).catch(() => {});
      });
      return live;
    };
    const newClient = (): Client => {
      // Output schemas come from the server: check results against them with bounded costs (output-validator.ts).
      const client = new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: new BoundedOutputValidator() });
      // The SDK reports stray transport errors (EPIPE after a crash, unparsable lines) here until wired; the close that
      // follows is what matters, and library code must not print.
      client.onerror = () => {};
      return client;
    };
    const config = this.config;
    const connecting = (async (): Promise<Live> => {
      if (config.url !== undefined) {
        const remote = await connectRemote(this.name, config, newClient, {
          env: this.options.env,
          timeoutMs: this.options.startTimeoutMs,
          attempts: this.options.connectAttempts,
          backoffMs: this.options.reconnectBackoffMs,
          stop,
        });
        return wire(remote.client, remote.transport, undefined, remote.kind);
      }
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env ? { env: config.env } : {}),
        cwd: path.resolve(this.options.cwd, config.cwd ?? "."),
        stderr: "pipe",
      });
      transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
      const client = newClient();
      const live = wire(client, transport, transport, undefined);
      this.#connectingLive = live;
      await client.connect(transport, { timeout: this.options.startTimeoutMs });
      return live;
    })();
    this.#pendingConnect = connecting;
    return connecting;
  }

  async #relist(live: Live): Promise<void> {
    if (this.#live !== live) return;
    const tools = await listAllTools(live.client, this.options.startTimeoutMs);
    if (this.#live !== live) return;
    live.tools = tools;
    this.#noteTools(tools);
  }

  /** Remember the list; tell the listener when it differs from the previous one (not on the very first listing). */
  #noteTools(tools: Tool[]): void {
    const key = JSON.stringify(tools);
    const changed = this.#toolsKey !== undefined && this.#toolsKey !== key;
    this.#toolsKey = key;
    if (changed) this.onToolsChanged(this.name, tools);
  }

  /** A method, not an inline comparison: close() may change the state while #start awaits. */
  #isClosed(): boolean {
    return this.#state === "closed";
  }

  /**
   * Close the client; the SDK then ends the server's stdin, waits up to 2 s, sends SIGTERM, waits 2 s, sends SIGKILL
   * (the MCP stdio shutdown sequence). `failed` servers get SIGTERM at once: they are of no use and may ignore stdin.
   */
  #shutdown(live: Live, failed = false): void {
    const pid = live.stdio ? live.stdio.pid : null;
    if (failed && pid !== null) signalQuietly(pid, "SIGTERM");
    const done = live.client
      .close()
      .catch(() => {})
      .then(() => (pid === null ? undefined : reap(pid)));
    this.#shutdowns.add(done);
    void done.finally(() => this.#shutdowns.delete(done));
  }

  #closedError(): McpError {
    return new McpError(`MCP server "${this.name}" is closed`, { server: this.name });
  }

  #startError(error: unknown, stderr: StderrTail): McpError {
    // Already explained (a missing env variable, a refused login, a bad url): pass on as it is.
    if (error instanceof McpError) return error;
    const config = this.config;
    const reason = describeStartFailure(error);
    if (config.url !== undefined) {
      // The url as configured: `${NAME}` references stay unresolved, so no token reaches a message.
      return new McpError(
        `MCP server "${this.name}" failed to connect (${config.url}): ${reason}`,
        { server: this.name, url: config.url, reason },
        { cause: error },
      );
    }
    const tail = stderr.text();
    const message =
      `MCP server "${this.name}" failed to start (${[config.command, ...(config.args ?? [])].join(" ")}): ` +
      `${reason}${tail ? `\nstderr:\n${tail}` : ""}`;
    return new McpError(message, { server: this.name, command: config.command, reason, stderr: tail }, { cause: error });
  }

  #callError(error: unknown, tool: string, live: Live, signal: AbortSignal): Error {
    if (signal.aborted) return aborted(this.name, signal, tool);
    const details = { server: this.name, tool: `mcp.${this.name}.${tool}`, mcpTool: tool };
    if (error instanceof SdkMcpError) {
      if (error.code === ErrorCode.RequestTimeout) {
        return new McpError(
          `MCP tool mcp.${this.name}.${tool} did not answer within ${this.options.callTimeoutMs} ms`,
          { ...details, timeoutMs: this.options.callTimeoutMs },
          { cause: error },
        );
      }
      if (error.code === ErrorCode.ConnectionClosed && this.isRemote) return this.#disconnected(tool, error);
      if (error.code === ErrorCode.ConnectionClosed) {
        const tail = live.stderr.text();
        return new McpError(
          `MCP server "${this.name}" exited during a call to ${tool}; it will be restarted on the next call` +
            `${tail ? `\nstderr:\n${tail}` : ""}`,
          { ...details, stderr: tail },
          { cause: error },
        );
      }
      // A JSON-RPC error answer (unknown tool, invalid params, structured content not matching the output schema):
      // the server is alive and the call itself failed, so the script sees a tool failure.
      return new ToolError(`mcp.${this.name}.${tool} failed: ${error.message}`, { ...details, code: error.code }, { cause: error });
    }
    if (this.isRemote && httpStatus(error) === 404 && live.transport instanceof StreamableHTTPClientTransport && live.transport.sessionId) {
      // Closing (and awaiting nothing) is enough: the client's onclose clears #live, so the next #ensure reconnects.
      void live.client.close().catch(() => {});
      if (this.#live === live) {
        this.#live = undefined;
        this.#state = "exited";
      }
      return new McpDisconnectedError(
        `MCP server "${this.name}" no longer knows this session (HTTP 404); reconnecting`,
        { server: this.name, tool: `mcp.${this.name}.${tool}`, mcpTool: tool, reason: "session expired", sessionExpired: true },
        { cause: error },
      );
    }
    if (this.isRemote && (isUnreachable(error) || isDisconnect(error))) {
      void live.client.close().catch(() => {});
      return this.#disconnected(tool, error);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new McpError(`MCP call to mcp.${this.name}.${tool} failed: ${message}`, details, { cause: error });
  }

  /** A remote server went away during a call: that call fails; the next use reconnects (the call is not retried). */
  #disconnected(tool: string, cause: unknown): McpDisconnectedError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new McpDisconnectedError(
      `MCP server "${this.name}" went away during a call to ${tool} (${reason}); it will be reconnected on the next call`,
      { server: this.name, tool: `mcp.${this.name}.${tool}`, mcpTool: tool, reason },
      { cause },
    );
  }
}

/**
 * The SDK sends SIGKILL as its last step without waiting for the exit; wait (bounded) until the pid is gone so that
 * `close()` resolving means no process is left.
 */
async function reap(pid: number): Promise<void> {
  for (let i = 0; i < 250 && isAlive(pid); i++) {
    if (i === 0) signalQuietly(pid, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

async function listAllTools(client: Client, timeout: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  throw new Error(`tools/list returned more than ${MAX_TOOL_PAGES} pages`);
}

/** Transport errors that mean a remote server's connection is gone (not a failed request on a live one). */
function isDisconnect(error: unknown): boolean {
  if (isUnreachable(error)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /SSE stream disconnected|Maximum reconnection attempts|Failed to reconnect|terminated|other side closed/i.test(message);
}

function describeStartFailure(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === "ENOENT" && err.syscall?.startsWith("spawn")) return "command not found";
  if (isUnreachable(error)) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `cannot reach the server (${cause?.code ?? cause?.message ?? err.message})`;
  }
  if (error instanceof SdkMcpError && error.code === ErrorCode.ConnectionClosed) {
    return "the process exited before completing the MCP handshake";
  }
  if (error instanceof SdkMcpError && error.code === ErrorCode.RequestTimeout) {
    return "did not complete the MCP handshake in time";
  }
  return error instanceof Error ? error.message : String(error);
}

function aborted(server: string, signal: AbortSignal, tool?: string): AbortedError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "aborted");
  return new AbortedError(
    tool ? `MCP call to mcp.${server}.${tool} was aborted: ${reason}` : `Waiting for MCP server "${server}" was aborted: ${reason}`,
    tool ? { server, tool: `mcp.${server}.${tool}` } : { server },
  );
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, server: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(server, signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
