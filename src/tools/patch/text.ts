/**
 * String helpers that reproduce Rust's semantics where Codex's apply-patch relies on them, so lenient matching
 * accepts exactly what Codex accepts.
 */

/** Rust's `char::is_whitespace` (Unicode White_Space). Differs from JS `\s`: includes U+0085, excludes U+FEFF. */
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING = new RegExp(`^[${WS}]+`, "u");
const TRAILING = new RegExp(`[${WS}]+$`, "u");

/** Rust `str::trim`. */
export function rustTrim(s: string): string {
  return s.replace(LEADING, "").replace(TRAILING, "");
}

/** Rust `str::trim_end`. */
export function rustTrimEnd(s: string): string {
  return s.replace(TRAILING, "");
}

/** Rust `str::trim_start`. */
export function rustTrimStart(s: string): string {
  return s.replace(LEADING, "");
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
const PUNCTUATION_RE = new RegExp(`[${[...PUNCTUATION.keys()].join("")}]`, "gu");

/** Trim, then fold typographic dashes, quotes and spaces to ASCII (Codex's `normalise`). */
export function normalisePunctuation(s: string): string {
  return rustTrim(s).replace(PUNCTUATION_RE, (c) => PUNCTUATION.get(c) ?? c);
}
