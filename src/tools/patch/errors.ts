/**
 * Every way a patch can fail becomes a PatchError (code CODY_PATCH_FAILED) whose `details.reason` says which way,
 * so a model gets a message it can act on and a program gets stable fields.
 */
import { PatchError } from "../../errors/index.js";

/** `details.reason` values of the PatchErrors this module throws. */
export type PatchFailureReason =
  | "syntax"
  | "empty"
  | "context-not-found"
  | "lines-not-found"
  | "overlapping-hunks"
  | "file-exists"
  | "file-missing"
  | "not-a-file"
  | "not-utf8"
  | "parent-not-directory"
  | "changed-on-disk"
  | "write-failed";

/** Malformed patch text: names the patch line (1-based, in the text as given) and what was expected there. */
export function syntaxError(line: number, expected: string, got?: string): PatchError {
  const gotText = got === undefined ? "" : `, got ${JSON.stringify(got)}`;
  return new PatchError(
    `Invalid patch at line ${line}: expected ${expected}${gotText}`,
    { reason: "syntax" satisfies PatchFailureReason, line, expected, ...(got === undefined ? {} : { got }) },
    { location: { line } },
  );
}

/** Where a hunk sits, for messages: `hunk 2 (\`@@ fn main()\`, patch line 14) of \`src/a.rs\``. */
export interface HunkRef {
  path: string;
  /** 1-based index of the hunk within its Update File section. */
  hunk: number;
  header: string;
  line: number;
}

function describe(ref: HunkRef): string {
  const header = ref.header === "" ? "without @@ header" : `\`${ref.header}\``;
  return `hunk ${ref.hunk} (${header}, patch line ${ref.line}) of \`${ref.path}\``;
}

function quoteLines(lines: readonly string[]): string {
  return lines.map((l) => `  | ${l}`).join("\n");
}

/** The `@@ context` line of a hunk was not found after the previous hunk. */
export function contextNotFound(ref: HunkRef, context: string): PatchError {
  return new PatchError(
    `Failed to apply ${describe(ref)}: context line not found after the previous hunk:\n${quoteLines([context])}\n` +
      "Nothing was changed.",
    { reason: "context-not-found" satisfies PatchFailureReason, ...ref, expected: [context] },
    { location: { file: ref.path, line: ref.line } },
  );
}

/** The context and removed lines of a hunk were not found. */
export function linesNotFound(ref: HunkRef, expected: readonly string[], endOfFile: boolean): PatchError {
  const where = endOfFile ? "at the end of the file" : "after the previous hunk";
  return new PatchError(
    `Failed to apply ${describe(ref)}: expected lines not found ${where}:\n${quoteLines(expected)}\nNothing was changed.`,
    { reason: "lines-not-found" satisfies PatchFailureReason, ...ref, expected: [...expected], endOfFile },
    { location: { file: ref.path, line: ref.line } },
  );
}

/** Two hunks of one section matched overlapping regions (possible only with `*** End of File`). */
export function overlappingHunks(ref: HunkRef): PatchError {
  return new PatchError(
    `Failed to apply ${describe(ref)}: it overlaps the region changed by an earlier hunk. Nothing was changed.`,
    { reason: "overlapping-hunks" satisfies PatchFailureReason, ...ref },
    { location: { file: ref.path, line: ref.line } },
  );
}

/** A file is not in the state a section needs (exists / missing / a directory / not UTF-8). */
export function fileStateError(
  reason: Extract<PatchFailureReason, "file-exists" | "file-missing" | "not-a-file" | "not-utf8" | "parent-not-directory">,
  path: string,
  message: string,
  line: number,
): PatchError {
  return new PatchError(`${message} (patch line ${line}). Nothing was changed.`, { reason, path, line }, {
    location: { file: path, line },
  });
}

/** A file changed on disk between reading it and writing the patch's result. */
export function changedOnDisk(path: string, line: number): PatchError {
  return new PatchError(
    `\`${path}\` changed on disk while the patch was being prepared; re-read it and retry. Nothing was changed.`,
    { reason: "changed-on-disk" satisfies PatchFailureReason, path, line },
    { location: { file: path, line } },
  );
}

/** The patch has no file sections (Codex: "No files were modified."). */
export function emptyPatch(line: number): PatchError {
  return new PatchError(
    "Patch contains no file sections: expected `*** Add File:`, `*** Delete File:` or `*** Update File:` " +
      "between `*** Begin Patch` and `*** End Patch`",
    { reason: "empty" satisfies PatchFailureReason, line },
    { location: { line } },
  );
}

/** Writing failed midway; `restored` says whether the rollback put every file back. */
export function writeFailed(path: string, cause: unknown, unrestored: readonly string[]): PatchError {
  const why = cause instanceof Error ? cause.message : String(cause);
  const rollback =
    unrestored.length === 0
      ? "Every change already made was rolled back."
      : `Rollback could not restore: ${unrestored.map((p) => `\`${p}\``).join(", ")}.`;
  return new PatchError(
    `Failed to write \`${path}\`: ${why}. ${rollback}`,
    { reason: "write-failed" satisfies PatchFailureReason, path, unrestored: [...unrestored] },
    { cause },
  );
}
