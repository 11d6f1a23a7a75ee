/** Public surface of tools/. */
export { ToolRegistry } from "./registry.js";
export {
  BUILTIN_SPECS,
  execSpec,
  readFileSpec,
  writeFileSpec,
  listDirSpec,
  globSpec,
  searchSpec,
  applyPatchSpec,
} from "./schemas.js";
export { resolveInWorkspace, realWorkspaceRoot } from "./workspace.js";
export type { ResolvedPath } from "./workspace.js";
export type { ToolDefinition, ToolSpec, ToolContext, JsonSchema, RiskClass } from "./types.js";
export {
  McpManager,
  mcpRisk,
  contentResultSchema,
  unavailableServerUse,
  unavailableWarning,
} from "./mcp/index.js";
export type { McpManagerOptions, McpWarning, McpServerStatus, McpServerState, McpUnavailable } from "./mcp/index.js";
export { createBuiltinTools, createBuiltinRegistry } from "./builtin.js";
export { createExecTool, execTool, EXEC_MAX_OUTPUT_BYTES, EXEC_INHERITED_ENV } from "./handlers/exec.js";
export { createReadFileTool, readFileTool, READ_FILE_MAX_BYTES } from "./handlers/read-file.js";
export { writeFileTool } from "./handlers/write-file.js";
export { createDescribeTool, matchTools, DESCRIBE_DEFAULT_LIMIT, DESCRIBE_MAX_LIMIT } from "./handlers/describe.js";
export { createListDirTool, listDirTool, LIST_DIR_DEFAULT_LIMIT } from "./handlers/list-dir.js";
export { createGlobTool, globTool, GLOB_MAX_RESULTS } from "./handlers/glob.js";
export { createSearchTool, searchTool, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LINE_CHARS } from "./handlers/search.js";
export { walk, followLinkInWorkspace } from "./fs-walk.js";
export { MAX_GITIGNORE_BYTES } from "./fs-walk.js";
export { BINARY_SNIFF_BYTES } from "./text-file.js";
export { truncationMarker } from "./handlers/exec.js";
export { isInsideRoot } from "./workspace.js";
export type { ExecArgs, ExecResult, ExecToolOptions } from "./handlers/exec.js";
export type { ReadFileArgs, ReadFileResult, ReadFileToolOptions } from "./handlers/read-file.js";
export type { WriteFileArgs, WriteFileResult } from "./handlers/write-file.js";
export type { ListDirArgs, ListDirResult, DirEntry, ListDirToolOptions } from "./handlers/list-dir.js";
export type { GlobArgs, GlobResult, GlobToolOptions } from "./handlers/glob.js";
export type { SearchArgs, SearchMatch, SearchToolOptions } from "./handlers/search.js";
export type { WalkEntry, WalkEntryType, WalkOptions } from "./fs-walk.js";
export { applyPatchTool } from "./handlers/apply-patch.js";
export { applyPatch, parsePatch, seekSequence, nodePatchIo } from "./patch/index.js";
export type { ApplyPatchArgs } from "./handlers/apply-patch.js";
export type { ApplyPatchResult, ApplyPatchOptions, ParsedPatch, PatchSection, Hunk as PatchHunk, PatchIo, PatchFailureReason } from "./patch/index.js";
export {
  validateToolArgs,
  prepareValidators,
  formatIssues,
  parseStructuredArguments,
  compileJsonSchema,
  toIssue,
} from "./validation/validate.js";
export type { ArgumentIssue } from "./validation/validate.js";
