/**
 * Regular expressions from untrusted callers (a script's `search` pattern) run in RE2, whose matching time is linear
 * in the input: `(a+)+$` over a long line cannot stall the host the way V8's backtracking engine does. RE2 has no
 * backreferences or lookaround, so those are refused up front with a ToolArgumentError naming the construct. Why
 * RE2 (the native `re2` package) and not `re2-wasm` or a worker: see docs/tools.md, "search".
 */
import type RE2 from "re2";
import { ToolArgumentError } from "../errors/index.js";
import { loadRe2 } from "./lazy-packages.js";

export type LinearRegExp = RE2;

/** Constructs V8 accepts that RE2 cannot run in linear time, with the name a caller sees. */
function unsupportedConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && next >= "1" && next <= "9") return `a backreference (\`\\${next}\`)`;
      if (!inClass && next === "k" && source[i + 2] === "<") return "a named backreference (`\\k<name>`)";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      if (source.startsWith("[^]", i)) return "the empty negated class `[^]` (use `[\\s\\S]`)";
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in RE2 but ends an empty class in JS; either way skip past it.
      if (source[i + 1] === "]") i++;
      continue;
    }
    if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!")) return `a lookahead (\`(?${rest[0]}\`)`;
      if (rest === "<=" || rest === "<!") return `a lookbehind (\`(?${rest}\`)`;
    }
  }
  return undefined;
}

/**
 * Compile `source` (JavaScript syntax) for linear-time matching. It must first parse as a JavaScript expression
 * (`u` mode, else legacy mode, as before), so the syntax callers rely on stays JavaScript's; then constructs RE2
 * lacks are refused by name, and what RE2 still rejects is reported with RE2's reason.
 *
 * @returns the expression and whether it parsed in `u` mode (only then is its meaning exactly JavaScript's).
 * @throws ToolArgumentError (details: tool, pattern, construct?) for an invalid or unsupported expression.
 */
export function compileLinearRegex(
  source: string,
  flags: { ignoreCase: boolean; multiline?: boolean },
  context: { tool: string; pattern: string },
): { regex: LinearRegExp; unicode: boolean } {
  const fail = (why: string, extra: Record<string, unknown> = {}): ToolArgumentError =>
    new ToolArgumentError(`${context.tool}: invalid regular expression \`${context.pattern}\`: ${why}`, {
      tool: context.tool,
      pattern: context.pattern,
      ...extra,
    });
  let unicode = true;
  try {
    new RegExp(source, "u");
  } catch (unicodeError) {
    unicode = false;
    try {
      new RegExp(source);
    } catch {
      throw fail(unicodeError instanceof Error ? unicodeError.message : String(unicodeError));
    }
  }
  const construct = unsupportedConstruct(source);
  if (construct !== undefined) {
    throw fail(`${construct} is not supported: patterns run in RE2, which matches in linear time`, { construct });
  }
  const re2Flags = `${flags.ignoreCase ? "i" : ""}${flags.multiline ? "m" : ""}u`;
  try {
    return { regex: new (loadRe2())(source, re2Flags), unicode };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw fail(`RE2 cannot run it (${why}); patterns run in RE2, which matches in linear time`);
  }
}
