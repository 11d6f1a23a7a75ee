/** Where the CLI gets the tool registry's specs from (the integrator adds MCP servers' tools here). */
import { BUILTIN_SPECS, type ToolSpec } from "../../tools/index.js";

/**
 * The tool specs scripts in `cwd` are checked against. For now the built-in tools only; MCP tools configured for the
 * workspace will be appended here, so every command that type-checks goes through this one function.
 */
export async function loadToolSpecs(_cwd: string): Promise<ToolSpec[]> {
  return [...BUILTIN_SPECS];
}
