/**
 * A script is the body of an async function. Neither TypeScript nor esbuild accepts a body with top-level `return`
 * and `await` as a file, so both stages wrap it. The wrappers below always end in exactly one newline, so a position
 * in the wrapped text maps back to the user's file by subtracting one line (columns are unchanged).
 */

/** What the type-checker sees before the body. No return type annotation: `Promise<unknown>` would demand a return. */
export const CHECK_PREFIX = "async function __cody_main() {\n";
export const CHECK_SUFFIX = "\n}\n";

/**
 * What esbuild and QuickJS see. Evaluated as a global script, the completion value is the async arrow function —
 * the contract with the runtime (calling it with no arguments returns the script's promise).
 */
export const EMIT_PREFIX = "(async () => {\n";
export const EMIT_SUFFIX = "\n})";

/** Lines the wrappers add before line 1 of the user's body. */
export const WRAPPER_LINE_OFFSET = 1;

/** Strip a UTF-8 byte order mark and turn CRLF / lone CR into LF, so hashes and positions do not depend on them. */
export function normalizeSource(source: string): string {
  const noBom = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return noBom.includes("\r") ? noBom.replace(/\r\n?/g, "\n") : noBom;
}

/** Start offsets of each line of `text` (split on `\n` only: the source is normalized first). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of a UTF-16 offset, by binary search over `starts`. */
export function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}
