/** readFile: read a UTF-8 text file from the workspace, whole or as a window of lines. Binary files are refused. */
import { ToolError } from "../../errors/index.js";
import { throwIfAborted } from "../abort.js";
import { readFileSpec } from "../schemas.js";
import { decodeUtf8, hasNulByte, loadFile, loadSmallFileSync } from "../text-file.js";
import type { ToolDefinition } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";

export interface ReadFileArgs {
  path: string;
  offset?: number;
  limit?: number;
}

export interface ReadFileResult {
  path: string;
  content: string;
  totalLines: number;
  truncated: boolean;
}

/** Largest file readFile loads. @default 10485760 (10 MiB) */
export const READ_FILE_MAX_BYTES = 10 * 1024 * 1024;

export interface ReadFileToolOptions {
  maxBytes: number;
}

function errnoOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** Split into lines the way editors count them: a final newline does not start another line. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The window's text. Lines keep their own `\r`; the window ends with `\n` unless it ends at a last line that
 * has none, so reading a whole file returns exactly its content.
 */
function windowText(text: string, lines: string[], start: number, end: number): string {
  if (start >= end) return "";
  const body = lines.slice(start, end).join("\n");
  const endsWithNewline = end < lines.length || text.endsWith("\n");
  return endsWithNewline ? `${body}\n` : body;
}

export function createReadFileTool(options: Partial<ReadFileToolOptions> = {}): ToolDefinition<ReadFileArgs, ReadFileResult> {
  const maxBytes = options.maxBytes ?? READ_FILE_MAX_BYTES;
  return {
    ...readFileSpec,
    async handler(args, ctx) {
      const { abs, rel } = resolveInWorkspace(ctx.workspaceRoot, args.path);
      const fail = (message: string, extra: Record<string, unknown> = {}): ToolError =>
        new ToolError(`readFile: ${message}`, { tool: "readFile", path: rel, ...extra });
      let loaded;
      try {
        // Small files (nearly all a script reads) without the thread pool; see SYNC_READ_MAX_BYTES.
        loaded = loadSmallFileSync(abs, maxBytes) ?? (await loadFile(abs, maxBytes));
      } catch (error) {
        const code = errnoOf(error);
        if (code === "ENOENT" || code === "ENOTDIR") throw fail(`file \`${rel}\` not found`);
        if (code === "EACCES" || code === "EPERM") throw fail(`permission denied reading \`${rel}\``);
        if (code === "EISDIR") throw fail(`\`${rel}\` is a directory (use listDir)`);
        if (code === "ELOOP") throw fail(`\`${rel}\` changed into a symlink while being read`);
        throw fail(`cannot read \`${rel}\`: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (loaded.kind === "not-file") {
        throw fail(loaded.isDirectory ? `\`${rel}\` is a directory (use listDir)` : `\`${rel}\` is not a regular file`);
      }
      if (loaded.kind === "too-large") {
        throw fail(`\`${rel}\` is ${loaded.size} bytes, over the ${maxBytes}-byte limit; use search or exec (head, sed)`, {
          size: loaded.size,
          limit: maxBytes,
        });
      }
      const text = hasNulByte(loaded.bytes) ? null : decodeUtf8(loaded.bytes);
      if (text === null) throw fail(`\`${rel}\` is a binary file (NUL bytes or invalid UTF-8); refusing to read it as text`);
      throwIfAborted(ctx.signal, "readFile");
      const lines = splitLines(text);
      const start = (args.offset ?? 1) - 1;
      const end = args.limit === undefined ? lines.length : Math.min(lines.length, start + args.limit);
      return {
        path: rel,
        content: windowText(text, lines, start, end),
        totalLines: lines.length,
        truncated: end < lines.length,
      };
    },
  };
}

export const readFileTool = createReadFileTool();
