/**
 * Locate a block of lines in a file, following openai/codex `codex-rs/apply-patch/src/seek_sequence.rs`: four passes
 * of decreasing strictness — exact, ignoring trailing whitespace, ignoring surrounding whitespace, and finally after
 * folding typographic dashes, quotes and spaces to ASCII. Each pass scans every candidate position before the next,
 * looser pass starts, so an exact match anywhere wins over a fuzzy match earlier in the file.
 */
import { normalisePunctuation, rustTrim, rustTrimEnd } from "./text.js";

/** How a match was found, strictest first. */
export type MatchPass = "exact" | "trim-end" | "trim" | "unicode";

const PASSES: readonly [MatchPass, (s: string) => string][] = [
  ["exact", (s) => s],
  ["trim-end", rustTrimEnd],
  ["trim", rustTrim],
  ["unicode", normalisePunctuation],
];

export interface SeekMatch {
  index: number;
  pass: MatchPass;
}

/**
 * Find `pattern` in `lines` at or after `start`. With `eof`, only the position that ends at the last line is tried
 * (Codex searches from `lines.length - pattern.length`). An empty pattern matches at `start`.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  eof: boolean,
): SeekMatch | undefined {
  if (pattern.length === 0) return { index: start, pass: "exact" };
  if (pattern.length > lines.length) return undefined;
  const last = lines.length - pattern.length;
  const from = eof ? last : start;
  if (from > last) return undefined;
  for (const [pass, fold] of PASSES) {
    // Fold only the window that can match, once per pass.
    const hay = lines.slice(from).map(fold);
    const needle = pattern.map(fold);
    for (let i = 0; i + needle.length <= hay.length; i++) {
      let ok = true;
      for (let k = 0; k < needle.length; k++) {
        if (hay[i + k] !== needle[k]) {
          ok = false;
          break;
        }
      }
      if (ok) return { index: from + i, pass };
    }
  }
  return undefined;
}
