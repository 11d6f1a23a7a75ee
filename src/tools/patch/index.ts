/** Public surface of the apply_patch engine (Codex format). */
export { applyPatch } from "./apply.js";
export { parsePatch } from "./parser.js";
export { seekSequence } from "./seek.js";
export { nodePatchIo } from "./io.js";
export type { ApplyPatchOptions } from "./apply.js";
export type { PatchIo } from "./io.js";
export type { MatchPass, SeekMatch } from "./seek.js";
export type { PatchFailureReason } from "./errors.js";
export type {
  ApplyPatchResult,
  ParsedPatch,
  PatchSection,
  AddSection,
  DeleteSection,
  UpdateSection,
  Hunk,
} from "./types.js";
