/**
 * Incremental `<tool-calls>` detection over a streamed assistant reply. Fed chunks of any size, it emits prose as soon
 * as it is known not to start a tag (holding back only a possible partial tag or fence marker) and each block as soon
 * as its closing tag arrives. Feeding a reply in one piece or split at any position yields the same items (after
 * adjacent text items are joined). The rules are documented in docs/conversation.md.
 */
import { ScriptScanner } from "./script-lexer.js";
import { containsCloseTag, matchOpenTag } from "./tags.js";

/** One thing found in the reply, in order. `index` counts blocks (and block errors) from 1 within the reply. */
export type DetectorItem =
  | { type: "text"; text: string }
  | {
      type: "block";
      index: number;
      /** The script: fence lines removed, BOM stripped, CRLF → LF, leading blank lines and trailing space trimmed. */
      source: string;
      /** Attribute text of the opening tag (ignored by the harness, kept for logs), `""` when none. */
      attributes: string;
      /** True when the body was wrapped in a ``` fence that was removed. */
      fenced: boolean;
    }
  | {
      type: "error";
      index: number;
      kind: "unclosed" | "empty";
      /** What to tell the model. */
      message: string;
      /** The body received (for an unclosed block, everything after the opening tag). */
      source: string;
    };

const BOM = "\uFEFF";

export class StreamingDetector {
  #buf = "";
  #started = false;
  #inBlock = false;
  #scanner: ScriptScanner | undefined;
  #attributes = "";
  #blockCount = 0;
  // Prose state: at the start of a line, inside a ``` fence (its marker length), inside `inline code` (run length).
  #lineStart = true;
  #fence = 0;
  #inline = 0;
  #finished = false;

  /** Feed the next chunk; returns the items it completed. */
  push(chunk: string): DetectorItem[] {
    if (this.#finished) throw new Error("StreamingDetector.push after finish()");
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk.startsWith(BOM)) chunk = chunk.slice(1);
    }
    this.#buf += chunk;
    return this.#drain(false);
  }

  /** The reply is complete: flush held-back text and report a block still open as an error. */
  finish(): DetectorItem[] {
    if (this.#finished) return [];
    const items = this.#drain(true);
    this.#finished = true;
    if (this.#inBlock && this.#scanner) {
      const body = normalizeBody(this.#scanner.body);
      const at = containsCloseTag(body);
      const hint =
        at === -1
          ? "the reply ended before `</tool-calls>`"
          : `a \`</tool-calls>\` on line ${lineOf(body, at)} of the block is inside a string, template literal, comment ` +
            "or regex, so it did not close the block (look for an unterminated template literal or block comment)";
      items.push({
        type: "error",
        index: this.#blockCount,
        kind: "unclosed",
        message: `Block #${this.#blockCount} was not run: ${hint}. Close every block with \`</tool-calls>\`.`,
        source: body,
      });
    }
    return mergeText(items);
  }

  #drain(eof: boolean): DetectorItem[] {
    const items: DetectorItem[] = [];
    let i = 0;
    while (i < this.#buf.length) {
      if (this.#inBlock) {
        const scanner = this.#scanner as ScriptScanner;
        const r = scanner.scan(this.#buf, i, eof);
        i += r.consumed;
        if (!r.closed) break;
        this.#inBlock = false;
        this.#lineStart = false;
        this.#inline = 0;
        items.push(this.#blockItem(scanner));
        continue;
      }
      const r = this.#prose(i, eof);
      if (r.text) items.push({ type: "text", text: r.text });
      i = r.end;
      if (!r.opened) break;
    }
    this.#buf = this.#buf.slice(i);
    return mergeText(items);
  }

  #blockItem(scanner: ScriptScanner): DetectorItem {
    const source = normalizeBody(scanner.body);
    if (source.trim() === "") {
      return {
        type: "error",
        index: this.#blockCount,
        kind: "empty",
        message: `Block #${this.#blockCount} was not run: it is empty. Put a script between the tags.`,
        source,
      };
    }
    return { type: "block", index: this.#blockCount, source, attributes: this.#attributes, fenced: scanner.fences > 0 };
  }

  /**
   * Scan prose from `start` until an opening tag (consumed; `opened` true), the end of the buffer, or a tail that may
   * still become a tag or fence marker (held back).
   */
  #prose(start: number, eof: boolean): { text: string; end: number; opened: boolean } {
    const buf = this.#buf;
    let i = start;
    while (i < buf.length) {
      if (this.#lineStart) {
        // A ``` or ~~~ fence marker: up to three spaces, then three or more of the same character.
        let j = i;
        while (j - i < 3 && buf[j] === " ") j++;
        if (j >= buf.length && !eof) break;
        const f = buf[j];
        if (f === "`" || f === "~") {
          let k = j;
          while (buf[k] === f) k++;
          if (k >= buf.length && !eof) break;
          const run = k - j;
          if (run >= 3) {
            if (this.#fence === 0) this.#fence = f === "`" ? run : -run;
            else if ((this.#fence > 0 ? "`" : "~") === f && run >= Math.abs(this.#fence)) this.#fence = 0;
            this.#lineStart = false;
            i = k;
            continue;
          }
        }
        this.#lineStart = false;
      }
      const c = buf[i] as string;
      if (c === "\n") {
        this.#lineStart = true;
        this.#inline = 0;
        i++;
        continue;
      }
      if (this.#fence !== 0) {
        i++;
        continue;
      }
      if (c === "`") {
        let k = i;
        while (buf[k] === "`") k++;
        if (k >= buf.length && !eof) break;
        const run = k - i;
        if (this.#inline === 0) this.#inline = run;
        else if (run === this.#inline) this.#inline = 0;
        i = k;
        continue;
      }
      if (c === "<" && this.#inline === 0) {
        const m = matchOpenTag(buf, i, eof);
        if (m === "more") break;
        if (m !== "no") {
          this.#blockCount++;
          this.#inBlock = true;
          this.#attributes = m.attributes;
          this.#scanner = new ScriptScanner();
          return { text: buf.slice(start, i), end: i + m.length, opened: true };
        }
      }
      i++;
    }
    return { text: buf.slice(start, i), end: i, opened: false };
  }
}

/** Parse a complete reply in one call (same rules as streaming). */
export function detectToolCalls(reply: string): DetectorItem[] {
  const d = new StreamingDetector();
  return mergeText([...d.push(reply), ...d.finish()]);
}

/** Join adjacent text items and drop empty ones. */
export function mergeText(items: DetectorItem[]): DetectorItem[] {
  const out: DetectorItem[] = [];
  for (const item of items) {
    if (item.type === "text") {
      if (item.text === "") continue;
      const last = out[out.length - 1];
      if (last?.type === "text") {
        out[out.length - 1] = { type: "text", text: last.text + item.text };
        continue;
      }
    }
    out.push(item);
  }
  return out;
}

function normalizeBody(body: string): string {
  let s = body.startsWith(BOM) ? body.slice(1) : body;
  s = s.replace(/\r\n?/g, "\n");
  // Leading blank lines only (indentation of the first code line is kept), trailing whitespace.
  s = s.replace(/^(?:[ \t]*\n)+/, "");
  return s.replace(/\s+$/, "");
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
