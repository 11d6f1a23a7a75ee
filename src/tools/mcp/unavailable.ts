/**
 * A configured MCP server that cannot start must not fail scripts that never use it: its tools are left out, one
 * warning names it, and only a script that refers to it fails, with McpUnavailableError.
 */
import { McpUnavailableError } from "../../errors/index.js";
import type { McpUnavailable } from "./manager.js";

/** The one warning line for a server left out. */
export function unavailableWarning(u: McpUnavailable): string {
  return `warning: ${u.message}; its tools (tools.mcp.${u.server}.*) are left out until it starts`;
}

/**
 * The first reference in `source` to an unavailable server (`mcp.NAME` or `mcp["NAME"]`, so also through
 * `tools.spawn.mcp.NAME`), as an error at its 1-based line and column; undefined when the script uses none of them.
 * A textual match: a script that only mentions the server in a string or comment is refused too, which errs safe.
 */
export function unavailableServerUse(source: string, unavailable: readonly McpUnavailable[], filename: string): McpUnavailableError | undefined {
  if (unavailable.length === 0 || !source.includes("mcp")) return undefined;
  const byName = new Map(unavailable.map((u) => [u.server, u]));
  const pattern = /\bmcp\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)|\bmcp\s*\[\s*["'`]([^"'`]+)["'`]/g;
  for (const match of source.matchAll(pattern)) {
    const name = match[1] ?? match[2] ?? "";
    const u = byName.get(name);
    if (!u) continue;
    const before = source.slice(0, match.index);
    const line = before.split("\n").length;
    const column = match.index - before.lastIndexOf("\n");
    return new McpUnavailableError(
      `tools.mcp.${u.server} is unavailable: ${u.message}`,
      { server: u.server, reason: u.message },
      { location: { file: filename, line, column } },
    );
  }
  return undefined;
}
