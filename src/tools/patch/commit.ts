/**
 * Write a computed plan to disk: removals first (so a deleted file can make room for a directory), then atomic
 * writes. If any operation fails, everything already done is undone from the originals kept in memory — files
 * rewritten with their old bytes, mode and timestamps, removed files and links recreated, new files and the
 * directories created for them removed — and a PatchError says whether the rollback was complete.
 */
import path from "node:path";
import { writeFailed } from "./errors.js";
import type { PatchIo } from "./io.js";
import type { PlannedPath } from "./plan.js";

const encoder = new TextEncoder();

interface Step {
  planned: PlannedPath;
  bytes: Uint8Array | null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The operations a plan needs; unchanged files are skipped so their mtime stays put. */
function stepsOf(paths: readonly PlannedPath[]): { removals: Step[]; writes: Step[] } {
  const removals: Step[] = [];
  const writes: Step[] = [];
  for (const p of paths) {
    if (p.final === null) {
      if (p.original.kind !== "missing") removals.push({ planned: p, bytes: null });
      continue;
    }
    const bytes = encoder.encode(p.final);
    if (p.original.kind === "file" && sameBytes(p.original.bytes, bytes)) continue;
    writes.push({ planned: p, bytes });
  }
  return { removals, writes };
}

async function restore(io: PatchIo, p: PlannedPath): Promise<void> {
  const o = p.original;
  switch (o.kind) {
    case "file":
      await io.writeFileAtomic(p.abs, o.bytes, o.mode);
      await io.utimes(p.abs, o.atimeMs, o.mtimeMs);
      return;
    case "symlink":
      await io.symlink(o.target, p.abs);
      return;
    case "missing":
      try {
        await io.unlink(p.abs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      return;
    default:
      // Directories and special files are never removed or written by a plan.
      return;
  }
}

async function restoreAll(io: PatchIo, done: readonly PlannedPath[], unrestored: string[]): Promise<void> {
  for (const p of [...done].reverse()) {
    try {
      await restore(io, p);
    } catch {
      unrestored.push(p.rel);
    }
  }
}

/** Remove the directories created for `attempted` writes, deepest first; a non-empty one is left alone. */
async function removeCreatedDirs(io: PatchIo, attempted: readonly PlannedPath[], createdDirs: readonly string[]) {
  const dirs = new Set<string>();
  for (const top of createdDirs) {
    for (const p of attempted) {
      for (let d = path.dirname(p.abs); d === top || d.startsWith(top + path.sep); d = path.dirname(d)) dirs.add(d);
    }
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      await io.rmdir(d);
    } catch {
      // Not empty (something else wrote there) or already gone: leave it.
    }
  }
}

/** Apply the plan's final state to disk, all or nothing. */
export async function commitPlan(paths: readonly PlannedPath[], io: PatchIo): Promise<void> {
  const { removals, writes } = stepsOf(paths);
  const removed: PlannedPath[] = [];
  const written: PlannedPath[] = [];
  const createdDirs: string[] = [];
  let current: PlannedPath | undefined;
  try {
    for (const step of removals) {
      current = step.planned;
      await io.unlink(step.planned.abs);
      removed.push(step.planned);
    }
    for (const step of writes) {
      current = step.planned;
      const made = await io.mkdirp(path.dirname(step.planned.abs));
      if (made !== undefined) createdDirs.push(made);
      const mode = step.planned.original.kind === "file" ? step.planned.original.mode : undefined;
      await io.writeFileAtomic(step.planned.abs, step.bytes ?? new Uint8Array(), mode);
      written.push(step.planned);
    }
  } catch (error) {
    // Undo in reverse: writes, then the directories made for them (a removed file may need its name back), then
    // removals.
    const unrestored: string[] = [];
    await restoreAll(io, written, unrestored);
    await removeCreatedDirs(io, current === undefined ? written : [...written, current], createdDirs);
    await restoreAll(io, removed, unrestored);
    throw writeFailed(current?.rel ?? "?", error, unrestored);
  }
}
