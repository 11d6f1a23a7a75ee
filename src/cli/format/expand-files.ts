/**
 * Turn command-line file arguments into file paths without a shell: plain paths pass through unchanged (so a missing
 * file is reported as missing), glob patterns are matched with picomatch over a walk of the pattern's base directory.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";
import { UsageError } from "../../errors/index.js";
import { workspaceDisplayName } from "../workspace.js";

/** Directories never descended into when expanding a glob. */
const SKIP_DIRS = new Set(["node_modules", ".git"]);

/** One input file: its absolute path and the name shown in diagnostics (relative to the workspace, `/` separators). */
export interface InputFile {
  absolute: string;
  display: string;
}

/**
 * Expand `args` relative to `base` (the shell's directory, as every CLI does) and name them relative to the workspace
 * `root`; duplicates are dropped, order follows the arguments (globs sorted).
 */
export async function expandFileArgs(args: readonly string[], root: string, base: string = process.cwd()): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const seen = new Set<string>();
  const add = (absolute: string): void => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    out.push({ absolute, display: workspaceDisplayName(absolute, root) });
  };
  for (const arg of args) {
    const scan = picomatch.scan(arg.split(path.sep).join("/"));
    if (!scan.isGlob) {
      add(path.resolve(base, arg));
      continue;
    }
    const dir = path.resolve(base, scan.base || ".");
    const isMatch = picomatch(scan.glob, { dot: false });
    const matches = (await walk(dir)).filter((rel) => isMatch(rel)).sort();
    if (matches.length === 0) throw new UsageError(`No files match \`${arg}\``, { pattern: arg, cwd: base });
    for (const rel of matches) add(path.join(dir, rel));
  }
  return out;
}

async function walk(root: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a missing base directory simply matches nothing
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await visit(path.join(dir, e.name), childRel);
      } else if (e.isFile()) {
        files.push(childRel);
      }
    }
  };
  await visit(root, "");
  return files;
}
