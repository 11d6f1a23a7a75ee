/** Turn one tool listed by an MCP server into a registry ToolDefinition named `mcp.<server>.<tool>`. */
import type { CallToolResult, ReadResourceResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { ToolError } from "../../errors/index.js";
import type { JsonSchema, RiskClass, ToolDefinition } from "../types.js";
import { NAME_SEGMENT } from "./options.js";
import { capContent, capResourceContents } from "./cap.js";
import { contentResultSchema, resourceResultSchema } from "./result-schema.js";

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

/** Default cap of one text block (see McpManagerOptions.maxTextBytes). */
const DEFAULT_MAX_TEXT_BYTES = 1024 * 1024;

/**
 * Build the ToolDefinition. The handler returns `structuredContent` when the tool has an outputSchema, else `content`
 * with each text block capped at `maxTextBytes`.
 */
export function mcpToolDefinition(
  server: string,
  tool: Tool,
  readOnly: boolean | readonly string[] | undefined,
  call: McpCall,
  maxTextBytes = DEFAULT_MAX_TEXT_BYTES,
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
      if (!structured) return capContent(result.content ?? [], maxTextBytes);
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

/** The server-tool name `readResource` takes in the registry (`mcp.<server>.readResource`). */
export const READ_RESOURCE_TOOL = "readResource";

/**
 * `mcp.<server>.readResource({ uri })` for a server that offers resources: the resource's contents, text parts capped.
 * Read-only whatever the server's `readOnly` setting: reading a resource has no effect on the server.
 */
export function readResourceDefinition(
  server: string,
  read: (uri: string, signal: AbortSignal) => Promise<ReadResourceResult>,
  maxTextBytes = DEFAULT_MAX_TEXT_BYTES,
): ToolDefinition {
  return {
    name: mcpToolName(server, READ_RESOURCE_TOOL),
    description: `Read a resource of MCP server "${server}" by its URI (resources/read).`,
    argsSchema: {
      type: "object",
      additionalProperties: false,
      required: ["uri"],
      properties: { uri: { type: "string", minLength: 1, description: "The resource's URI, as the server lists it." } },
    },
    resultSchema: resourceResultSchema(),
    risk: "read-only",
    async handler(args, ctx) {
      const { uri } = args as { uri: string };
      const result = await read(uri, ctx.signal);
      return { contents: capResourceContents(result.contents, maxTextBytes) };
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
