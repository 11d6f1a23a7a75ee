/**
 * Apply a Codex apply_patch envelope to a workspace, all or nothing: parse, then resolve, read and locate every
 * hunk of every file in memory, and only when all of that succeeded write the result (atomically per file, with
 * rollback if a write fails midway).
 */
import { AbortedError } from "../../errors/index.js";
import { commitPlan } from "./commit.js";
import { nodePatchIo, type PatchIo } from "./io.js";
import { parsePatch } from "./parser.js";
import { checkUnchanged } from "./disk-state.js";
import { planPatch } from "./plan.js";
import type { ApplyPatchResult } from "./types.js";

export interface ApplyPatchOptions {
  /** Checked before reading and again before writing; once writing has started it runs to the end. */
  signal?: AbortSignal;
  /** Filesystem operations for the write phase (tests inject failures here). @default node:fs */
  io?: PatchIo;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError("applyPatch was aborted before writing anything", { tool: "applyPatch" });
}

/**
 * Apply `patch` inside `workspaceRoot` (an absolute real path, see `realWorkspaceRoot`).
 * Throws PatchError (malformed patch, a hunk that does not match, a file in the wrong state, a failed write),
 * PathOutsideWorkspaceError (a path escaping the workspace) or AbortedError; in every case nothing was changed.
 */
export async function applyPatch(
  workspaceRoot: string,
  patch: string,
  options: ApplyPatchOptions = {},
): Promise<ApplyPatchResult> {
  const parsed = parsePatch(patch);
  return serialize(workspaceRoot, async () => {
    checkAborted(options.signal);
    const plan = await planPatch(workspaceRoot, parsed, options.signal);
    checkAborted(options.signal);
    await checkUnchanged(plan.paths);
    await commitPlan(plan.paths, options.io ?? nodePatchIo);
    return plan.result;
  });
}

/** Tail of the queue of patches per workspace root. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Run patches on one workspace one at a time, so two concurrent calls (a script's `Promise.all`) never both read
 * the same original and the second silently overwrite the first.
 */
async function serialize<T>(root: string, run: () => Promise<T>): Promise<T> {
  const previous = queues.get(root) ?? Promise.resolve();
  const current = previous.then(run, run);
  const tail = current.catch(() => undefined);
  queues.set(root, tail);
  try {
    return await current;
  } finally {
    if (queues.get(root) === tail) queues.delete(root);
  }
}
