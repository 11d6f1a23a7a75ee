/**
 * Locate a block of lines in a file, following openai/codex `codex-rs/apply-patch/src/seek_sequence.rs`: four passes
 * of decreasing strictness — exact, ignoring trailing whitespace, ignoring surrounding whitespace, and finally after
 * folding typographic dashes, quotes and spaces to ASCII. Each pass scans every candidate position before the next,
 * looser pass starts, so an exact match anywhere wins over a fuzzy match earlier in the file.
 *
 * Both the file and the patch come from scripts, so the cost is kept linear: each pass is a Knuth–Morris–Pratt scan
 * over lines (O(file + hunk) line comparisons, where trying every position costs O(file × hunk): a hunk of 20,000
 * lines of `a` ending in `b` against 200,000 lines of `a` was 4·10⁹ comparisons per pass), and a file's lines are
 * folded once per pass for all its hunks (see FoldedLines), not once per hunk.
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

/** A file's lines folded by each pass, computed on first use and shared by every hunk of one update. */
export class FoldedLines {
  readonly #lines: readonly string[];
  readonly #byPass = new Map<MatchPass, readonly string[]>();

  constructor(lines: readonly string[]) {
    this.#lines = lines;
  }

  get length(): number {
    return this.#lines.length;
  }

  get(pass: MatchPass, fold: (s: string) => string): readonly string[] {
    let folded = this.#byPass.get(pass);
    if (folded === undefined) {
      folded = pass === "exact" ? this.#lines : this.#lines.map(fold);
      this.#byPass.set(pass, folded);
    }
    return folded;
  }
}

/** KMP failure table: for each prefix of `needle`, the length of its longest proper prefix that is also a suffix. */
function failureTable(needle: readonly string[]): Int32Array {
  const table = new Int32Array(needle.length);
  let k = 0;
  for (let i = 1; i < needle.length; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = table[k - 1]!;
    if (needle[i] === needle[k]) k++;
    table[i] = k;
  }
  return table;
}

/** First index ≥ `from` where `needle` occurs in `hay`, or -1; linear in `hay.length - from + needle.length`. */
function indexOfSequence(hay: readonly string[], needle: readonly string[], from: number): number {
  const table = failureTable(needle);
  let k = 0;
  for (let i = from; i < hay.length; i++) {
    while (k > 0 && hay[i] !== needle[k]) k = table[k - 1]!;
    if (hay[i] === needle[k]) k++;
    if (k === needle.length) return i - needle.length + 1;
  }
  return -1;
}

/**
 * Find `pattern` in `lines` at or after `start`. With `eof`, only the position that ends at the last line is tried
 * (Codex searches from `lines.length - pattern.length`). An empty pattern matches at `start`. Pass the same
 * `folded` for every hunk of a file to fold its lines once.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  eof: boolean,
  folded: FoldedLines = new FoldedLines(lines),
): SeekMatch | undefined {
  if (pattern.length === 0) return { index: start, pass: "exact" };
  if (pattern.length > lines.length) return undefined;
  const last = lines.length - pattern.length;
  const from = eof ? last : start;
  if (from > last) return undefined;
  for (const [pass, fold] of PASSES) {
    const index = indexOfSequence(folded.get(pass, fold), pattern.map(fold), from);
    if (index !== -1) return { index, pass };
  }
  return undefined;
}
