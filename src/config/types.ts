/** The shape of `cody.json` (or `.cody/config.json`) after loading and validation. */
import type { Limits } from "../limits.js";
import type { SandboxConfig } from "../sandbox/index.js";

/**
 * One MCP server started over stdio, in the Claude Desktop shape plus three optional fields
 * (`cwd`, `readOnly`, `type`).
 */
export interface McpServerConfig {
  /** Executable to start (looked up on PATH when it has no slash). */
  command: string;
  /** Arguments passed to `command`. @default [] */
  args?: string[];
  /** Extra environment variables; merged over a minimal inherited set (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env?: Record<string, string>;
  /** Working directory of the server process, relative to the directory the config was loaded for. @default "." */
  cwd?: string;
  /**
   * Which of the server's tools count as read-only for the approval policy: `true` = all of them, `false` = none (the
   * server's own `readOnlyHint` annotations are ignored), a list = those tool names plus any the server marks
   * `readOnlyHint: true`. Absent = only the tools the server marks `readOnlyHint: true`.
   */
  readOnly?: boolean | string[];
  /** Transport; only `"stdio"` is supported (accepted so configs copied from other clients load). */
  type?: "stdio";
}

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
  /** Where cache, audit and conversations live: a `postgres://` URL or a SQLite file. @default ".cody/cache.db" */
  store?: string;
  [section: string]: unknown;
}
