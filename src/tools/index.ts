/** Public surface of tools/. */
export { ToolRegistry } from "./registry.js";
export {
  BUILTIN_SPECS,
  execSpec,
  readFileSpec,
  writeFileSpec,
  listDirSpec,
  globSpec,
  searchSpec,
  applyPatchSpec,
} from "./schemas.js";
export { resolveInWorkspace, realWorkspaceRoot } from "./workspace.js";
export type { ResolvedPath } from "./workspace.js";
export type { ToolDefinition, ToolSpec, ToolContext, JsonSchema, RiskClass } from "./types.js";
export { McpManager, DEFAULT_MCP_OPTIONS, mcpToolName, mcpRisk, contentResultSchema } from "./mcp/index.js";
export type { McpManagerOptions, McpWarning, McpServerStatus, McpServerState } from "./mcp/index.js";
