/**
 * Turn the hunks of one Update File section into line replacements, following `compute_replacements` in
 * openai/codex `apply-patch/src/lib.rs`. Hunks are located in order: each search starts after the previous hunk; an
 * `@@ context` line first moves the cursor to just after that line; `*** End of File` hunks must match the file's
 * last lines. A hunk with no context or removed lines (pure addition) is appended at the end of the file, as Codex
 * does, whatever its `@@` header says.
 */
import { contextNotFound, linesNotFound, overlappingHunks, type HunkRef } from "./errors.js";
import type { TimeSlicer } from "../time-slice.js";
import { FoldedLines, seekSequence } from "./seek.js";
import type { Replacement } from "./source-file.js";
import type { Hunk } from "./types.js";

/**
 * Locate every hunk in `lines`; throws PatchError naming the first hunk that does not match. Each hunk's search is
 * linear in the file, so the whole is O(hunks × file): the slicer yields to the event loop between hunks (and
 * throws AbortedError once the call's signal aborts), so a patch of many hunks against a large file can neither
 * stall the host nor outlive its run.
 */
export async function computeReplacements(
  lines: readonly string[],
  path: string,
  hunks: readonly Hunk[],
  slicer?: TimeSlicer,
): Promise<Replacement[]> {
  const found: { replacement: Replacement; ref: HunkRef }[] = [];
  const folded = new FoldedLines(lines);
  let cursor = 0;
  for (const [i, hunk] of hunks.entries()) {
    await slicer?.tick();
    const ref: HunkRef = { path, hunk: i + 1, header: hunk.header, line: hunk.line };
    if (hunk.context !== undefined) {
      const at = seekSequence(lines, [hunk.context], cursor, false, folded);
      if (at === undefined) throw contextNotFound(ref, hunk.context);
      cursor = at.index + 1;
    }
    if (hunk.oldLines.length === 0) {
      // Before a final empty line if there is one (the file ended with a blank line).
      const at = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
      found.push({ replacement: [at, 0, hunk.newLines, hunk.newFromOld], ref });
      continue;
    }
    let pattern: readonly string[] = hunk.oldLines;
    let replacement: readonly string[] = hunk.newLines;
    let newFromOld: readonly number[] = hunk.newFromOld;
    let at = seekSequence(lines, pattern, cursor, hunk.isEndOfFile, folded);
    if (at === undefined && pattern[pattern.length - 1] === "") {
      // A trailing empty old line usually stands for the file's final newline, which is not a line of its own here.
      pattern = pattern.slice(0, -1);
      if (replacement[replacement.length - 1] === "") {
        replacement = replacement.slice(0, -1);
        newFromOld = newFromOld.slice(0, -1);
      }
      // A new line repeating the dropped old line has no line of the file to take its ending from.
      newFromOld = newFromOld.map((from) => (from >= pattern.length ? -1 : from));
      at = seekSequence(lines, pattern, cursor, hunk.isEndOfFile, folded);
    }
    if (at === undefined) throw linesNotFound(ref, hunk.oldLines, hunk.isEndOfFile);
    found.push({ replacement: [at.index, pattern.length, replacement, newFromOld], ref });
    cursor = at.index + pattern.length;
  }
  // Stable sort: hunks inserting at the same position keep patch order.
  found.sort((a, b) => a.replacement[0] - b.replacement[0]);
  for (let i = 1; i < found.length; i++) {
    const prev = found[i - 1];
    const cur = found[i];
    if (prev && cur && prev.replacement[0] + prev.replacement[1] > cur.replacement[0]) {
      throw overlappingHunks(cur.ref.hunk > prev.ref.hunk ? cur.ref : prev.ref);
    }
  }
  return found.map((f) => f.replacement);
}
