/**
 * The directory walker behind listDir, glob and search: deterministic (names sorted by code unit), skips `.git`,
 * honours `.gitignore` files at every level (a deeper file's rules win, as in git), never descends through a
 * symlink, and stops promptly when its signal aborts or its consumer stops iterating.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Ignore } from "ignore";
import { CodyError } from "../errors/index.js";
import { throwIfAborted } from "./abort.js";
import { loadIgnore } from "./lazy-packages.js";
import { TimeSlicer } from "./time-slice.js";
import { resolveInWorkspace, STATE_DIR_NAME, type ResolvedPath } from "./workspace.js";

export type WalkEntryType = "file" | "dir" | "symlink" | "other";

export interface WalkEntry {
  /** Absolute path. */
  abs: string;
  /** Path relative to the workspace root, `/`-separated. */
  rel: string;
  name: string;
  /** The entry itself (a symlink is reported as `symlink`, never followed). */
  type: WalkEntryType;
  /** 1 for the start directory's direct children. */
  depth: number;
}

export interface WalkOptions {
  /** Real absolute path of the workspace root. */
  workspaceRoot: string;
  /** The directory to walk (already confined; see resolveInWorkspace). */
  start: ResolvedPath;
  /** Deepest level yielded (1 = direct children only). @default Infinity */
  maxDepth?: number;
  /** `depth-first` yields a sorted tree (pre-order); `breadth-first` yields shallow entries first. */
  order?: "depth-first" | "breadth-first";
  signal?: AbortSignal;
  /** Tool name for the AbortedError. @default "walk" */
  tool?: string;
}

/** A `.gitignore` larger than this is not read (no real one comes close). */
export const MAX_GITIGNORE_BYTES = 1024 * 1024;

/** Names never listed or entered: git's own folder, and the harness's state folder (see STATE_DIR_NAME). */
const ALWAYS_SKIPPED = new Set([".git", STATE_DIR_NAME]);

interface IgnoreLayer {
  /** Directory of the `.gitignore`, relative to the workspace root (`.` for the root). */
  dirRel: string;
  rules: Ignore;
}

/** Gitignore rules in force for one directory: its ancestors' files, outermost first. */
type IgnoreStack = readonly IgnoreLayer[];

/** Whether `rel` (relative to the workspace root) is ignored: the deepest layer with an opinion decides. */
function isIgnored(stack: IgnoreStack, rel: string, isDir: boolean): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const layer = stack[i]!;
    const local = layer.dirRel === "." ? rel : rel.slice(layer.dirRel.length + 1);
    if (local === "") continue;
    let result: { ignored: boolean; unignored: boolean };
    try {
      result = layer.rules.test(isDir ? `${local}/` : local);
    } catch {
      continue; // `ignore` rejects a few legal names it mistakes for non-relative paths; no rule can match them
    }
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

function loadGitignore(dirAbs: string, dirRel: string): IgnoreLayer | undefined {
  try {
    const file = path.join(dirAbs, ".gitignore");
    const info = statSync(file);
    if (!info.isFile() || info.size > MAX_GITIGNORE_BYTES) return undefined;
    // git matches case-sensitively unless core.ignorecase is set (it is not on Linux).
    return { dirRel, rules: loadIgnore()({ ignorecase: false }).add(readFileSync(file, "utf8")) };
  } catch {
    return undefined;
  }
}

function joinRel(dirRel: string, name: string): string {
  return dirRel === "." ? name : `${dirRel}/${name}`;
}

function typeOf(dirent: Dirent): WalkEntryType {
  if (dirent.isFile()) return "file";
  if (dirent.isDirectory()) return "dir";
  if (dirent.isSymbolicLink()) return "symlink";
  return "other";
}


/**
 * The rules in force for the start directory: `.gitignore` files from the workspace root down to its parent.
 * When those rules ignore the start directory itself the caller asked for it explicitly, so they are dropped.
 */
function ancestorStack(workspaceRoot: string, startRel: string): IgnoreStack {
  if (startRel === ".") return [];
  const parts = startRel.split("/");
  const stack: IgnoreLayer[] = [];
  for (let i = 0; i < parts.length; i++) {
    const dirRel = i === 0 ? "." : parts.slice(0, i).join("/");
    const layer = loadGitignore(path.join(workspaceRoot, ...parts.slice(0, i)), dirRel);
    if (layer) stack.push(layer);
  }
  return isIgnored(stack, startRel, true) ? [] : stack;
}

