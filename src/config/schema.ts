/**
 * JSON Schema of the sections of cody.json this version knows. Unknown top-level keys are allowed (and kept); inside a
 * known section unknown keys are errors, so a typo such as `"arg"` is reported instead of ignored.
 */

/** A server name must be a valid segment of `tools.mcp.<server>.<tool>` (the registry's name grammar). */
const SERVER_NAME_PATTERN = "^[A-Za-z_$][\\w$-]*$";

/**
 * One server: local (`command`, started over stdio) or remote (`url`, Streamable HTTP with an HTTP+SSE fallback).
 * Exactly one of the two; `args`, `env` and `cwd` only make sense for a local server, `headers` for a remote one.
 */
export const MCP_SERVER_SCHEMA = {
  type: "object",
  additionalProperties: false,
  // Which fields go together (command xor url, …) is checked by checkServerKinds (validate.ts), with clearer messages
  // than a oneOf would give.
  properties: {
    command: { type: "string", minLength: 1 },
    // `${NAME}` references in url and header values are resolved from the environment when connecting.
    url: { type: "string", minLength: 1 },
    headers: { type: "object", additionalProperties: { type: "string" } },
    args: { type: "array", items: { type: "string" } },
    env: { type: "object", additionalProperties: { type: "string" } },
    cwd: { type: "string", minLength: 1 },
    readOnly: {
      // `description` doubles as the "must be …" wording when neither branch matches (see validate.ts).
      description: "true, false or an array of tool names",
      anyOf: [{ type: "boolean" }, { type: "array", items: { type: "string", minLength: 1 } }],
    },
    type: { enum: ["stdio", "http", "streamable-http", "sse"] },
  },
} as const;

/** `"sandbox": "read-only"`, or `{ "mode": …, "network": true, "env": { "keep": ["GITHUB_TOKEN"] } }`. */
const SANDBOX_SCHEMA = {
  description: 'a mode ("read-only", "workspace-write", "danger-full-access") or an object { mode, network, env: { keep } }',
  anyOf: [
    { enum: ["read-only", "workspace-write", "danger-full-access"] },
    {
      type: "object",
      additionalProperties: false,
      properties: {
        mode: { enum: ["read-only", "workspace-write", "danger-full-access"] },
        network: { type: "boolean" },
        env: {
          type: "object",
          additionalProperties: false,
          properties: { keep: { type: "array", items: { type: "string", minLength: 1 } } },
        },
      },
    },
  ],
} as const;

export const CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: true,
  properties: {
    mcpServers: {
      type: "object",
      propertyNames: { pattern: SERVER_NAME_PATTERN },
      additionalProperties: MCP_SERVER_SCHEMA,
    },
    // Field-level checks of limits live in normalizeLimits (src/limits.ts), the single place limits are resolved.
    limits: { type: "object" },
    sandbox: SANDBOX_SCHEMA,
    // Above this many MCP tools the system prompt lists an index instead of every type (see docs/mcp.md).
    mcpIndexThreshold: { type: "integer", minimum: 0 },
    // A postgres:// URL shared by a fleet, or a SQLite file relative to the workspace (docs/store.md).
    store: { type: "string", minLength: 1 },
  },
} as const;
