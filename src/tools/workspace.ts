/**
 * Workspace confinement: every path a tool touches is resolved against the workspace root, and anything that
 * escapes it — `..`, an absolute path elsewhere, or a symlink (at any level) pointing outside — is refused.
 */
import { realpathSync } from "node:fs";
import path from "node:path";
import { PathOutsideWorkspaceError, ToolArgumentError } from "../errors/index.js";

export interface ResolvedPath {
  /** Absolute path (symlinks in existing parts resolved). */
  abs: string;
  /** Path relative to the workspace root, with `/` separators; `.` for the root itself. */
  rel: string;
}

/** The real (symlink-free) absolute path of a workspace root. */
export function realWorkspaceRoot(root: string): string {
  return realpathSync(path.resolve(root));
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Resolve the longest existing prefix through realpath so a symlinked directory cannot smuggle a path out. */
function realpathOfExistingPrefix(abs: string): string {
  let current = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return abs;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolve `input` inside `root` (which must already be a real path, see `realWorkspaceRoot`).
 * Throws PathOutsideWorkspaceError when the result, after following symlinks, lies outside the root.
 */
export function resolveInWorkspace(root: string, input: string): ResolvedPath {
  if (typeof input !== "string" || input.length === 0 || input.includes("\0")) {
    throw new ToolArgumentError(`Invalid path ${JSON.stringify(input)}`, { path: String(input) });
  }
  const lexical = path.resolve(root, input);
  if (!isInside(root, lexical)) {
    throw new PathOutsideWorkspaceError(`Path \`${input}\` is outside the workspace`, { path: input });
  }
  const real = realpathOfExistingPrefix(lexical);
  if (!isInside(root, real)) {
    throw new PathOutsideWorkspaceError(`Path \`${input}\` resolves through a symlink outside the workspace`, {
      path: input,
    });
  }
  const rel = path.relative(root, real).split(path.sep).join("/");
  return { abs: real, rel: rel === "" ? "." : rel };
}
