/**
 * glob: files matching a picomatch pattern relative to `cwd`, from the same gitignore-aware walk as listDir.
 * Only the pattern's static base is walked, and only as deep as the pattern can reach. Paths are matched in RE2
 * (see glob-match.ts), in time linear in the path.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import type picomatch from "picomatch";
import { ProtectedPathError, ToolArgumentError, ToolError } from "../../errors/index.js";
import { followLinkInWorkspace, walk } from "../fs-walk.js";
import { compileGlob } from "../glob-match.js";
import { loadPicomatch } from "../lazy-packages.js";
import { globSpec } from "../schemas.js";
import type { ToolDefinition } from "../types.js";
import { resolveInWorkspace, type ResolvedPath } from "../workspace.js";

export interface GlobArgs {
  pattern: string;
  cwd?: string;
}

export interface GlobResult {
  paths: string[];
  truncated: boolean;
}

/** Most paths one call returns. @default 10000 */
export const GLOB_MAX_RESULTS = 10_000;

export interface GlobToolOptions {
  maxResults: number;
}

function invalid(pattern: string, why: string): ToolArgumentError {
  return new ToolArgumentError(`glob: pattern \`${pattern}\` ${why}`, { tool: "glob", pattern });
}

/** The pattern's segments can only reach this deep unless it has a globstar. */
function reachableDepth(glob: string): number {
  if (glob.includes("**")) return Number.POSITIVE_INFINITY;
  return glob.split("/").filter((s) => s !== "").length;
}

function relTo(base: ResolvedPath, rel: string): string {
  return base.rel === "." ? rel : rel.slice(base.rel.length + 1);
}

export function createGlobTool(options: Partial<GlobToolOptions> = {}): ToolDefinition<GlobArgs, GlobResult> {
  const maxResults = options.maxResults ?? GLOB_MAX_RESULTS;
  return {
    ...globSpec,
    async handler(args, ctx) {
      const { pattern } = args;
      if (pattern.trim() === "") throw invalid(pattern, "is empty");
      if (pattern.startsWith("/")) throw invalid(pattern, "is absolute; patterns are relative to cwd");
      if (pattern.split("/").includes("..")) throw invalid(pattern, "contains `..`; set cwd instead");
      if (/^!(?!\()/.test(pattern)) throw invalid(pattern, "is negated; negated patterns are not supported");

      const cwd = resolveInWorkspace(ctx.workspaceRoot, args.cwd ?? ".");
      const cwdInfo = await stat(cwd.abs).catch(() => undefined);
      if (!cwdInfo?.isDirectory()) {
        throw new ToolError(`glob: cwd \`${cwd.rel}\` is not a directory`, { tool: "glob", cwd: cwd.rel });
      }
      const matcher = compileGlob(pattern, { dot: false, tool: "glob", argument: "pattern" });
      let scan: ReturnType<typeof picomatch.scan>;
      try {
        scan = loadPicomatch().scan(pattern);
      } catch (error) {
        throw invalid(pattern, `is invalid: ${error instanceof Error ? error.message : String(error)}`);
      }

      // Walk only from the static base ("src" in "src/**/*.ts"; the parent of a wildcard-free path), and only as
      // deep as the rest of the pattern reaches. A base that is missing or leaves the workspace matches nothing;
      // one inside the state folder is refused.
      const baseDir = scan.isGlob ? scan.base : path.posix.dirname(pattern);
      const rest = scan.isGlob ? scan.glob : path.posix.basename(pattern);
      let base = cwd;
      const normalizedBase = baseDir === "" ? "." : path.posix.normalize(baseDir);
      const lexicalBase = normalizedBase === "." ? "" : normalizedBase;
      if (lexicalBase !== "") {
        try {
          base = resolveInWorkspace(ctx.workspaceRoot, path.join(cwd.abs, baseDir));
        } catch (error) {
          // Naming the state folder outright is refused; a base that is missing or outside just matches nothing.
          if (error instanceof ProtectedPathError) throw error;
          return { paths: [], truncated: false };
        }
        if (!(await stat(base.abs).catch(() => undefined))?.isDirectory()) return { paths: [], truncated: false };
      }

      const paths: string[] = [];
      let truncated = false;
      const walker = walk({
        workspaceRoot: ctx.workspaceRoot,
        start: base,
        maxDepth: reachableDepth(rest),
        signal: ctx.signal,
        tool: "glob",
      });
      for await (const entry of walker) {
        if (entry.type === "dir" || entry.type === "other") continue;
        // Match the path as the pattern spells it: the base may be a symlink to a directory elsewhere inside.
        const below = relTo(base, entry.rel);
        if (!matcher(lexicalBase === "" ? below : `${lexicalBase}/${below}`)) continue;
        if (entry.type === "symlink") {
          // A link counts when it leads to a file inside the workspace.
          const target = await followLinkInWorkspace(ctx.workspaceRoot, entry.rel);
          if (target?.type !== "file") continue;
        }
        if (paths.length === maxResults) {
          truncated = true;
          break;
        }
        paths.push(entry.rel);
      }
      return { paths, truncated };
    },
  };
}

export const globTool = createGlobTool();
