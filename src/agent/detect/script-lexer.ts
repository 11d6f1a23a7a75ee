/**
 * Scans the body of a `<tool-calls>` block with just enough of a JavaScript lexer to know whether a `</tool-calls>`
 * is code or sits inside a string, template literal, comment or regular expression. Only a closing tag in code ends
 * the block, so a script may contain the text `"</tool-calls>"` (e.g. when writing docs about the format).
 *
 * Recovery rules keep a model's typo from swallowing the rest of the reply: a quoted string, a regex or a regex
 * character class ends at the end of its line (as the language says it must); only template literals and block
 * comments span lines.
 *
 * Markdown fence lines (```ts, ```typescript, ```js, bare ```) at the start of a line in code are dropped from the
 * body, so a fenced script is unwrapped. A fence line may also be directly followed by the closing tag.
 */
import { matchCloseTag } from "./tags.js";

type LexState = "code" | "line_comment" | "block_comment" | "sq" | "dq" | "template" | "regex" | "regex_class";

/** Words after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await",
]);

const FENCE_LINE = /^[ \t]*`{3,}[\w+.#-]*[ \t]*\r?$/;
const FENCE_BEFORE_CLOSE = /^[ \t]*`{3,}[\w+.#-]*[ \t]*(?=<\/tool-calls\s*>)/i;

const isWordChar = (c: string): boolean => /[\w$]/.test(c) || c.charCodeAt(0) > 0x7f;

/** Result of one scan step: how much of the buffer was consumed, and whether the block's closing tag was reached. */
export interface ScanResult {
  /** Characters of the buffer consumed (including the closing tag when `closed`). */
  consumed: number;
  closed: boolean;
}

export class ScriptScanner {
  #state: LexState = "code";
  /** For each `${` still open, the brace depth at which it opened. */
  #templateStack: number[] = [];
  #braceDepth = 0;
  /** Whether the last significant token ends an expression (then `/` divides) or not (then `/` starts a regex). */
  #afterValue = false;
  #word = "";
  #lineStart = true;
  #body = "";
  /** Number of fence lines dropped from the body. */
  fences = 0;

  /** The body text seen so far (fence lines removed, nothing else changed). */
  get body(): string {
    return this.#body;
  }

