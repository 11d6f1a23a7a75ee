/**
 * Pull fenced code blocks out of Markdown for the docs test. Fences follow CommonMark: an opening line of three or
 * more backticks (or tildes) indented by at most three spaces, closed by a line of the same character at least as
 * long with nothing after it. So a ```` ```ts ```` line inside a ```` ```text ```` block is text, not a new block.
 */

/** One fenced block whose info string starts with the word `ts`. */
export interface TsBlock {
  /** The Markdown file, relative to the repository root (e.g. `docs/script-harness.md`). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Words of the info string after `ts`, e.g. `["run"]` or `["expect-error"]`. */
  flags: string[];
  /** The block's text, without the fences, with the fence's indentation removed. */
  source: string;
  /** False when the file ended before the closing fence. */
  closed: boolean;
}

const OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** Every ```` ```ts ```` block of `markdown` (only `ts`: ```` ```typescript ````, ```` ```text ```` etc. are skipped). */
export function extractTsBlocks(markdown: string, file: string): TsBlock[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: TsBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = OPEN.exec(lines[i] ?? "");
    // A backtick fence's info string may not contain a backtick (then it is inline code, not a fence).
    if (!open || (open[2]!.startsWith("`") && open[3]!.includes("`"))) {
      i++;
      continue;
    }
    const indent = open[1]!.length;
    const fence = open[2]!;
    const words = open[3]!.trim().split(/\s+/).filter((w) => w !== "");
    const start = i;
    const body: string[] = [];
    let closed = false;
    for (i = start + 1; i < lines.length; i++) {
      const text = lines[i] ?? "";
      const close = /^( {0,3})(`{3,}|~{3,})\s*$/.exec(text);
      if (close && close[2]![0] === fence[0] && close[2]!.length >= fence.length) {
        closed = true;
        break;
      }
      body.push(removeIndent(text, indent));
    }
    i++;
    if (words[0] === "ts") {
      blocks.push({ file, line: start + 1, flags: words.slice(1), source: body.join("\n"), closed });
    }
  }
  return blocks;
}

/** Up to `n` leading spaces removed, as CommonMark does for content lines of an indented fence. */
function removeIndent(text: string, n: number): string {
  let k = 0;
  while (k < n && text[k] === " ") k++;
  return text.slice(k);
}
