/**
 * Glob matching for patterns from untrusted callers (`glob.pattern`, `search.include`). picomatch still parses the
 * glob (its `**`, braces, classes and extglobs), but the expression it compiles runs in RE2, not V8: picomatch's
 * lazy stars backtrack, and `*a*a*a*a*a*a*a*a*a*a*a*a*b` against a 40-character name did not finish in 10 s.
 *
 * RE2 has no lookaround, and picomatch uses lookaheads for two things, replaced here:
 * - the dotfile rule (a wildcard never matches a leading `.` in a segment unless `dot` is set): each
 *   segment-initial `.` of the path becomes NUL (never in a path), every wildcard class excludes NUL, and a
 *   literal `.` that the pattern places at a segment start becomes a placeholder matching NUL;
 * - "not empty" and "not `.`/`..`" guards, which cannot fail on the walker's paths (non-empty, normalized) and are
 *   dropped.
 * What still needs a lookahead — a negated extglob `!(…)` or a leading `!` — is refused with a ToolArgumentError.
 */
import { ToolArgumentError } from "../errors/index.js";
import { loadPicomatch } from "./lazy-packages.js";
import { compileLinearRegex } from "./regex.js";

/**
 * Longest glob compiled. picomatch's own parse grows faster than linearly on some inputs (60 000 characters of
 * `[a]` took 1.4 s on the host thread); real globs are a few dozen characters. @default 4096
 */
export const GLOB_MAX_PATTERN_CHARS = 4096;

/** Stands for a segment-initial literal `.` while picomatch compiles the pattern (picomatch drops NUL itself). */
const PLACEHOLDER = "\uE000";

/** Fragments of picomatch 4's output (lib/constants.js, lib/parse.js) and what each becomes, longest first. */
const NO_DOT_REWRITES: [string, string][] = [
  ["(?:(?!(?:^|\\/)\\.).)*?", "[^\\x00\\n\\r\\u2028\\u2029]*?"], // `**`: any characters, no segment-initial dot
  ["(?!\\.)", ""], // no dot here: NUL is excluded from every wildcard instead
  ["(?=.)", ""], // not empty
  [`\\${PLACEHOLDER}`, "\\x00"], // picomatch escapes it in a pattern without wildcards
  [PLACEHOLDER, "\\x00"],
];
const DOT_REWRITES: [string, string][] = [
  ["(?:(?!(?:^|\\/)\\.{1,2}(?:\\/|$)).)*?", ".*?"], // `**` with dot: no `.`/`..` segment, which paths never have
  ["(?!(?:^|\\/)\\.{1,2}(?:\\/|$))", ""],
  ["(?!\\.{1,2}(?:\\/|$))", ""],
  ["(?!\\.{0,1}(?:\\/|$))", ""],
  ["(?=.)", ""],
];

/** Replace each literal `.` that starts a path segment (also first in a `{…,…}` or extglob alternative there). */
function markSegmentDots(glob: string): string {
  let out = "";
  const groups: boolean[] = []; // per open group: does it start a segment?
  let atStart: boolean = true;
  let prevWasStart: boolean = false; // for an extglob's `(`: did its `?*+@!` start a segment?
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    const wasStart: boolean = atStart;
    const extglobAtStart: boolean = prevWasStart;
    prevWasStart = wasStart;
    atStart = false;
    if (c === "\\" && i + 1 < glob.length) {
      const next = glob[++i];
      out += wasStart && next === "." && !isDotSegment(glob, i) ? PLACEHOLDER : `\\${next}`;
      continue;
    }
    if (c === "." && wasStart && !isDotSegment(glob, i)) {
      out += PLACEHOLDER;
      continue;
    }
    out += c;
    if (c === "/") atStart = true;
    else if (c === "{" || (c === "(" && "?*+@!".includes(glob[i - 1] ?? ""))) {
      atStart = c === "{" ? wasStart : extglobAtStart;
      groups.push(atStart);
    } else if ((c === "," || c === "|") && groups.length > 0) atStart = groups[groups.length - 1] ?? false;
    else if ((c === "}" || c === ")") && groups.length > 0) groups.pop();
  }
  return out;
}

/** `.` or `..` as a whole segment (`./src/*`): picomatch strips or keeps those itself. */
function isDotSegment(glob: string, i: number): boolean {
  const rest = glob.slice(i, i + 3);
  return /^\.\.?(?:\/|$)/.test(rest);
}

/** Add NUL to every negated class (`[^/]` for `*` and `?`, `[^a/]` for `[^a]`): none matches a leading dot. */
function excludeNul(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      out += source.slice(i, i + 2);
      i++;
      continue;
    }
    out += c;
    if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
      if (source[i + 1] === "^") {
        out += "^\\x00";
        i++;
      }
    }
  }
  return out;
}

/** Replace each fragment where a token starts (never inside an escape such as picomatch's `\\(` before `?=.)`). */
function rewrite(source: string, rewrites: [string, string][]): string {
  let out = "";
  for (let i = 0; i < source.length; ) {
    const hit = rewrites.find(([from]) => source.startsWith(from, i));
    if (hit) {
      out += hit[1];
      i += hit[0].length;
    } else {
      const width = source[i] === "\\" ? 2 : 1;
      out += source.slice(i, i + width);
      i += width;
    }
  }
  return out;
}

/**
 * Compile `glob` into a linear-time matcher of `/`-separated relative paths.
 * @throws ToolArgumentError (details: tool, pattern or include, construct?) when the glob is invalid or needs a
 *   lookahead.
 */
export function compileGlob(
  glob: string,
  options: { dot: boolean; tool: string; argument: "pattern" | "include" },
): (path: string) => boolean {
  const name = options.argument === "include" ? "include glob" : "pattern";
  const fail = (why: string, construct?: string): ToolArgumentError =>
    new ToolArgumentError(`${options.tool}: ${name} \`${glob}\` ${why}`, {
      tool: options.tool,
      [options.argument]: glob,
      ...(construct === undefined ? {} : { construct }),
    });
  if (glob.length > GLOB_MAX_PATTERN_CHARS) {
    throw fail(`is longer than ${GLOB_MAX_PATTERN_CHARS} characters (GLOB_MAX_PATTERN_CHARS)`);
  }
  if (glob.includes(PLACEHOLDER)) throw fail("contains U+E000, which globs reserve");
  let source: string;
  try {
    source = loadPicomatch().makeRe(options.dot ? glob : markSegmentDots(glob), { dot: options.dot }).source;
  } catch (error) {
    throw fail(`is invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
  source = options.dot ? rewrite(source, DOT_REWRITES) : excludeNul(rewrite(source, NO_DOT_REWRITES));
  if (source.includes("(?!") || source.includes("(?=")) {
    const construct = /^!(?!\()/.test(glob) ? "a negated pattern `!…`" : "an extglob negation `!(…)`";
    throw fail(`uses ${construct}, which is not supported: globs run in RE2, which matches in linear time`, construct);
  }
  let regex: ReturnType<typeof compileLinearRegex>["regex"];
  try {
    ({ regex } = compileLinearRegex(source, { ignoreCase: false }, { tool: options.tool, pattern: glob }));
  } catch (error) {
    throw fail(`cannot be matched in linear time: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.dot) return (path) => regex.test(path);
  // Most paths have no dot segment; skipping the copy for them halves the cost of a match.
  return (path) =>
    regex.test(path.startsWith(".") || path.includes("/.") ? path.replace(SEGMENT_DOT, "$1\0") : path);
}

const SEGMENT_DOT = /(^|\/)\./g;
