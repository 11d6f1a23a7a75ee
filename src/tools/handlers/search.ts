/**
 * search: grep the workspace. Files come lazily from the gitignore-aware walk in tree order, are read one at a
 * time in time slices and matched line by line; results keep walk order, and the walk stops at the limit.
 * Binary files (NUL bytes, invalid UTF-8) and files over the size cap are skipped.
 */
import { stat } from "node:fs/promises";
import { ToolError } from "../../errors/index.js";
import { throwIfAborted } from "../abort.js";
import { followLinkInWorkspace, walk } from "../fs-walk.js";
import { compileGlob } from "../glob-match.js";
import { compileLinearRegex } from "../regex.js";
import { searchSpec } from "../schemas.js";
import { decodeUtf8, hasNulByte, loadFileSync } from "../text-file.js";
import { TimeSlicer } from "../time-slice.js";
import type { ToolDefinition } from "../types.js";
import { resolveInWorkspace, type ResolvedPath } from "../workspace.js";

export interface SearchArgs {
  pattern: string;
  path?: string;
  include?: string;
  literal?: boolean;
  caseSensitive?: boolean;
  limit?: number;
}

export interface SearchMatch {
  path: string;
  line: number;
  column: number;
  text: string;
}

/** Matches returned when the call gives no limit. @default 1000 */
export const SEARCH_DEFAULT_LIMIT = 1_000;
/** Most matches one call returns, whatever limit it asks for. @default 10000 */
const SEARCH_MAX_LIMIT = 10_000;
/** Files larger than this are skipped. @default 10485760 (10 MiB) */
const SEARCH_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Longest `text` returned; a longer line is cut to a window around the match, marked with `…`. @default 500 */
export const SEARCH_MAX_LINE_CHARS = 500;

export interface SearchToolOptions {
  maxLimit: number;
  maxFileBytes: number;
  maxLineChars: number;
}

interface Matcher {
  /** 0-based index of the first match in `line`, or -1. */
  find(line: string): number;
  /** Cheap whole-file test on raw bytes; false means the file certainly has no match. */
  mayMatch(bytes: Buffer): boolean;
}

const CR = 0x0d;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compileMatcher(args: SearchArgs): Matcher {
  const caseSensitive = args.caseSensitive ?? true;
  if (args.literal && caseSensitive) {
    const needle = args.pattern;
    const bytes = Buffer.from(needle, "utf8");
    return { find: (line) => line.indexOf(needle), mayMatch: (buf) => buf.includes(bytes) };
  }
  const source = args.literal ? escapeRegExp(args.pattern) : args.pattern;
  const context = { tool: "search", pattern: args.pattern };
  const { regex, unicode } = compileLinearRegex(source, { ignoreCase: !caseSensitive }, context);
  // The same expression with `m`, run once over a file's raw bytes (RE2 reads UTF-8 buffers without decoding them)
  // before its lines are split. That can only over-report compared with per-line matching (a match may span lines),
  // so a file it rejects has no matching line — except that `$` would not match before the `\r` of a CRLF line,
  // which per-line matching strips: patterns with `$` are prefiltered only in files without a `\r`. Only
  // expressions that parse in `u` mode are prefiltered (legacy-mode escapes may read differently in RE2).
  const whole = unicode ? compileLinearRegex(source, { ignoreCase: !caseSensitive, multiline: true }, context).regex : undefined;
  const dollar = source.includes("$");
  return {
    find: (line) => line.search(regex),
    mayMatch: whole ? (bytes) => (dollar && bytes.includes(CR)) || whole.test(bytes) : () => true,
  };
}

/** Cut a long line to a window that shows the match. */
function clip(line: string, index: number, max: number): string {
  if (line.length <= max) return line;
  const start = Math.max(0, Math.min(index - Math.floor(max / 5), line.length - max));
  const end = start + max;
  return `${start > 0 ? "…" : ""}${line.slice(start, end)}${end < line.length ? "…" : ""}`;
}

function matchLines(rel: string, text: string, matcher: Matcher, maxLineChars: number, limit: number): SearchMatch[] {
  const out: SearchMatch[] = [];
  let lineNo = 0;
  let from = 0;
  while (from <= text.length && out.length < limit) {
    let nl = text.indexOf("\n", from);
    if (nl === -1) nl = text.length;
    if (nl === text.length && from === text.length && from > 0) break; // no line after a final newline
    lineNo++;
    let line = text.slice(from, nl);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const index = matcher.find(line);
    if (index !== -1) out.push({ path: rel, line: lineNo, column: index + 1, text: clip(line, index, maxLineChars) });
    from = nl + 1;
  }
  return out;
}

