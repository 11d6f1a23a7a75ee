/** Where the CLI gets the tool registry's specs from: the built-in tools plus the workspace's configured MCP servers. */
import { loadConfig } from "../../config/index.js";
import { BUILTIN_SPECS, McpManager, unavailableWarning, type ToolSpec } from "../../tools/index.js";

/**
 * The tool specs scripts in `cwd` are checked against. MCP servers configured in `cody.json` are started just long
 * enough to list their tools, so `cody script check` and `cody tools dts` see exactly what `script run` exposes. A server
 * that cannot start is left out with one warning on stderr, as `script run` does.
 */
export async function loadToolSpecs(cwd: string): Promise<ToolSpec[]> {
  const config = await loadConfig(cwd);
  if (Object.keys(config.mcpServers).length === 0) return [...BUILTIN_SPECS];
  const mcp = new McpManager({ servers: config.mcpServers, cwd });
  try {
    const { definitions, unavailable } = await mcp.listAvailableToolDefinitions();
    for (const u of unavailable) process.stderr.write(`cody: ${unavailableWarning(u)}\n`);
    return [...BUILTIN_SPECS, ...definitions.map(({ handler: _handler, ...spec }) => spec)];
  } finally {
    await mcp.close();
  }
}
