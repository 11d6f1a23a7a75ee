/**
 * Matching the `<tool-calls>` / `</tool-calls>` tags at a position of a partly received buffer. Every matcher answers
 * "yes (length)", "no", or "need more input" — the last only when the buffer ends inside what could still become a
 * tag and the stream is not finished, so the detector holds back exactly that tail and nothing else.
 */

/** A match result: the tag's length (and attribute text for an opening tag), `"no"`, or `"more"`. */
export type TagMatch = { length: number; attributes: string } | "no" | "more";

const OPEN_NAME = "<tool-calls";
const CLOSE_NAME = "</tool-calls";
/** Attributes longer than this are not a tag (stops a stray `<tool-calls ` from holding back the rest of a reply). */
const MAX_ATTRIBUTE_CHARS = 256;

/** Case-insensitive comparison of `buf` at `at` against `word`; "more" when `buf` ends on a matching prefix. */
function matchWord(buf: string, at: number, word: string, eof: boolean): number | "no" | "more" {
  const avail = buf.length - at;
  const n = Math.min(avail, word.length);
  if (buf.slice(at, at + n).toLowerCase() !== word.slice(0, n)) return "no";
  if (n < word.length) return eof ? "no" : "more";
  return word.length;
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";

/**
 * Opening tag: `<tool-calls>` or `<tool-calls attr…>`, tag name in any case. `<tool-calls/>` and `<tool-calls-x>` are
 * not tags. Attribute text may not contain `<` or `>` and is at most {@link MAX_ATTRIBUTE_CHARS} long.
 */
export function matchOpenTag(buf: string, at: number, eof: boolean): TagMatch {
  const name = matchWord(buf, at, OPEN_NAME, eof);
  if (name !== OPEN_NAME.length) return name === "more" ? "more" : "no";
  let i = at + OPEN_NAME.length;
  if (i >= buf.length) return eof ? "no" : "more";
  if (buf[i] === ">") return { length: i + 1 - at, attributes: "" };
  if (!isSpace(buf[i])) return "no";
  const attrStart = i;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c === ">") return { length: i + 1 - at, attributes: buf.slice(attrStart, i).trim() };
    if (c === "<" || i - attrStart >= MAX_ATTRIBUTE_CHARS) return "no";
  }
  return eof ? "no" : "more";
}

/** Closing tag: `</tool-calls>` in any case, optionally with whitespace before the `>` (as HTML allows). */
export function matchCloseTag(buf: string, at: number, eof: boolean): TagMatch {
  const name = matchWord(buf, at, CLOSE_NAME, eof);
  if (name !== CLOSE_NAME.length) return name === "more" ? "more" : "no";
  let i = at + CLOSE_NAME.length;
  for (; i < buf.length && i - at < CLOSE_NAME.length + 16; i++) {
    const c = buf[i];
    if (c === ">") return { length: i + 1 - at, attributes: "" };
    if (!isSpace(c)) return "no";
  }
  return i >= buf.length && !eof ? "more" : "no";
}

/** True when `text` contains a closing tag anywhere (used to explain an unclosed block). */
export function containsCloseTag(text: string): number {
  const m = /<\/tool-calls\s*>/i.exec(text);
  return m ? m.index : -1;
}