/** Most source files fit in one read of this size, which then needs no fstat and no allocation. */
const SCRATCH_BYTES = 64 * 1024;

function searchFile(
  abs: string,
  rel: string,
  matcher: Matcher,
  opts: SearchToolOptions,
  limit: number,
  scratch?: Buffer,
): SearchMatch[] {
  let loaded;
  try {
    loaded = loadFileSync(abs, opts.maxFileBytes, scratch);
  } catch {
    return []; // vanished, unreadable, or swapped for a symlink since the walk saw it
  }
  if (loaded.kind !== "ok" || !matcher.mayMatch(loaded.bytes) || hasNulByte(loaded.bytes)) return [];
  const text = decodeUtf8(loaded.bytes);
  if (text === null || text === "") return [];
  return matchLines(rel, text, matcher, opts.maxLineChars, limit);
}

/** Yields [abs, rel] of each file to search under `start`, in tree order. */
async function* filesUnder(
  workspaceRoot: string,
  start: ResolvedPath,
  include: ((rel: string) => boolean) | undefined,
  signal: AbortSignal,
): AsyncGenerator<[string, string]> {
  const prefix = start.rel === "." ? 0 : start.rel.length + 1;
  for await (const entry of walk({ workspaceRoot, start, signal, tool: "search" })) {
    if (entry.type !== "file" && entry.type !== "symlink") continue;
    if (include && !include(entry.rel.slice(prefix))) continue;
    if (entry.type === "file") {
      yield [entry.abs, entry.rel];
      continue;
    }
    // Symlinked files are searched only when they lead inside the workspace; linked directories are not entered.
    const target = await followLinkInWorkspace(workspaceRoot, entry.rel);
    if (target?.type === "file") yield [target.abs, entry.rel];
  }
}

export function createSearchTool(options: Partial<SearchToolOptions> = {}): ToolDefinition<SearchArgs, SearchMatch[]> {
  const opts: SearchToolOptions = {
    maxLimit: options.maxLimit ?? SEARCH_MAX_LIMIT,
    maxFileBytes: options.maxFileBytes ?? SEARCH_MAX_FILE_BYTES,
    maxLineChars: options.maxLineChars ?? SEARCH_MAX_LINE_CHARS,
  };
  return {
    ...searchSpec,
    async handler(args, ctx) {
      const matcher = compileMatcher(args);
      let include: ((rel: string) => boolean) | undefined;
      if (args.include !== undefined) {
        // Like ripgrep's --glob: a pattern without `/` matches the base name at any depth. Matched in RE2.
        const match = compileGlob(args.include, { dot: true, tool: "search", argument: "include" });
        include = args.include.includes("/") ? match : (rel) => match(rel.slice(rel.lastIndexOf("/") + 1));
      }
      const limit = Math.min(args.limit ?? SEARCH_DEFAULT_LIMIT, opts.maxLimit);
      const start = resolveInWorkspace(ctx.workspaceRoot, args.path ?? ".");
      const info = await stat(start.abs).catch(() => undefined);
      if (!info) throw new ToolError(`search: \`${start.rel}\` not found`, { tool: "search", path: start.rel });
      if (info.isFile()) return searchFile(start.abs, start.rel, matcher, opts, limit);
      if (!info.isDirectory()) {
        throw new ToolError(`search: \`${start.rel}\` is not a file or directory`, { tool: "search", path: start.rel });
      }

      // Files are read one at a time with synchronous calls in short slices (see time-slice.ts): on page-cached
      // trees that is several times faster than the thread pool, and results come out in walk order for free.
      const results: SearchMatch[] = [];
      const slicer = new TimeSlicer(ctx.signal, "search");
      const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
      for await (const [abs, rel] of filesUnder(ctx.workspaceRoot, start, include, ctx.signal)) {
        for (const m of searchFile(abs, rel, matcher, opts, limit - results.length, scratch)) results.push(m);
        if (results.length >= limit) break;
        await slicer.tick();
      }
      throwIfAborted(ctx.signal, "search");
      return results;
    },
  };
}

export const searchTool = createSearchTool();
