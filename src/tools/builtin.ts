/** The seven built-in tools, and a registry holding exactly them. */
import { applyPatchTool } from "./handlers/apply-patch.js";
import { execTool } from "./handlers/exec.js";
import { globTool } from "./handlers/glob.js";
import { listDirTool } from "./handlers/list-dir.js";
import { readFileTool } from "./handlers/read-file.js";
import { searchTool } from "./handlers/search.js";
import { writeFileTool } from "./handlers/write-file.js";
import { ToolRegistry } from "./registry.js";
import type { ToolDefinition } from "./types.js";

/** Every built-in tool, in the documented order of BUILTIN_SPECS. */
export function createBuiltinTools(): ToolDefinition[] {
  return [execTool, readFileTool, writeFileTool, listDirTool, globTool, searchTool, applyPatchTool];
}

/** A fresh registry with the built-in tools registered (MCP tools can be added to it). */
export function createBuiltinRegistry(): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of createBuiltinTools()) registry.register(tool);
  return registry;
}
