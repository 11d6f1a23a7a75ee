/** Turn one tool listed by an MCP server into a registry ToolDefinition named `mcp.<server>.<tool>`. */
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { ToolError } from "../../errors/index.js";
import type { JsonSchema, RiskClass, ToolDefinition } from "../types.js";
import { NAME_SEGMENT } from "./options.js";
import { contentResultSchema } from "./result-schema.js";

/** Calls the server's tool by its own name; supplied by the manager. */
export type McpCall = (tool: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<CallToolResult>;

/** The registry name of a server's tool. Both parts are kept verbatim (`-` included). */
function mcpToolName(server: string, tool: string): string {
  return `mcp.${server}.${tool}`;
}

/** Why a server tool cannot become a ToolDefinition, or undefined when it can. */
export function unusableReason(tool: Tool): string | undefined {
  if (!NAME_SEGMENT.test(tool.name)) {
    return (
      `tool name ${JSON.stringify(tool.name)} cannot be one segment of tools.mcp.<server>.<tool> ` +
      `(it must start with a letter, _ or $ and contain only letters, digits, _, $ and -)`
    );
  }
  if (tool.execution?.taskSupport === "required") {
    return `tool ${JSON.stringify(tool.name)} only runs as an MCP task, which this harness does not support`;
  }
  return undefined;
}

/**
 * The read-only decision: `readOnly: true` → every tool; `false` → none (annotations ignored); a list → listed tools
 * and those annotated `readOnlyHint: true`; absent → only annotated tools. Anything else "executes", because an MCP
 * tool can do anything its server can.
 */
export function mcpRisk(tool: Tool, readOnly: boolean | readonly string[] | undefined): RiskClass {
  if (readOnly === true) return "read-only";
  if (readOnly === false) return "executes";
  if (readOnly?.includes(tool.name)) return "read-only";
  return tool.annotations?.readOnlyHint === true ? "read-only" : "executes";
}

/** Build the ToolDefinition. The handler returns `structuredContent` when the tool has an outputSchema, else `content`. */
export function mcpToolDefinition(
  server: string,
  tool: Tool,
  readOnly: boolean | readonly string[] | undefined,
  call: McpCall,
): ToolDefinition {
  const name = mcpToolName(server, tool.name);
  const structured = tool.outputSchema !== undefined;
  return {
    name,
    description: describe(server, tool),
    argsSchema: schemaOf(tool.inputSchema),
    resultSchema: structured ? schemaOf(tool.outputSchema as JsonSchema) : contentResultSchema(),
    risk: mcpRisk(tool, readOnly),
    async handler(args, ctx) {
      // Arguments were validated against inputSchema (an object schema) by the registry's caller.
      const result = await call(tool.name, (args ?? {}) as Record<string, unknown>, ctx.signal);
      if (result.isError === true) {
        const text = contentText(result.content);
        throw new ToolError(`${name} failed: ${text || "the server reported an error without a message"}`, {
          tool: name,
          server,
          mcpTool: tool.name,
          text,
        });
      }
      if (!structured) return result.content ?? [];
      if (result.structuredContent === undefined) {
        throw new ToolError(`${name} declares an output schema but returned no structuredContent`, {
          tool: name,
          server,
          mcpTool: tool.name,
        });
      }
      return result.structuredContent;
    },
  };
}

function describe(server: string, tool: Tool): string {
  const text = tool.description?.trim() || tool.title?.trim() || tool.annotations?.title?.trim();
  return text || `Tool "${tool.name}" of MCP server "${server}".`;
}

/**
 * A deep copy of a server's schema, `$schema` included: the dispatcher picks the ajv dialect (draft-07 or 2020-12)
 * from it, and json-schema-to-typescript ignores it.
 */
function schemaOf(schema: JsonSchema): JsonSchema {
  return structuredClone(schema);
}

/** The text of an error result: text blocks joined by newlines, other blocks named by their type. */
function contentText(content: CallToolResult["content"] | undefined): string {
  return (content ?? [])
    .map((block) => (block.type === "text" ? block.text : `[${block.type}]`))
    .join("\n")
    .trim();
}
