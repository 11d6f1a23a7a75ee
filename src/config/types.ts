/** The shape of `cody.json` (or `.cody/config.json`) after loading and validation. */
import type { Limits } from "../limits.js";
import type { SandboxConfig } from "../sandbox/index.js";

/** Fields every MCP server entry may have. */
interface McpServerCommon {
  /**
   * Which of the server's tools count as read-only for the approval policy: `true` = all of them, `false` = none (the
   * server's own `readOnlyHint` annotations are ignored), a list = those tool names plus any the server marks
   * `readOnlyHint: true`. Absent = only the tools the server marks `readOnlyHint: true`.
   */
  readOnly?: boolean | string[];
}

/** A local MCP server started over stdio, in the Claude Desktop shape plus `cwd`, `readOnly` and `type`. */
export interface McpStdioServerConfig extends McpServerCommon {
  /** Executable to start (looked up on PATH when it has no slash). */
  command: string;
  /** Arguments passed to `command`. @default [] */
  args?: string[];
  /** Extra environment variables; merged over a minimal inherited set (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env?: Record<string, string>;
  /** Working directory of the server process, relative to the directory the config was loaded for. @default "." */
  cwd?: string;
  /** Transport (accepted so configs copied from other clients load). @default "stdio" */
  type?: "stdio";
  url?: undefined;
  headers?: undefined;
}

/**
 * A remote MCP server (the VS Code / Claude Code shape). `url` and header values may contain `${NAME}` references,
 * resolved from the environment each time Cody connects and never written back.
 */
export interface McpRemoteServerConfig extends McpServerCommon {
  /** The server's MCP endpoint, e.g. `https://api.example.com/mcp`. */
  url: string;
  /** Extra HTTP headers sent with every request, e.g. `{ "Authorization": "Bearer ${GITHUB_TOKEN}" }`. */
  headers?: Record<string, string>;
  /**
   * `"http"` / `"streamable-http"` or absent: Streamable HTTP, falling back to the older HTTP+SSE transport when the
   * server answers 400, 404 or 405; `"sse"`: HTTP+SSE only.
   */
  type?: "http" | "streamable-http" | "sse";
  command?: undefined;
  args?: undefined;
  env?: undefined;
  cwd?: undefined;
}

/** One configured MCP server: local (`command`) or remote (`url`). */
export type McpServerConfig = McpStdioServerConfig | McpRemoteServerConfig;

/**
 * The whole configuration. Known sections are validated; unknown top-level keys are kept as they are so later
 * sections (approval policy, provider, …) can be added without breaking older loaders.
 */
export interface CodyConfig {
  /** MCP servers by name; a name becomes the `<server>` segment of `tools.mcp.<server>.<tool>`. @default {} */
  mcpServers: Record<string, McpServerConfig>;
  /** Run limits overriding the defaults (validated by `normalizeLimits`). */
  limits?: Partial<Limits>;
  /** The OS sandbox for exec (see docs/sandbox.md). @default "workspace-write" without network */
  sandbox?: SandboxConfig;
  /**
   * Above this many MCP tools, the system prompt lists one line per MCP tool instead of its full types, and the
   * model fetches types with `tools.describe`. @default 30
   */
  mcpIndexThreshold?: number;
  /** Where cache, audit and conversations live: a `postgres://` URL or a SQLite file. @default ".cody/cache.db" */
  store?: string;
  [section: string]: unknown;
}
