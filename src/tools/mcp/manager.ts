/**
 * All configured MCP servers: lazy start, tool listing as registry ToolDefinitions (`mcp.<server>.<tool>`), restart
 * after a crash, and `close()` that leaves no server process behind.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { McpError } from "../../errors/index.js";
import type { ToolRegistry } from "../registry.js";
import type { ToolDefinition } from "../types.js";
import { McpServerConnection, type McpServerState } from "./connection.js";
import { mcpToolDefinition, unusableReason } from "./definitions.js";
import { resolveMcpOptions, type McpManagerOptions, type ResolvedMcpOptions } from "./options.js";

/** What the manager knows about one server right now. */
export interface McpServerStatus {
  name: string;
  state: McpServerState;
  /** Pid of the running process, if one is running. */
  pid: number | undefined;
  /** Start attempts so far (restarts included). */
  starts: number;
}

export class McpManager {
  readonly #options: ResolvedMcpOptions;
  readonly #servers = new Map<string, McpServerConnection>();
  #closed = false;

  /** Validates options; starts nothing (servers start on first need). */
  constructor(options: McpManagerOptions) {
    this.#options = resolveMcpOptions(options);
    for (const [name, config] of Object.entries(options.servers)) {
      this.#servers.set(name, new McpServerConnection(name, config, this.#options));
    }
  }

  /** Configured server names, in configuration order. */
  serverNames(): string[] {
    return [...this.#servers.keys()];
  }

  /** Lifecycle facts of one server (for diagnostics and tests); throws McpError for an unknown name. */
  status(server: string): McpServerStatus {
    const connection = this.#server(server);
    return { name: server, state: connection.state, pid: connection.pid, starts: connection.starts };
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
      out.push(mcpToolDefinition(server, tool, readOnly, (name, args, sig) => this.callTool(server, name, args, sig)));
    }
    return out;
  }

  /** Register every server's tools into `registry` (starts the servers; see listToolDefinitions). */
  async registerInto(registry: ToolRegistry, signal?: AbortSignal): Promise<void> {
    for (const definition of await this.listToolDefinitions(signal)) registry.register(definition);
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
