/**
 * All configured MCP servers: lazy start, tool listing as registry ToolDefinitions (`mcp.<server>.<tool>`), restart
 * after a crash, and `close()` that leaves no server process behind.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { McpError } from "../../errors/index.js";
import type { ToolRegistry } from "../registry.js";
import type { ToolDefinition } from "../types.js";
import { McpServerConnection, type McpServerState } from "./connection.js";
import { mcpToolDefinition, READ_RESOURCE_TOOL, readResourceDefinition, unusableReason } from "./definitions.js";
import { resolveMcpOptions, type McpManagerOptions, type ResolvedMcpOptions } from "./options.js";

/** A configured server that could not be started or listed, and why (its tools are left out). */
export interface McpUnavailable {
  server: string;
  /** The start failure, e.g. `MCP server "x" failed to start (cmd): command not found`. */
  message: string;
}

/** What the manager knows about one server right now. */
export interface McpServerStatus {
  name: string;
  state: McpServerState;
  /** Pid of the running process, if one is running. */
  pid: number | undefined;
  /** Start (or connect) attempts so far (restarts and reconnects included). */
  starts: number;
  /** `stdio`, or for a remote server the transport of the live connection (`streamable-http` or `sse`). */
  transport: "stdio" | "streamable-http" | "sse" | undefined;
}

export class McpManager {
  readonly #options: ResolvedMcpOptions;
  readonly #servers = new Map<string, McpServerConnection>();
  readonly #toolListeners = new Set<(server: string) => void>();
  #closed = false;

  /** Validates options; starts nothing (servers start on first need). */
  constructor(options: McpManagerOptions) {
    this.#options = resolveMcpOptions(options);
    const changed = (server: string): void => {
      for (const listener of this.#toolListeners) listener(server);
    };
    for (const [name, config] of Object.entries(options.servers)) {
      this.#servers.set(name, new McpServerConnection(name, config, this.#options, changed));
    }
  }

  /**
   * Call `listener(server)` whenever a server's tool list changed: after `notifications/tools/list_changed` (the list is
   * re-read first) or after a reconnect that lists different tools. Returns a function that unsubscribes.
   */
  onToolsChanged(listener: (server: string) => void): () => void {
    this.#toolListeners.add(listener);
    return () => this.#toolListeners.delete(listener);
  }

  /**
   * Make `registry` hold the current tools of `server`: its old `mcp.<server>.*` definitions are replaced. Returns the
   * registry names added and removed (a changed schema counts as neither).
   */
  async syncInto(registry: ToolRegistry, server: string, signal?: AbortSignal): Promise<{ added: string[]; removed: string[] }> {
    const definitions = await this.listServerToolDefinitions(server, signal);
    const prefix = `mcp.${server}.`;
    const old = registry.list().map((t) => t.name).filter((name) => name.startsWith(prefix));
    for (const name of old) registry.unregister(name);
    for (const definition of definitions) registry.register(definition);
    const now = new Set(definitions.map((d) => d.name));
    return { added: [...now].filter((n) => !old.includes(n)), removed: old.filter((n) => !now.has(n)) };
  }

  /** Configured server names, in configuration order. */
  serverNames(): string[] {
    return [...this.#servers.keys()];
  }

  /** Lifecycle facts of one server (for diagnostics and tests); throws McpError for an unknown name. */
  status(server: string): McpServerStatus {
    const connection = this.#server(server);
    return { name: server, state: connection.state, pid: connection.pid, starts: connection.starts, transport: connection.transportKind };
  }

  /**
   * One ToolDefinition per tool of every server, in configuration order, then the server's order. Starts every
   * server that is not running. If any server cannot start, throws the McpError of the first one (in configuration
   * order) after every start attempt has settled.
   */
  async listToolDefinitions(signal?: AbortSignal): Promise<ToolDefinition[]> {
    const settled = await Promise.allSettled(this.serverNames().map((name) => this.listServerToolDefinitions(name, signal)));
    const out: ToolDefinition[] = [];
    for (const result of settled) {
      if (result.status === "rejected") throw result.reason;
      out.push(...result.value);
    }
    return out;
  }

  /**
   * Like listToolDefinitions, but one broken server does not take the others down: the tools of every server that
   * started, and the servers that did not (in configuration order).
   */
  async listAvailableToolDefinitions(signal?: AbortSignal): Promise<{ definitions: ToolDefinition[]; unavailable: McpUnavailable[] }> {
    const names = this.serverNames();
    const settled = await Promise.allSettled(names.map((name) => this.listServerToolDefinitions(name, signal)));
    const definitions: ToolDefinition[] = [];
    const unavailable: McpUnavailable[] = [];
    settled.forEach((result, i) => {
      if (result.status === "fulfilled") definitions.push(...result.value);
      else unavailable.push({ server: names[i] as string, message: result.reason instanceof Error ? result.reason.message : String(result.reason) });
    });
    return { definitions, unavailable };
  }

  /** The ToolDefinitions of one server (starting it if needed). */
  async listServerToolDefinitions(server: string, signal?: AbortSignal): Promise<ToolDefinition[]> {
    const connection = this.#server(server);
    const tools = await connection.tools(signal);
    const readOnly = connection.config.readOnly;
    const seen = new Set<string>();
    const out: ToolDefinition[] = [];
    for (const tool of tools) {
      const reason = seen.has(tool.name) ? `tool ${JSON.stringify(tool.name)} is listed twice` : unusableReason(tool);
      if (reason) {
        this.#options.onWarning({ server, tool: tool.name, message: `skipped: ${reason}` });
        continue;
      }
      seen.add(tool.name);
      out.push(mcpToolDefinition(server, tool, readOnly, (name, args, sig) => this.callTool(server, name, args, sig), this.#options.maxTextBytes));
    }
    if (await connection.hasResources(signal)) {
      if (seen.has(READ_RESOURCE_TOOL)) {
        this.#options.onWarning({
          server,
          tool: READ_RESOURCE_TOOL,
          message: `resources are not offered as mcp.${server}.${READ_RESOURCE_TOOL}: the server has a tool of that name`,
        });
      } else {
        out.push(readResourceDefinition(server, (uri, sig) => connection.readResource(uri, sig), this.#options.maxTextBytes));
      }
    }
    return out;
  }

  /**
   * Register the tools of every server that starts into `registry`; returns the servers that could not start (see
   * listAvailableToolDefinitions), so a broken server fails only the scripts that use it.
   */
  async registerInto(registry: ToolRegistry, signal?: AbortSignal): Promise<McpUnavailable[]> {
    const { definitions, unavailable } = await this.listAvailableToolDefinitions(signal);
    for (const definition of definitions) registry.register(definition);
    return unavailable;
  }

  /**
   * Call a server's tool by the server's own tool name and return the raw CallToolResult (an `isError` result is
   * returned, not thrown; the ToolDefinition handlers turn it into ToolError). Starts or restarts the server if needed.
   */
  async callTool(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    return this.#server(server).callTool(tool, args, signal);
  }

  /** Stop every server and wait until their processes are gone. Idempotent; later use throws McpError. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#servers.values()].map((connection) => connection.close()));
  }

  #server(name: string): McpServerConnection {
    if (this.#closed) throw new McpError(`The MCP manager is closed (server "${name}")`, { server: name });
    const connection = this.#servers.get(name);
    if (!connection) {
      throw new McpError(`No MCP server named "${name}" is configured`, { server: name, known: this.serverNames() });
    }
    return connection;
  }
}
