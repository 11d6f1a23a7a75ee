/** Where the CLI gets the tool registry's specs from: the built-in tools plus the workspace's configured MCP servers. */
import path from "node:path";
import { loadConfig } from "../../config/index.js";
import { resolveDatabasePath } from "../../store/index.js";
import type { ToolSpec } from "../../tools/index.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { BUILTIN_SPECS } from "../../tools/schemas.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { createDescribeTool } from "../../tools/handlers/describe.js";
// eslint-disable-next-line cody/stage-index -- tools/index.js loads the MCP client SDK (≈ 0.3 s), which a run without MCP servers must not pay for
import { unavailableWarning } from "../../tools/mcp/unavailable.js";

/**
 * The tool specs scripts in `cwd` are checked against. MCP servers configured in `cody.json` are started just long
 * enough to list their tools, so `cody script check` and `cody tools dts` see exactly what `script run` exposes. A server
 * that cannot start is left out with one warning on stderr, as `script run` does.
 */
export async function loadToolSpecs(cwd: string): Promise<ToolSpec[]> {
  const config = await loadConfig(cwd);
  if (Object.keys(config.mcpServers).length === 0) return [...BUILTIN_SPECS];
  const { McpManager } = await import("../../tools/mcp/index.js");
  const mcp = new McpManager({ servers: config.mcpServers, cwd });
  try {
    const { definitions, unavailable } = await mcp.listAvailableToolDefinitions();
    for (const u of unavailable) process.stderr.write(`cody: ${unavailableWarning(u)}\n`);
    // The harness registers `describe` whenever MCP servers are configured; checks must see it too.
    const { handler: _describe, ...describe } = createDescribeTool(() => []);
    return [...BUILTIN_SPECS, describe, ...definitions.map(({ handler: _handler, ...spec }) => spec)];
  } finally {
    await mcp.close();
  }
}

/**
 * Where generated declarations are cached for `cwd`: beside its database (as the harness does), so `script check`
 * and `tools dts` do not regenerate them (and load json-schema-to-typescript) in every process. None for `:memory:`.
 */
export function dtsCacheDir(cwd: string): { cacheDir: string } | Record<string, never> {
  const db = resolveDatabasePath({ cwd, env: process.env });
  return db === ":memory:" ? {} : { cacheDir: path.join(path.dirname(db), "dts") };
}
