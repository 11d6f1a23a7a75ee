/** Public surface of tools/mcp/: MCP servers over stdio as registry tools named `mcp.<server>.<tool>`. */
export { McpManager } from "./manager.js";
export { mcpRisk } from "./definitions.js";
export { contentResultSchema } from "./result-schema.js";
export { unavailableServerUse, unavailableWarning } from "./unavailable.js";
export { buildToolIndex, firstSentence, isMcpToolName, DEFAULT_MCP_INDEX_THRESHOLD } from "./prompt-index.js";
export type { McpServerStatus, McpUnavailable } from "./manager.js";
export type { McpManagerOptions, McpWarning } from "./options.js";
export type { McpServerState } from "./connection.js";
