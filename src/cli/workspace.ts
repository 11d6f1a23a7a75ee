/**
 * Which directory is the workspace. Like git finds its repository: walk up from the shell's directory to the nearest
 * directory holding `cody.json`, `.cody/` or `.git`; `--cwd DIR` names it directly. File arguments are a separate
 * matter: they always resolve against the shell's directory, as in every other CLI.
 */
import { existsSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../errors/index.js";

/** Entries that mark a workspace root, checked in each directory on the way up (the nearest directory wins). */
const WORKSPACE_MARKERS: readonly string[] = ["cody.json", ".cody", ".git"];

/**
 * The nearest directory at or above `start` holding a marker; `start` itself when none does. The walk stops below the
 * home directory and the temp directory: a `~/.cody` or `/tmp/.git` is state or an accident, not the project of every
 * folder beneath it (they still count when the shell is in that very directory).
 */
function findWorkspaceRoot(start: string): string {
  const from = path.resolve(start);
  const stops = new Set([os.homedir(), os.tmpdir()].map((d) => path.resolve(d)));
  let dir = from;
  for (;;) {
    if (dir !== from && stops.has(dir)) return from;
    if (WORKSPACE_MARKERS.some((m) => existsSync(path.join(dir, m)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

/** `--cwd` when given (it must be a directory), else the discovered root above the shell's directory. */
export function resolveWorkspace(cwdFlag: string | undefined): string {
  if (cwdFlag === undefined) return findWorkspaceRoot(process.cwd());
  const dir = path.resolve(cwdFlag);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UsageError(`--cwd \`${cwdFlag}\` is not a directory`, { cwd: dir });
  return dir;
}

/** A file argument as the shell means it (relative to the shell's directory), absolute. */
export function resolveFileArg(file: string): string {
  return path.resolve(process.cwd(), file);
}

/**
 * How a file is named in diagnostics, stacks and the cache key: relative to the workspace root with `/` separators,
 * so the same script has the same name (and hash) whichever directory it is run from; absolute when outside it.
 */
export function workspaceDisplayName(absolute: string, root: string): string {
  const rel = path.relative(root, absolute);
  const shown = rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? absolute : rel;
  return shown.split(path.sep).join("/");
}
