/**
 * String helpers that reproduce Rust's semantics where Codex's apply-patch relies on them, so lenient matching
 * accepts exactly what Codex accepts.
 */

/** Rust's `char::is_whitespace` (Unicode White_Space). Differs from JS `\s`: includes U+0085, excludes U+FEFF. */
function isRustWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

// Scanned by hand: these run on every line of a file in the fuzzy passes, where regex replaces were the hot spot.
function startOfContent(s: string): number {
  let i = 0;
  while (i < s.length && isRustWhitespace(s.charCodeAt(i))) i++;
  return i;
}

function endOfContent(s: string, from: number): number {
  let j = s.length;
  while (j > from && isRustWhitespace(s.charCodeAt(j - 1))) j--;
  return j;
}

/** Rust `str::trim`. */
export function rustTrim(s: string): string {
  const i = startOfContent(s);
  return s.slice(i, endOfContent(s, i));
}

/** Rust `str::trim_end`. */
export function rustTrimEnd(s: string): string {
  return s.slice(0, endOfContent(s, 0));
}

/** Rust `str::trim_start`. */
export function rustTrimStart(s: string): string {
  return s.slice(startOfContent(s));
}

/** Typographic punctuation Codex folds to ASCII in its last, most lenient matching pass (seek_sequence.rs). */
const PUNCTUATION: ReadonlyMap<string, string> = new Map([
  // Dashes and hyphens → '-'
  ...["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"].map((c) => [c, "-"] as const),
  // Single quotes → "'"
  ...["\u2018", "\u2019", "\u201a", "\u201b"].map((c) => [c, "'"] as const),
  // Double quotes → '"'
  ...["\u201c", "\u201d", "\u201e", "\u201f"].map((c) => [c, '"'] as const),
  // Non-breaking and other fixed-width spaces → ' '
  ...["\u00a0", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a", "\u202f"]
    .concat(["\u205f", "\u3000"])
    .map((c) => [c, " "] as const),
]);

/** Trim, then fold typographic dashes, quotes and spaces to ASCII (Codex's `normalise`). */
export function normalisePunctuation(s: string): string {
  const trimmed = rustTrim(s);
  for (let i = 0; i < trimmed.length; i++) {
    // Every folded character is at or above U+00A0; most lines have none and are returned as they are.
    if (trimmed.charCodeAt(i) >= 0xa0 && PUNCTUATION.has(trimmed.charAt(i))) {
      return trimmed.slice(0, i) + foldFrom(trimmed, i);
    }
  }
  return trimmed;
}

function foldFrom(s: string, from: number): string {
  let out = "";
  for (let i = from; i < s.length; i++) {
    const c = s.charAt(i);
    out += PUNCTUATION.get(c) ?? c;
  }
  return out;
}
