/**
 * The system prompt's MCP tool index: one line per tool (name and the first sentence of its description), grouped by
 * server. Above a threshold of MCP tools it replaces their declarations, which cost far more tokens; the model fetches
 * the declarations it needs with `tools.describe`. No MCP SDK import here: the harness loads this without a server.
 */
import type { ToolSpec } from "../types.js";

/** MCP tools above which the prompt carries the index instead of their types. @default 30 */
export const DEFAULT_MCP_INDEX_THRESHOLD = 30;

/** Characters of a description kept on an index line. */
const LINE_CHARS = 100;

/** True for registry names of MCP tools (`mcp.<server>.<tool>`). */
export function isMcpToolName(name: string): boolean {
  return name.startsWith("mcp.");
}

/**
 * The index text, e.g.
 * ```text
 * mcp.github (2 tools):
 * - create_issue: Create a new issue in a repository.
 * - get_issue: Get one issue by number.
 * ```
 */
export function buildToolIndex(specs: readonly Pick<ToolSpec, "name" | "description">[]): string {
  const byServer = new Map<string, { tool: string; line: string }[]>();
  for (const spec of specs) {
    if (!isMcpToolName(spec.name)) continue;
    const [, server = "", ...rest] = spec.name.split(".");
    const list = byServer.get(server) ?? [];
    list.push({ tool: rest.join("."), line: firstSentence(spec.description) });
    byServer.set(server, list);
  }
  const out: string[] = [];
  for (const [server, tools] of byServer) {
    out.push(`mcp.${server} (${tools.length} tool${tools.length === 1 ? "" : "s"}):`);
    for (const t of tools) out.push(`- ${t.tool}${t.line ? `: ${t.line}` : ""}`);
  }
  return out.join("\n");
}

/** The first sentence (or line) of a description, cut to LINE_CHARS with an ellipsis. */
export function firstSentence(description: string): string {
  const text = description.trim().split("\n")[0]?.trim() ?? "";
  const end = /[.!?](\s|$)/.exec(text);
  const sentence = end ? text.slice(0, end.index + 1) : text;
  return sentence.length <= LINE_CHARS ? sentence : `${sentence.slice(0, LINE_CHARS - 1).trimEnd()}…`;
}
