/**
 * listDir: a directory's entries down to `depth`, breadth-first so a limit keeps the shallow overview, then
 * returned in tree order (each directory followed by its contents, names sorted). Skips `.git` and whatever
 * `.gitignore` files ignore; symlinks are listed, never followed.
 */
import { lstatSync } from "node:fs";
import { stat } from "node:fs/promises";
import { ToolError } from "../../errors/index.js";
import { walk, type WalkEntry, type WalkEntryType } from "../fs-walk.js";
import { listDirSpec } from "../schemas.js";
import { TimeSlicer } from "../time-slice.js";
import type { ToolDefinition } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";

export interface ListDirArgs {
  path: string;
  depth?: number;
  limit?: number;
}

export interface DirEntry {
  path: string;
  type: WalkEntryType;
  size: number;
}

export interface ListDirResult {
  entries: DirEntry[];
  truncated: boolean;
}

/** Levels listed when the call gives no depth (1 = direct children). @default 1 */
const LIST_DIR_DEFAULT_DEPTH = 1;
/** Entries returned when the call gives no limit. @default 1000 */
export const LIST_DIR_DEFAULT_LIMIT = 1_000;
/** Most entries one call returns, whatever limit it asks for. @default 10000 */
const LIST_DIR_MAX_ENTRIES = 10_000;

export interface ListDirToolOptions {
  maxEntries: number;
}

/** Tree order: comparing with `/` below every other character puts a directory's contents right after it. */
function treeKey(rel: string): string {
  return rel.replaceAll("/", "\u0000");
}

function sizeOf(entry: WalkEntry): number {
  if (entry.type !== "file") return 0;
  try {
    return lstatSync(entry.abs).size;
  } catch {
    return 0; // removed since it was listed
  }
}

export function createListDirTool(options: Partial<ListDirToolOptions> = {}): ToolDefinition<ListDirArgs, ListDirResult> {
  const maxEntries = options.maxEntries ?? LIST_DIR_MAX_ENTRIES;
  return {
    ...listDirSpec,
    async handler(args, ctx) {
      const start = resolveInWorkspace(ctx.workspaceRoot, args.path);
      const info = await stat(start.abs).catch(() => undefined);
      if (!info) throw new ToolError(`listDir: \`${start.rel}\` not found`, { tool: "listDir", path: start.rel });
      if (!info.isDirectory()) {
        throw new ToolError(`listDir: \`${start.rel}\` is not a directory`, { tool: "listDir", path: start.rel });
      }
      const limit = Math.min(args.limit ?? LIST_DIR_DEFAULT_LIMIT, maxEntries);
      const found: WalkEntry[] = [];
      let truncated = false;
      const walker = walk({
        workspaceRoot: ctx.workspaceRoot,
        start,
        maxDepth: args.depth ?? LIST_DIR_DEFAULT_DEPTH,
        order: "breadth-first",
        signal: ctx.signal,
        tool: "listDir",
      });
      for await (const entry of walker) {
        if (found.length === limit) {
          truncated = true;
          break;
        }
        found.push(entry);
      }
      const keyed = found.map((entry) => ({ entry, key: treeKey(entry.rel) }));
      keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      // Sizes by synchronous lstat in time slices (see time-slice.ts).
      const slicer = new TimeSlicer(ctx.signal, "listDir");
      const entries: DirEntry[] = [];
      for (const { entry } of keyed) {
        entries.push({ path: entry.rel, type: entry.type, size: sizeOf(entry) });
        await slicer.tick();
      }
      return { entries, truncated };
    },
  };
}

export const listDirTool = createListDirTool();
