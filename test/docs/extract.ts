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

/** Any fenced block: its language (the info string's first word, "" for none) and what the docs test is told. */
export interface Block extends TsBlock {
  lang: string;
  /**
   * The reason given by a `<!-- docs-test: skip — reason -->` comment on the line before the fence (blank lines
   * between allowed): the block is not checked, and says why.
   */
  skip?: string;
  /** TypeScript given by `<!-- docs-test: declare … -->` before the fence: in scope when a snippet is type-checked. */
  declare?: string;
}

const OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const MARKER = /^\s*<!--\s*docs-test:\s*(skip|declare)\b\s*[—–:-]?\s*([\s\S]*?)\s*-->\s*$/;

/** Every ```` ```ts ```` block of `markdown` (only `ts`: ```` ```typescript ````, ```` ```text ```` etc. are skipped). */
export function extractTsBlocks(markdown: string, file: string): TsBlock[] {
  return extractBlocks(markdown, file)
    .filter((b) => b.lang === "ts")
    .map(({ file: f, line, flags, source, closed }) => ({ file: f, line, flags, source, closed }));
}

/** Every fenced block of `markdown`, in order, with the docs-test markers written before it. */
export function extractBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
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
    const markers = markersBefore(lines, start);
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
    blocks.push({ file, line: start + 1, lang: words[0] ?? "", flags: words.slice(1), source: body.join("\n"), closed, ...markers });
  }
  return blocks;
}

/** The docs-test comments on the lines right above a fence (one comment per line; blank lines between are fine). */
function markersBefore(lines: readonly string[], fenceIndex: number): { skip?: string; declare?: string } {
  const out: { skip?: string; declare?: string } = {};
  for (let j = fenceIndex - 1; j >= 0; j--) {
    const text = lines[j] ?? "";
    if (text.trim() === "") continue;
    const m = MARKER.exec(text);
    if (!m) break;
    if (m[1] === "skip") out.skip = m[2] ?? "";
    else out.declare = `${m[2] ?? ""}\n${out.declare ?? ""}`.trim();
  }
  return out;
}

/** Up to `n` leading spaces removed, as CommonMark does for content lines of an indented fence. */
function removeIndent(text: string, n: number): string {
  let k = 0;
  while (k < n && text[k] === " ") k++;
  return text.slice(k);
}
