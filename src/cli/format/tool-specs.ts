/** Where the CLI gets the tool registry's specs from: the built-in tools plus the workspace's configured MCP servers. */
import { loadConfig } from "../../config/index.js";
import { BUILTIN_SPECS, McpManager, type ToolSpec } from "../../tools/index.js";

/**
 * The tool specs scripts in `cwd` are checked against. MCP servers configured in `cody.json` are started just long
 * enough to list their tools, so `cody script check` and `cody tools dts` see exactly what `script run` exposes.
 */
export async function loadToolSpecs(cwd: string): Promise<ToolSpec[]> {
  const config = await loadConfig(cwd);
  if (Object.keys(config.mcpServers).length === 0) return [...BUILTIN_SPECS];
  const mcp = new McpManager({ servers: config.mcpServers, cwd });
  try {
    const defs = await mcp.listToolDefinitions();
    return [...BUILTIN_SPECS, ...defs.map(({ handler: _handler, ...spec }) => spec)];
  } finally {
    await mcp.close();
  }
}
