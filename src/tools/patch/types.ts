/** The parsed shape of a Codex apply_patch envelope and the result of applying it. */

/** One `@@` block of an `*** Update File:` section. Lines are stored without their ` `/`-`/`+` prefix. */
export interface Hunk {
  /** The text after `@@ `, used to move the cursor to that line first; undefined for a bare `@@`. */
  context: string | undefined;
  /** The header as written (`@@`, `@@ fn main()`), or `""` when the first hunk omitted it. */
  header: string;
  /** Lines that must be found in the file (context and removed lines, in order). */
  oldLines: string[];
  /** Lines that replace them (context and added lines, in order). */
  newLines: string[];
  /**
   * For each of `newLines`, the index in `oldLines` of the context line it repeats, or -1 for an added line: an
   * unchanged line keeps its own line ending when the hunk is applied.
   */
  newFromOld: number[];
  /** `*** End of File` closed the hunk: `oldLines` must be the last lines of the file. */
  isEndOfFile: boolean;
  /** 1-based line in the patch text where the hunk starts. */
  line: number;
}

export interface AddSection {
  kind: "add";
  path: string;
  /** Full file contents; every `+` line followed by `\n`. */
  contents: string;
  line: number;
}

export interface DeleteSection {
  kind: "delete";
  path: string;
  line: number;
}

export interface UpdateSection {
  kind: "update";
  path: string;
  /** `*** Move to:` destination, if any. */
  movePath: string | undefined;
  hunks: Hunk[];
  line: number;
}

/** One `*** Add File` / `*** Delete File` / `*** Update File` section, with the patch line of its header. */
export type PatchSection = AddSection | DeleteSection | UpdateSection;

export interface ParsedPatch {
  sections: PatchSection[];
}

/** What `applyPatch` reports, with workspace-relative `/`-separated paths. */
export interface ApplyPatchResult {
  /** Files created by `*** Add File`. */
  added: string[];
  /** Files changed in place by `*** Update File` without `*** Move to`. */
  modified: string[];
  /** Files removed by `*** Delete File`. */
  deleted: string[];
  /** Files renamed by `*** Update File` + `*** Move to` (with or without content changes). */
  moved: { from: string; to: string }[];
}
