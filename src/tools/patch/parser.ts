/**
 * Parser for the Codex apply_patch envelope, following openai/codex `codex-rs/apply-patch/src/parser.rs`
 * (lenient mode). Grammar (Lark, from Codex):
 *
 *   start: begin_patch hunk+ end_patch
 *   hunk: add_hunk | delete_hunk | update_hunk
 *   add_hunk: "*** Add File: " filename LF add_line+
 *   delete_hunk: "*** Delete File: " filename LF
 *   update_hunk: "*** Update File: " filename LF change_move? change?
 *   change_move: "*** Move to: " filename LF
 *   change: (change_context | change_line)+ eof_line?
 *   change_context: ("@@" | "@@ " /(.+)/) LF
 *   change_line: ("+" | "-" | " ") /(.+)/ LF
 *   eof_line: "*** End of File" LF
 *
 * Leniencies shared with Codex: the whole text is trimmed; the Begin/End markers and section headers may carry
 * surrounding whitespace; a `<<EOF` / `<<'EOF'` / `<<"EOF"` heredoc wrapper is stripped; the first hunk of an update
 * may omit `@@`; a completely empty line inside a hunk is an empty context line; blank lines between hunks are
 * skipped. Extra leniencies (documented in docs/apply-patch.md): `*** Move to:` may be indented, and `@@ ` followed
 * only by whitespace counts as a bare `@@`. Line numbers in errors refer to the text as given.
 */
import { emptyPatch, syntaxError } from "./errors.js";
import { rustTrim, rustTrimStart } from "./text.js";
import type { Hunk, ParsedPatch, PatchSection, UpdateSection } from "./types.js";

const BEGIN_PATCH = "*** Begin Patch";
const END_PATCH = "*** End Patch";
const ADD_FILE = "*** Add File: ";
const DELETE_FILE = "*** Delete File: ";
const UPDATE_FILE = "*** Update File: ";
const MOVE_TO = "*** Move to: ";
const END_OF_FILE = "*** End of File";
const HEREDOC_OPENERS: ReadonlySet<string> = new Set(["<<EOF", "<<'EOF'", '<<"EOF"']);

const SECTION_HEADERS = "'*** Add File: PATH', '*** Delete File: PATH' or '*** Update File: PATH'";
const HUNK_LINE = "a hunk line starting with ' ' (context), '-' (remove) or '+' (add)";

/** Lines of the trimmed patch plus the mapping back to line numbers in the text as given. */
class PatchLines {
  readonly lines: string[];
  readonly #firstLine: number;

  constructor(text: string) {
    const trimmed = rustTrim(text);
    const leading = text.slice(0, text.length - rustTrimStart(text).length);
    this.#firstLine = 1 + (leading.match(/\n/g)?.length ?? 0);
    // Rust `str::lines`: split on LF and drop one trailing CR per line.
    this.lines = trimmed === "" ? [] : trimmed.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  }

  /** 1-based line number, in the original text, of `lines[index]`. */
  lineOf(index: number): number {
    return this.#firstLine + index;
  }
}

/** Check `*** Begin Patch` at `start` and `*** End Patch` at `end` (inclusive indices). */
function boundaryError(p: PatchLines, start: number, end: number): ReturnType<typeof syntaxError> | undefined {
  const first = p.lines[start];
  if (first === undefined) return syntaxError(p.lineOf(0), `'${BEGIN_PATCH}'`, "");
  if (rustTrim(first) !== BEGIN_PATCH) return syntaxError(p.lineOf(start), `'${BEGIN_PATCH}' as the first line`, first);
  const last = p.lines[end] ?? "";
  if (end <= start || rustTrim(last) !== END_PATCH) {
    return syntaxError(p.lineOf(end), `'${END_PATCH}' as the last line`, last);
  }
  return undefined;
}

/** Find the envelope: `[begin, end]` indices, unwrapping a heredoc the way Codex's lenient mode does. */
function locateEnvelope(p: PatchLines): [number, number] {
  const n = p.lines.length;
  const strict = boundaryError(p, 0, n - 1);
  if (strict === undefined) return [0, n - 1];
  const first = p.lines[0] ?? "";
  const last = p.lines[n - 1] ?? "";
  if (n >= 4 && HEREDOC_OPENERS.has(first) && last.endsWith("EOF")) {
    const inner = boundaryError(p, 1, n - 2);
    if (inner !== undefined) throw inner;
    return [1, n - 2];
  }
  throw strict;
}

/** Parse a whole patch into file sections. Throws PatchError (reason `syntax` or `empty`). */
export function parsePatch(text: string): ParsedPatch {
  const p = new PatchLines(text);
  const [begin, end] = locateEnvelope(p);
  const sections: PatchSection[] = [];
  let i = begin + 1;
  while (i < end) {
    const [section, next] = parseSection(p, i, end);
    sections.push(section);
    i = next;
  }
  if (sections.length === 0) throw emptyPatch(p.lineOf(end));
  return { sections };
}