interface DirLevel {
  entries: WalkEntry[];
  /** Rules for the entries' children (this directory's `.gitignore` on top). */
  stack: IgnoreStack;
}

function readLevel(dirAbs: string, dirRel: string, depth: number, inherited: IgnoreStack): DirLevel {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dirAbs, { withFileTypes: true });
  } catch {
    // A directory that vanished or cannot be read is skipped rather than failing the whole walk.
    return { entries: [], stack: inherited };
  }
  const hasGitignore = dirents.some((d) => d.name === ".gitignore" && d.isFile());
  const own = hasGitignore ? loadGitignore(dirAbs, dirRel) : undefined;
  const stack = own ? [...inherited, own] : inherited;
  const entries: WalkEntry[] = [];
  for (const dirent of dirents) {
    if (ALWAYS_SKIPPED.has(dirent.name)) continue;
    const type = typeOf(dirent);
    const rel = joinRel(dirRel, dirent.name);
    if (isIgnored(stack, rel, type === "dir")) continue;
    entries.push({ abs: path.join(dirAbs, dirent.name), rel, name: dirent.name, type, depth });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, stack };
}

/** Walk a directory lazily; see WalkOptions. Entries of ignored directories are never read. */
export async function* walk(options: WalkOptions): AsyncGenerator<WalkEntry> {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const signal = options.signal;
  const tool = options.tool ?? "walk";
  throwIfAborted(signal, tool);
  // Directory reads are synchronous, in time slices like the tools' per-file work (see time-slice.ts).
  const slicer = new TimeSlicer(signal, tool);
  const rootStack = ancestorStack(options.workspaceRoot, options.start.rel);
  if (options.order === "breadth-first") {
    type Pending = { abs: string; rel: string; depth: number; stack: IgnoreStack };
    let current: Pending[] = [{ abs: options.start.abs, rel: options.start.rel, depth: 1, stack: rootStack }];
    while (current.length > 0) {
      const next: Pending[] = [];
      for (const dir of current) {
        throwIfAborted(signal, tool);
        await slicer.tick();
        const level = readLevel(dir.abs, dir.rel, dir.depth, dir.stack);
        for (const entry of level.entries) {
          yield entry;
          if (entry.type === "dir" && entry.depth < maxDepth) {
            next.push({ abs: entry.abs, rel: entry.rel, depth: entry.depth + 1, stack: level.stack });
          }
        }
      }
      current = next;
    }
    return;
  }
  // Pre-order with an explicit stack: nested `yield*` would pass every entry through each level's generator.
  type Frame = { level: DirLevel; next: number };
  const first = readLevel(options.start.abs, options.start.rel, 1, rootStack);
  const frames: Frame[] = [{ level: first, next: 0 }];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const entry = frame.level.entries[frame.next++];
    if (entry === undefined) {
      frames.pop();
      continue;
    }
    yield entry;
    if (entry.type === "dir" && entry.depth < maxDepth) {
      throwIfAborted(signal, tool);
      await slicer.tick();
      frames.push({ level: readLevel(entry.abs, entry.rel, entry.depth + 1, frame.level.stack), next: 0 });
    }
  }
}

/**
 * Where a symlink met during a walk leads, if it stays inside the workspace: its real path and what it is.
 * Links pointing outside, dangling links and loops give undefined, so walks skip them silently.
 */
export async function followLinkInWorkspace(
  workspaceRoot: string,
  rel: string,
): Promise<{ abs: string; type: "file" | "dir" | "other" } | undefined> {
  let resolved: ResolvedPath;
  try {
    resolved = resolveInWorkspace(workspaceRoot, rel);
  } catch (error) {
    if (error instanceof CodyError) return undefined;
    throw error;
  }
  try {
    const info = await stat(resolved.abs);
    return { abs: resolved.abs, type: info.isFile() ? "file" : info.isDirectory() ? "dir" : "other" };
  } catch {
    return undefined;
  }
}
