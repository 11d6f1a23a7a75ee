/** Options of McpManager, declared once with their defaults and resolved in one place. */
import { InvalidOptionError } from "../../errors/index.js";
import type { McpServerConfig } from "../../config/index.js";

/** A warning the manager cannot act on but a caller may want to show (library code never prints). */
export interface McpWarning {
  server: string;
  /** The server's own tool name, when the warning is about one tool. */
  tool?: string;
  message: string;
}

export interface McpManagerOptions {
  /** Servers by name, usually `config.mcpServers`. */
  servers: Record<string, McpServerConfig>;
  /** Directory server `cwd`s are resolved against (and the default working directory of every server). */
  cwd: string;
  /** How long spawning a server, the MCP handshake and listing its tools may take together. @default 20000 */
  startTimeoutMs?: number;
  /** How long one tool call may take before it is cancelled. @default 60000 */
  callTimeoutMs?: number;
  /** How many characters of a server's stderr are kept for error messages. @default 4096 */
  stderrTailChars?: number;
  /** Connection attempts to a remote server that cannot be reached, within startTimeoutMs. @default 3 */
  connectAttempts?: number;
  /** Pause before the second connection attempt to a remote server; doubled for each later one. @default 250 */
  reconnectBackoffMs?: number;
  /**
   * UTF-8 bytes of one text block (of a tool result or a resource) kept before it is cut with the marker
   * `[output truncated at N bytes]`, as exec's output is. @default 1048576
   */
  maxTextBytes?: number;
  /** Where `${NAME}` references of remote servers' url and headers are looked up, at each connect. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called for tools that are skipped (unusable names, task-only tools) and similar non-fatal problems. */
  onWarning?: (warning: McpWarning) => void;
}

export interface ResolvedMcpOptions {
  cwd: string;
  startTimeoutMs: number;
  callTimeoutMs: number;
  stderrTailChars: number;
  connectAttempts: number;
  reconnectBackoffMs: number;
  maxTextBytes: number;
  env: Readonly<Record<string, string | undefined>>;
  onWarning: (warning: McpWarning) => void;
}

const DEFAULT_MCP_OPTIONS = Object.freeze({
  startTimeoutMs: 20_000,
  callTimeoutMs: 60_000,
  stderrTailChars: 4096,
  connectAttempts: 3,
  reconnectBackoffMs: 250,
  maxTextBytes: 1024 * 1024,
});

/** The grammar of one segment of a tool name in the registry (src/tools/registry.ts). */
export const NAME_SEGMENT = /^[A-Za-z_$][\w$-]*$/;

/** Fill defaults and validate; an invalid value throws InvalidOptionError naming `mcp.<field>` and the value. */
export function resolveMcpOptions(options: McpManagerOptions): ResolvedMcpOptions {
  for (const name of Object.keys(options.servers)) {
    if (!NAME_SEGMENT.test(name)) {
      throw new InvalidOptionError(
        `MCP server name ${JSON.stringify(name)} is not usable in tools.mcp.<server>.<tool>: it must start with a ` +
          `letter, _ or $ and contain only letters, digits, _, $ and -`,
        { path: `mcp.servers`, value: name },
      );
    }
  }
  if (typeof options.cwd !== "string" || options.cwd === "") {
    throw new InvalidOptionError(`\`mcp.cwd\` must be a directory path, got \`${String(options.cwd)}\``, {
      path: "mcp.cwd",
      value: String(options.cwd),
    });
  }
  return {
    cwd: options.cwd,
    startTimeoutMs: positive("startTimeoutMs", options.startTimeoutMs, DEFAULT_MCP_OPTIONS.startTimeoutMs),
    callTimeoutMs: positive("callTimeoutMs", options.callTimeoutMs, DEFAULT_MCP_OPTIONS.callTimeoutMs),
    stderrTailChars: positive("stderrTailChars", options.stderrTailChars, DEFAULT_MCP_OPTIONS.stderrTailChars),
    connectAttempts: positive("connectAttempts", options.connectAttempts, DEFAULT_MCP_OPTIONS.connectAttempts),
    reconnectBackoffMs: positive("reconnectBackoffMs", options.reconnectBackoffMs, DEFAULT_MCP_OPTIONS.reconnectBackoffMs),
    maxTextBytes: positive("maxTextBytes", options.maxTextBytes, DEFAULT_MCP_OPTIONS.maxTextBytes),
    env: options.env ?? process.env,
    onWarning: options.onWarning ?? (() => {}),
  };
}

function positive(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`\`mcp.${field}\` must be an integer >= 1, got \`${String(value)}\` (${typeof value})`, {
      path: `mcp.${field}`,
      value: typeof value === "number" ? value : String(value),
    });
  }
  return value;
}