function pathAfter(header: string, marker: string): string {
  return rustTrim(header.slice(marker.length));
}

/** Parse the section starting at `i` (before `end`); returns it and the index after it. */
function parseSection(p: PatchLines, i: number, end: number): [PatchSection, number] {
  const raw = p.lines[i] ?? "";
  const header = rustTrim(raw);
  const line = p.lineOf(i);
  if (header.startsWith(ADD_FILE)) {
    let contents = "";
    let j = i + 1;
    for (; j < end; j++) {
      const l = p.lines[j] ?? "";
      if (!l.startsWith("+")) break;
      contents += `${l.slice(1)}\n`;
    }
    return [{ kind: "add", path: nonEmptyPath(header, ADD_FILE, line), contents, line }, j];
  }
  if (header.startsWith(DELETE_FILE)) {
    return [{ kind: "delete", path: nonEmptyPath(header, DELETE_FILE, line), line }, i + 1];
  }
  if (header.startsWith(UPDATE_FILE)) return parseUpdate(p, i, end, nonEmptyPath(header, UPDATE_FILE, line));
  throw syntaxError(line, `a file section header (${SECTION_HEADERS})`, raw);
}

function nonEmptyPath(header: string, marker: string, line: number): string {
  const path = pathAfter(header, marker);
  if (path === "") throw syntaxError(line, `a path after '${marker.trim()}'`, header);
  return path;
}

function parseUpdate(p: PatchLines, i: number, end: number, path: string): [UpdateSection, number] {
  const line = p.lineOf(i);
  let j = i + 1;
  let movePath: string | undefined;
  const moveHeader = rustTrim(p.lines[j] ?? "");
  if (j < end && moveHeader.startsWith(MOVE_TO)) {
    movePath = nonEmptyPath(moveHeader, MOVE_TO, p.lineOf(j));
    j++;
  }
  const hunks: Hunk[] = [];
  while (j < end) {
    const l = p.lines[j] ?? "";
    // Blank lines between hunks are skipped; a line starting with '*' begins the next section.
    if (rustTrim(l) === "") {
      j++;
      continue;
    }
    if (l.startsWith("*")) break;
    const [hunk, next] = parseHunk(p, j, end, hunks.length === 0);
    hunks.push(hunk);
    j = next;
  }
  if (hunks.length === 0) {
    throw syntaxError(p.lineOf(j), `at least one hunk ('@@' followed by hunk lines) for '${path}'`, p.lines[j] ?? "");
  }
  return [{ kind: "update", path, movePath, hunks, line }, j];
}

/** Parse one hunk starting at `j`; `first` allows the `@@` header to be omitted (Codex does the same). */
function parseHunk(p: PatchLines, j: number, end: number, first: boolean): [Hunk, number] {
  const head = p.lines[j] ?? "";
  let context: string | undefined;
  let header: string;
  let k = j;
  if (head === "@@") {
    header = head;
    k++;
  } else if (head.startsWith("@@ ")) {
    header = head;
    const ctx = head.slice(3);
    // `@@ ` + only whitespace would make Codex seek the first blank line; treat it as a bare `@@` instead.
    context = rustTrim(ctx) === "" ? undefined : ctx;
    k++;
  } else if (first) {
    header = "";
  } else {
    throw syntaxError(p.lineOf(j), "'@@' or '@@ <context line>' to start the next hunk", head);
  }
  const hunk: Hunk = { context, header, oldLines: [], newLines: [], newFromOld: [], isEndOfFile: false, line: p.lineOf(j) };
  let count = 0;
  for (; k < end; k++) {
    const l = p.lines[k] ?? "";
    if (l === END_OF_FILE) {
      if (count === 0) break;
      hunk.isEndOfFile = true;
      k++;
      break;
    }
    const marker = l.charAt(0);
    const body = l.slice(1);
    if (marker === "" || marker === " ") {
      hunk.newFromOld.push(hunk.oldLines.length);
      hunk.oldLines.push(body);
      hunk.newLines.push(body);
    } else if (marker === "-") {
      hunk.oldLines.push(body);
    } else if (marker === "+") {
      hunk.newFromOld.push(-1);
      hunk.newLines.push(body);
    } else {
      // Anything else ends the hunk (it is the next `@@` or section header) — unless the hunk is still empty.
      if (count === 0) throw syntaxError(p.lineOf(k), HUNK_LINE, l);
      break;
    }
    count++;
  }
  if (count === 0) throw syntaxError(p.lineOf(k), HUNK_LINE, p.lines[k] ?? "");
  return [hunk, k];
}
