/**
 * Where each `tools.<name>(…)` call starts in a script's source. QuickJS records a call's position as that of the
 * last expression it compiled before the call instruction (often inside the arguments, or a property name), so a
 * failed tool call's stack can point anywhere within its call expression. Knowing where the calls start, the stack
 * mapper moves the frame to the `tools` token of the call that failed (stack.ts).
 *
 * A small scanner rather than a parser: it skips comments, strings, template literals and regular-expression
 * literals, and reports each `tools` identifier (not a property: `x.tools` is skipped) followed by a dotted member
 * path and `(`. Computed or optional access (`tools["readFile"]`, `tools?.readFile`) is not recognised; such a call
 * keeps the position QuickJS gave it.
 */

/** One call: 1-based line, 0-based UTF-16 column of `tools`, and the tool's name (`spawn.` removed). */
export interface CallSite {
  line: number;
  column: number;
  tool: string;
}

const ID_START = /[\p{ID_Start}$_]/u;
const ID_PART = /[\p{ID_Continue}$\u200c\u200d]/u;
/** After these words a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await",
]);

/** The `tools.…(` call sites of `source`, in source order. */
export function findToolCallSites(source: string): CallSite[] {
  const sites: CallSite[] = [];
  const n = source.length;
  let line = 1;
  let lineStart = 0;
  /** The last significant token: "id" (identifier or keyword, see lastWord), "num", or the punctuator itself. */
  let last = "";
  let lastWord = "";
  /** Brace depth at which each open template literal's `${` substitution started. */
  const templates: number[] = [];
  let braces = 0;
  let i = 0;

  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  /** Skip a quoted string starting at i (the quote); returns the index after it. */
  const skipString = (quote: string): void => {
    i++;
    while (i < n && source[i] !== quote && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
    i++;
  };
  /** Skip template text from i until the closing backtick or a `${`; returns true when a substitution opened. */
  const skipTemplateText = (): boolean => {
    while (i < n) {
      const c = source[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return false;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        return true;
      } else {
        if (c === "\n") newline(i);
        i++;
      }
    }
    return false;
  };
  const skipSpace = (from: number): number => {
    let j = from;
    while (j < n && /\s/.test(source[j]!)) j++;
    return j;
  };
  const readIdentifier = (from: number): number => {
    let j = from;
    if (j < n && ID_START.test(source[j]!)) j++;
    else return from;
    while (j < n && ID_PART.test(source[j]!)) j++;
    return j;
  };
  /** `.name(.name)*` then `(` after `tools` ending at `from`: the dotted name, or undefined. */
  const memberCall = (from: number): string | undefined => {
    const names: string[] = [];
    let j = skipSpace(from);
    while (source[j] === ".") {
      const start = skipSpace(j + 1);
      const end = readIdentifier(start);
      if (end === start) return undefined;
      names.push(source.slice(start, end));
      j = skipSpace(end);
    }
    if (source[j] !== "(" || names.length === 0) return undefined;
    if (names[0] === "spawn") names.shift();
    return names.length > 0 ? names.join(".") : undefined;
  };

  while (i < n) {
    const c = source[i]!;
    if (c === "\n") {
      newline(i);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") newline(j);
      i = stop;
    } else if (c === "'" || c === '"') {
      skipString(c);
      last = "str";
    } else if (c === "`") {
      i++;
      if (skipTemplateText()) templates.push(braces);
      last = "str";
    } else if (c === "}" && templates.length > 0 && templates[templates.length - 1] === braces) {
      templates.pop();
      i++;
      if (skipTemplateText()) templates.push(braces);
      last = "str";
    } else if (c === "/" && !(last === "id" && !REGEX_AFTER_WORD.has(lastWord)) && last !== "num" && last !== ")" && last !== "]" && last !== "}" && last !== "str") {
      // A regular expression literal: skip to its closing slash (classes may contain one), then its flags.
      i++;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const r = source[i];
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i = readIdentifier(i + 1) || i + 1;
      last = "str";
    } else if (ID_START.test(c)) {
      const end = readIdentifier(i);
      const word = source.slice(i, end);
      if (word === "tools" && last !== ".") {
        const tool = memberCall(end);
        if (tool !== undefined) sites.push({ line, column: i - lineStart, tool });
      }
      last = "id";
      lastWord = word;
      i = end;
    } else if (c >= "0" && c <= "9") {
      while (i < n && /[\w.]/.test(source[i]!)) i++;
      last = "num";
    } else {
      if (c === "{") braces++;
      else if (c === "}") braces--;
      last = c === "?" && source[i + 1] === "." ? "." : c;
      i += c === "?" && source[i + 1] === "." ? 2 : 1;
    }
  }
  return sites;
}

/**
 * The start of the call to `tool` that a frame at (`line`, `column`) belongs to: on that line, the last such call
 * starting at or before the column, else the first one after it; on no such line (a call spanning lines, reported
 * at a later line), the last one before. Undefined when there is none.
 */
export function callSiteFor(sites: readonly CallSite[], tool: string, line: number, column: number): CallSite | undefined {
  let before: CallSite | undefined;
  let after: CallSite | undefined;
  let earlier: CallSite | undefined;
  for (const s of sites) {
    if (s.tool !== tool) continue;
    if (s.line < line) earlier = s;
    else if (s.line === line && s.column <= column) before = s;
    else if (s.line === line) after ??= s;
  }
  return before ?? after ?? earlier;
}
