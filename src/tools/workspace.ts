/**
 * Workspace confinement: every path a tool touches is resolved against the workspace root, and anything that
 * escapes it — `..`, an absolute path elsewhere, or a symlink (at any level, dangling ones included) pointing
 * outside — is refused. So is anything inside a state folder (`.cody/`, see STATE_DIR_NAME), whatever the policy.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import { PathOutsideWorkspaceError, ProtectedPathError, ToolArgumentError } from "../errors/index.js";
import { STATE_DIR } from "../store/index.js";

export interface ResolvedPath {
  /** Absolute path (symlinks in existing parts resolved). */
  abs: string;
  /** Path relative to the workspace root, with `/` separators; `.` for the root itself. */
  rel: string;
}

/**
 * The harness's own state folder: the database (cache, audit log, conversations), the cache's HMAC key, generated
 * declarations and `config.json` live in `<workspace>/.cody/` by default. A script that could read the key or write
 * there could forge cache rows and approvals, so tools refuse every path inside a folder of this name, at any depth
 * (a nested project's state is no more a tool's business), and walks never enter one.
 */
export const STATE_DIR_NAME = STATE_DIR;

/** True when `rel` (workspace-relative, `/`-separated) is a state folder or lies inside one. */
function isInStateDir(rel: string): boolean {
  return rel.split("/").includes(STATE_DIR_NAME);
}

/** Symlinks followed while resolving one path before it is refused as a loop (Linux's own limit is 40). */
const MAX_SYMLINK_HOPS = 40;

/** The real (symlink-free) absolute path of a workspace root. */
export function realWorkspaceRoot(root: string): string {
  return realpathSync(path.resolve(root));
}

/** True when `candidate` is `root` or below it. A name like `..foo` is inside; only a `..` segment leaves. */
export function isInsideRoot(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  if (rel === "") return true;
  if (path.isAbsolute(rel)) return false;
  return rel !== ".." && !rel.startsWith(`..${path.sep}`);
}

/**
 * `candidate` relative to `root` with `/` separators ("" for the root itself) when it is `root` or below it, else
 * undefined. Both are absolute and normalized here (path.resolve, realpath, path.join): on POSIX a prefix test then
 * decides without `path.relative`, which resolves both paths again (resolveInWorkspace made four such calls per path).
 * A remainder with a `..` segment (impossible after normalizing) still goes through `isInsideRoot`.
 */
function relativeInside(root: string, candidate: string): string | undefined {
  if (path.sep === "/") {
    if (candidate === root) return "";
    const prefix = root.endsWith("/") ? root : `${root}/`;
    if (candidate.startsWith(prefix)) {
      const rest = candidate.slice(prefix.length);
      if (!DOT_DOT_SEGMENT.test(rest)) return rest;
    }
  }
  return isInsideRoot(root, candidate) ? path.relative(root, candidate).split(path.sep).join("/") : undefined;
}

const DOT_DOT_SEGMENT = /(^|\/)\.\.(\/|$)/;

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/**
 * Resolve the longest existing prefix through realpath so a symlinked directory cannot smuggle a path out.
 * A dangling symlink is followed by hand (realpath fails on it), so `link/new-file` where `link` points to a
 * missing directory outside is judged by where the link points, not by where it sits.
 */
function realpathOfExistingPrefix(abs: string, input: string, hops: number): string {
  let current = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      // The native realpath(3): one call into libc instead of Node's JS walk, which lstat()s and caches every component
      // from `/` down on each call (≈ 6–13 µs against 3–5 µs per path, measured); the result is the same real path.
      return path.join(realpathSync.native(current), ...rest);
    } catch (error) {
      if (errorCode(error) === "ELOOP") {
        throw new ToolArgumentError(`Path \`${input}\` has a symlink loop`, { path: input });
      }
      let isLink = false;
      try {
        isLink = lstatSync(current).isSymbolicLink();
      } catch {
        // Does not exist at all: try the parent.
      }
      if (isLink) {
        if (hops >= MAX_SYMLINK_HOPS) {
          throw new ToolArgumentError(`Path \`${input}\` has a symlink loop`, { path: input });
        }
        const target = path.resolve(path.dirname(current), readlinkSync(current));
        return realpathOfExistingPrefix(path.join(target, ...rest), input, hops + 1);
      }
      const parent = path.dirname(current);
      if (parent === current) return abs;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolve `input` inside `root` (which must already be a real path, see `realWorkspaceRoot`).
 * Throws PathOutsideWorkspaceError when the result, after following symlinks, lies outside the root, and
 * ProtectedPathError when it lies in a state folder (judged both as written and after following symlinks).
 */
export function resolveInWorkspace(root: string, input: string): ResolvedPath {
  if (typeof input !== "string" || input.length === 0 || input.includes("\0")) {
    throw new ToolArgumentError(`Invalid path ${JSON.stringify(input)}`, { path: String(input) });
  }
  const lexical = path.resolve(root, input);
  const written = relativeInside(root, lexical);
  if (written === undefined) {
    throw new PathOutsideWorkspaceError(`Path \`${input}\` is outside the workspace`, { path: input });
  }
  const real = realpathOfExistingPrefix(lexical, input, 0);
  const rel = relativeInside(root, real);
  if (rel === undefined) {
    throw new PathOutsideWorkspaceError(`Path \`${input}\` resolves through a symlink outside the workspace`, {
      path: input,
    });
  }
  if (isInStateDir(rel) || isInStateDir(written)) {
    throw new ProtectedPathError(`Path \`${input}\` is inside the workspace's state folder \`${STATE_DIR_NAME}/\`, which tools may not touch`, {
      path: input,
    });
  }
  return { abs: real, rel: rel === "" ? "." : rel };
}