  /**
   * Scan `buf` from `start`. Stops at the closing tag (consumed), at the end of the buffer, or — when `eof` is false —
   * just before a tail that needs more input to be classified (a `/`, `\`, `$`, `*`, `<`, or a possible fence line).
   */
  scan(buf: string, start: number, eof: boolean): ScanResult {
    let i = start;
    while (i < buf.length) {
      if (this.#state === "code" && this.#lineStart && this.#templateStack.length === 0) {
        const fence = this.#fenceAt(buf, i, eof);
        if (fence === "more") break;
        this.#lineStart = false;
        if (fence > 0) {
          // A dropped fence line that ended in a newline leaves us at the start of the next line.
          this.#lineStart = buf[i + fence - 1] === "\n";
          i += fence;
          this.fences++;
          continue;
        }
      }
      const c = buf[i] as string;
      const next = buf[i + 1];
      // Characters whose meaning depends on the next one wait for it.
      if (next === undefined && !eof && needsLookahead(this.#state, c)) break;
      const step = this.#step(buf, i, c, next, eof);
      if (step === "more") break;
      if (step === "close") {
        const m = matchCloseTag(buf, i, eof);
        return { consumed: i + (typeof m === "object" ? m.length : 0) - start, closed: true };
      }
      this.#body += buf.slice(i, i + step);
      i += step;
    }
    return { consumed: i - start, closed: false };
  }

  /** Length of a fence line at `i` (to drop), 0 when there is none, or "more" when the line is not complete yet. */
  #fenceAt(buf: string, i: number, eof: boolean): number | "more" {
    let j = i;
    while (buf[j] === " " || buf[j] === "\t") j++;
    if (j >= buf.length) return eof ? 0 : "more";
    if (buf[j] !== "`") return 0;
    const nl = buf.indexOf("\n", i);
    const line = nl === -1 ? buf.slice(i) : buf.slice(i, nl);
    const beforeClose = FENCE_BEFORE_CLOSE.exec(line);
    if (beforeClose) return beforeClose[0].length;
    if (nl === -1 && !eof) {
      // A long line cannot be a fence line once it has a character no fence line has.
      return /^[ \t]*`{1,}[\w+.#-]*[ \t]*<?[/a-z-]*\s*$/i.test(line) ? "more" : 0;
    }
    if (FENCE_LINE.test(line)) return nl === -1 ? line.length : line.length + 1;
    return 0;
  }

  /** Classify one character (or escape pair) at `i`; returns its length, "close" for the closing tag, or "more". */
  #step(buf: string, i: number, c: string, next: string | undefined, eof: boolean): number | "close" | "more" {
    switch (this.#state) {
      case "code":
        return this.#code(buf, i, c, next, eof);
      case "line_comment":
        if (c === "\n") this.#toCode(false, true);
        return 1;
      case "block_comment":
        if (c === "*" && next === "/") {
          this.#state = "code";
          return 2;
        }
        if (c === "\n") this.#lineStart = false;
        return 1;
      case "sq":
      case "dq":
        if (c === "\\") return escapeLength(buf, i, eof);
        if (c === (this.#state === "sq" ? "'" : '"')) this.#toCode(true, false);
        else if (c === "\n") this.#toCode(false, true);
        return 1;
      case "template":
        if (c === "\\") return escapeLength(buf, i, eof);
        if (c === "`") this.#toCode(true, false);
        else if (c === "$" && next === "{") {
          this.#templateStack.push(this.#braceDepth);
          this.#toCode(false, false);
          return 2;
        }
        return 1;
      case "regex":
      case "regex_class":
        if (c === "\\") return escapeLength(buf, i, eof);
        if (c === "\n") this.#toCode(false, true);
        else if (this.#state === "regex_class") {
          if (c === "]") this.#state = "regex";
        } else if (c === "[") this.#state = "regex_class";
        else if (c === "/") this.#toCode(true, false);
        return 1;
    }
  }

  #code(buf: string, i: number, c: string, next: string | undefined, eof: boolean): number | "close" | "more" {
    if (isWordChar(c)) {
      this.#word += c;
      this.#afterValue = true;
      return 1;
    }
    if (this.#word !== "") {
      if (REGEX_AFTER_WORD.has(this.#word)) this.#afterValue = false;
      this.#word = "";
    }
    switch (c) {
      case "\n":
        this.#lineStart = true;
        return 1;
      case " ":
      case "\t":
      case "\r":
        return 1;
      case "<": {
        const m = matchCloseTag(buf, i, eof);
        if (m === "more") return "more";
        if (m !== "no") return "close";
        this.#afterValue = false;
        return 1;
      }
      case "/":
        if (next === "/") this.#state = "line_comment";
        else if (next === "*") this.#state = "block_comment";
        else if (!this.#afterValue) this.#state = "regex";
        else {
          this.#afterValue = false;
          return 1;
        }
        return next === "/" || next === "*" ? 2 : 1;
      case "'":
        this.#state = "sq";
        return 1;
      case '"':
        this.#state = "dq";
        return 1;
      case "`":
        this.#state = "template";
        return 1;
      case "{":
        this.#braceDepth++;
        this.#afterValue = false;
        return 1;
      case "}":
        if (this.#templateStack.length > 0 && this.#templateStack[this.#templateStack.length - 1] === this.#braceDepth) {
          this.#templateStack.pop();
          this.#state = "template";
          return 1;
        }
        this.#braceDepth = Math.max(0, this.#braceDepth - 1);
        // After `}` a statement (and so a regex) may start; dividing an object literal is far rarer.
        this.#afterValue = false;
        return 1;
      case ")":
      case "]":
        this.#afterValue = true;
        return 1;
      default:
        this.#afterValue = false;
        return 1;
    }
  }

  #toCode(afterValue: boolean, lineStart: boolean): void {
    this.#state = "code";
    this.#afterValue = afterValue;
    this.#lineStart = lineStart;
  }
}

/** A backslash escape covers the next character too (both of CRLF, so a line continuation stays one unit). */
function escapeLength(buf: string, i: number, eof: boolean): number | "more" {
  const next = buf[i + 1];
  if (next === undefined) return 1;
  if (next !== "\r") return 2;
  if (i + 2 >= buf.length) return eof ? 2 : "more";
  return buf[i + 2] === "\n" ? 3 : 2;
}

function needsLookahead(state: LexState, c: string): boolean {
  if (c === "\\") return state !== "code" && state !== "line_comment" && state !== "block_comment";
  if (c === "/") return state === "code";
  if (c === "*") return state === "block_comment";
  if (c === "$") return state === "template";
  return false;
}
