/**
 * Argument and result schemas of the built-in tools. Types for scripts (`.d.ts`), validation and the model's tool
 * list are all generated from these, so this file is the single source of each tool's shape.
 */
import type { ToolSpec, JsonSchema } from "./types.js";

const str = (description: string): JsonSchema => ({ type: "string", description });
const int = (description: string, minimum = 0): JsonSchema => ({ type: "integer", minimum, description });
const bool = (description: string): JsonSchema => ({ type: "boolean", description });
const obj = (properties: Record<string, JsonSchema>, required: string[], title?: string): JsonSchema => ({
  type: "object",
  ...(title ? { title } : {}),
  properties,
  required,
  additionalProperties: false,
});

export const execSpec: ToolSpec = {
  name: "exec",
  description:
    "Run a command (argv, no shell) in the workspace. Use [\"bash\", \"-lc\", script] for shell syntax. Output is capped. " +
    "Runs in an OS sandbox (by default: writes only inside the workspace and /tmp, no network); a blocked call rejects with SandboxError.",
  risk: "executes",
  argsSchema: obj(
    {
      command: { type: "array", items: { type: "string" }, minItems: 1, description: "Program and arguments." },
      cwd: str("Working directory, relative to the workspace root."),
      env: { type: "object", additionalProperties: { type: "string" }, description: "Extra environment variables." },
      timeoutMs: int("Kill the process group after this many milliseconds.", 1),
      stdin: str("Text written to the process's standard input."),
    },
    ["command"],
    "ExecArgs",
  ),
  resultSchema: obj(
    {
      exitCode: { type: ["integer", "null"], description: "Exit code, or null when killed by a signal." },
      signal: { type: ["string", "null"], description: "Signal that ended the process, if any." },
      stdout: str("Standard output (capped)."),
      stderr: str("Standard error (capped)."),
      durationMs: { type: "number", description: "Wall time in milliseconds." },
      timedOut: bool("True when the process was killed for exceeding timeoutMs."),
      truncated: bool("True when stdout or stderr was cut at the output cap."),
      sandbox: {
        enum: ["read-only", "workspace-write", "danger-full-access"],
        description: "The OS sandbox mode the command ran under.",
      },
    },
    ["exitCode", "signal", "stdout", "stderr", "durationMs", "timedOut", "truncated", "sandbox"],
    "ExecResult",
  ),
};

export const readFileSpec: ToolSpec = {
  name: "readFile",
  description: "Read a text file from the workspace, optionally a window of lines. Binary files are refused.",
  risk: "read-only",
  argsSchema: obj(
    {
      path: str("File path, relative to the workspace root."),
      offset: int("First line to return, 1-based.", 1),
      limit: int("Maximum number of lines to return.", 1),
    },
    ["path"],
    "ReadFileArgs",
  ),
  resultSchema: obj(
    {
      path: str("The path as resolved relative to the workspace root."),
      content: str("The file's text (the requested window)."),
      totalLines: int("Number of lines in the whole file."),
      truncated: bool("True when more lines exist beyond the window."),
    },
    ["path", "content", "totalLines", "truncated"],
    "ReadFileResult",
  ),
};

export const writeFileSpec: ToolSpec = {
  name: "writeFile",
  description: "Write a text file atomically (temp file + rename). Creates parent directories when createDirs is true.",
  risk: "writes",
  argsSchema: obj(
    {
      path: str("File path, relative to the workspace root."),
      content: str("Full new content of the file."),
      createDirs: bool("Create missing parent directories."),
    },
    ["path", "content"],
    "WriteFileArgs",
  ),
  resultSchema: obj(
    { path: str("The path written, relative to the workspace root."), bytes: int("Bytes written.") },
    ["path", "bytes"],
    "WriteFileResult",
  ),
};

const dirEntry: JsonSchema = obj(
  {
    path: str("Path relative to the workspace root."),
    type: { type: "string", enum: ["file", "dir", "symlink", "other"] },
    size: int("Size in bytes (0 for directories)."),
  },
  ["path", "type", "size"],
  "DirEntry",
);

export const listDirSpec: ToolSpec = {
  name: "listDir",
  description: "List a directory (recursively up to depth), skipping .git and what .gitignore ignores.",
  risk: "read-only",
  argsSchema: obj(
    {
      path: str("Directory, relative to the workspace root."),
      depth: int("How many levels to descend (1 = only direct children).", 1),
      limit: int("Maximum number of entries to return.", 1),
    },
    ["path"],
    "ListDirArgs",
  ),
  resultSchema: obj(
    { entries: { type: "array", items: dirEntry }, truncated: bool("True when limit cut the listing.") },
    ["entries", "truncated"],
    "ListDirResult",
  ),
};

export const globSpec: ToolSpec = {
  name: "glob",
  description: "Find files matching a glob pattern (e.g. \"src/**/*.ts\"), honouring .gitignore.",
  risk: "read-only",
  argsSchema: obj(
    { pattern: str("Glob pattern."), cwd: str("Directory the pattern is relative to, inside the workspace.") },
    ["pattern"],
    "GlobArgs",
  ),
  resultSchema: obj(
    {
      paths: { type: "array", items: { type: "string" }, description: "Matching file paths, relative to the workspace root." },
      truncated: bool("True when the result was cut."),
    },
    ["paths", "truncated"],
    "GlobResult",
  ),
};

const searchMatch: JsonSchema = obj(
  {
    path: str("File path relative to the workspace root."),
    line: int("1-based line number.", 1),
    column: int("1-based column of the match.", 1),
    text: str("The matching line."),
  },
  ["path", "line", "column", "text"],
  "SearchMatch",
);

export const searchSpec: ToolSpec = {
  name: "search",
  description: "Search file contents for a regular expression (or literal text), honouring .gitignore.",
  risk: "read-only",
  argsSchema: obj(
    {
      pattern: str("Regular expression (JavaScript syntax) or, with literal, plain text."),
      path: str("Directory or file to search, relative to the workspace root."),
      include: str("Glob restricting which files are searched, e.g. \"**/*.ts\"."),
      literal: bool("Treat pattern as plain text."),
      caseSensitive: bool("Match case exactly (default true)."),
      limit: int("Maximum number of matches.", 1),
    },
    ["pattern"],
    "SearchArgs",
  ),
  resultSchema: { type: "array", items: searchMatch, title: "SearchResult" },
};

export const applyPatchSpec: ToolSpec = {
  name: "applyPatch",
  description:
    "Apply a patch in the Codex apply_patch format (*** Begin Patch … *** End Patch). All or nothing.",
  risk: "writes",
  argsSchema: obj({ patch: str("The whole patch envelope.") }, ["patch"], "ApplyPatchArgs"),
  resultSchema: obj(
    {
      added: { type: "array", items: { type: "string" } },
      modified: { type: "array", items: { type: "string" } },
      deleted: { type: "array", items: { type: "string" } },
      moved: {
        type: "array",
        items: obj({ from: { type: "string" }, to: { type: "string" } }, ["from", "to"], "MovedFile"),
      },
    },
    ["added", "modified", "deleted", "moved"],
    "ApplyPatchResult",
  ),
};

/** The built-in tools in the order they are documented. */
export const BUILTIN_SPECS: readonly ToolSpec[] = [
  execSpec,
  readFileSpec,
  writeFileSpec,
  listDirSpec,
  globSpec,
  searchSpec,
  applyPatchSpec,
];
