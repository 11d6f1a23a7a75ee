/**
 * The single source of every tool. Scripts (`tools.*`), structured calls from a model and the `.d.ts` generator all
 * read from one registry; there are no script-only tools.
 */
import { ToolNotFoundError, InvalidOptionError } from "../errors/index.js";
import type { ToolDefinition, ToolSpec } from "./types.js";

/** Tool names are identifiers, optionally dotted for namespaces (`mcp.server.tool`). */
const NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$-]*)*$/;

export class ToolRegistry {
  readonly #tools = new Map<string, ToolDefinition>();

  register(tool: ToolDefinition): this {
    if (!NAME.test(tool.name)) {
      throw new InvalidOptionError(`Invalid tool name \`${tool.name}\``, { path: "tool.name", value: tool.name });
    }
    if (this.#tools.has(tool.name)) {
      throw new InvalidOptionError(`Tool \`${tool.name}\` is already registered`, { path: "tool.name", value: tool.name });
    }
    this.#tools.set(tool.name, tool);
    return this;
  }

  /** Remove a tool (e.g. when an MCP server's tool list changes). */
  unregister(name: string): boolean {
    return this.#tools.delete(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  get(name: string): ToolDefinition {
    const tool = this.#tools.get(name);
    if (!tool) throw new ToolNotFoundError(`Unknown tool \`${name}\``, { tool: name });
    return tool;
  }

  /** Every tool, sorted by name so generated output is deterministic. */
  list(): ToolDefinition[] {
    return [...this.#tools.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Schema facts only (what type generation and prompts need). */
  specs(): ToolSpec[] {
    return this.list().map(({ handler: _handler, ...spec }) => spec);
  }
}
