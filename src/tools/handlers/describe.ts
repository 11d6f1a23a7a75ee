/**
 * describe: TypeScript declarations of the tools whose names match a pattern. With many MCP tools the system prompt
 * lists only an index of them (name and one line); the model fetches the types it needs with this tool.
 */
import type { JsonSchema, ToolDefinition, ToolSpec } from "../types.js";

export interface DescribeArgs {
  pattern: string;
  limit?: number;
}

export interface DescribeResult {
  /** Registry names of the matching tools (at most `limit`), sorted. */
  tools: string[];
  /** Their declarations: argument and result types and a `tools` object holding only them. */
  declarations: string;
  /** True when more tools matched than `limit`. */
  truncated: boolean;
}

/** Tools described when the call gives no limit. @default 20 */
export const DESCRIBE_DEFAULT_LIMIT = 20;
/** Most tools one call describes, whatever limit it asks for. @default 50 */
export const DESCRIBE_MAX_LIMIT = 50;

const argsSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["pattern"],
  properties: {
    pattern: {
      type: "string",
      minLength: 1,
      description:
        'A tool name ("mcp.github.get_issue"), a pattern where * matches any text ("mcp.github.*", "*issue*"), or words ' +
        "that must all appear in a tool's name or description (case-insensitive).",
    },
    limit: { type: "integer", minimum: 1, maximum: DESCRIBE_MAX_LIMIT, description: `Most tools to describe (default ${DESCRIBE_DEFAULT_LIMIT}).` },
  },
};

const resultSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["tools", "declarations", "truncated"],
  properties: {
    tools: { type: "array", items: { type: "string" }, description: "Names of the matching tools (tools.<name>)." },
    declarations: { type: "string", description: "TypeScript declarations of the matching tools." },
    truncated: { type: "boolean", description: "True when more tools matched than limit." },
  },
};

/** The tools a pattern selects, sorted by name (see the `pattern` argument's description). */
export function matchTools(specs: readonly ToolSpec[], pattern: string): ToolSpec[] {
  const p = pattern.trim().replace(/^tools\./, "");
  const exact = specs.filter((s) => s.name === p);
  if (exact.length > 0) return exact;
  let match: (s: ToolSpec) => boolean;
  if (p.includes("*")) {
    const re = new RegExp(`^${p.split("*").map(escapeRegExp).join(".*")}$`, "i");
    match = (s) => re.test(s.name);
  } else {
    const words = p.toLowerCase().split(/\s+/).filter(Boolean);
    match = (s) => {
      const text = `${s.name}\n${s.description}`.toLowerCase();
      return words.every((w) => text.includes(w));
    };
  }
  return specs.filter(match).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The `describe` tool over the tools `specs()` returns when called (a registry's specs: MCP tool lists change).
 * Read-only: it only reads declarations.
 */
export function createDescribeTool(specs: () => readonly ToolSpec[]): ToolDefinition<DescribeArgs, DescribeResult> {
  return {
    name: "describe",
    description:
      "Get the TypeScript declarations of tools by name or pattern, e.g. { pattern: \"mcp.github.*\" } — use it before " +
      "calling a tool whose declaration is not in your instructions.",
    argsSchema,
    resultSchema,
    risk: "read-only",
    async handler(args) {
      const limit = args.limit ?? DESCRIBE_DEFAULT_LIMIT;
      const matches = matchTools(specs().filter((s) => s.name !== "describe"), args.pattern);
      const chosen = matches.slice(0, limit);
      // Loaded on first use, like the .d.ts generator itself (json-schema-to-typescript is large).
      const { renderToolDeclarations } = await import("../../compiler/dts.js");
      return {
        tools: chosen.map((s) => s.name),
        declarations: chosen.length === 0 ? "" : await renderToolDeclarations(chosen),
        truncated: matches.length > chosen.length,
      };
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
