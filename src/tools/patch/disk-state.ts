/**
 * What a touched path looked like on disk before the patch — enough to roll it back — and the check, just before
 * writing, that it still looks that way.
 */
import type { Stats } from "node:fs";
import { lstat, readFile, readlink } from "node:fs/promises";
import { changedOnDisk } from "./errors.js";

/** What was on disk before the patch, enough to put it back. */
export type Original =
  | { kind: "missing" }
  | { kind: "file"; bytes: Buffer; mode: number; atimeMs: number; mtimeMs: number; ino: number }
  | { kind: "symlink"; target: string }
  | { kind: "dir" }
  | { kind: "other" };

/** The parts of a planned path this module needs. */
interface Touched {
  abs: string;
  rel: string;
  original: Original;
  line: number;
}

async function lstatOrMissing(abs: string): Promise<Stats | undefined> {
  try {
    return await lstat(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file (perhaps one this patch deletes); the path itself does not exist.
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Read the state of `abs` without following a final symlink. */
export async function readOriginal(abs: string): Promise<Original> {
  const st = await lstatOrMissing(abs);
  if (st === undefined) return { kind: "missing" };
  if (st.isFile()) {
    const bytes = await readFile(abs);
    return { kind: "file", bytes, mode: st.mode & 0o7777, atimeMs: st.atimeMs, mtimeMs: st.mtimeMs, ino: st.ino };
  }
  if (st.isDirectory()) return { kind: "dir" };
  if (st.isSymbolicLink()) return { kind: "symlink", target: await readlink(abs) };
  return { kind: "other" };
}

/** Is `p` still as it was read? Compared by kind, inode, size and mtime (and link target). */
async function unchanged(p: Touched): Promise<boolean> {
  const now = await lstatOrMissing(p.abs);
  const o = p.original;
  if (now === undefined) return o.kind === "missing";
  if (o.kind === "file") {
    return now.isFile() && now.ino === o.ino && now.size === o.bytes.length && now.mtimeMs === o.mtimeMs;
  }
  if (o.kind === "symlink") return now.isSymbolicLink() && (await readlink(p.abs)) === o.target;
  if (o.kind === "dir") return now.isDirectory();
  return o.kind === "other";
}

/**
 * Refuse to write if any touched path changed on disk since it was read (another process, or a concurrent patch
 * outside this process), so its change is not silently overwritten.
 */
export async function checkUnchanged(paths: readonly Touched[]): Promise<void> {
  for (const p of paths) {
    if (!(await unchanged(p))) throw changedOnDisk(p.rel, p.line);
  }
}
