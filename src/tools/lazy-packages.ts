/**
 * Packages only some tools use, loaded on their first use instead of when the registry is built: a script that only
 * reads a file (and `cody script run` builds every tool's handler) should not load a native regex engine and two
 * glob libraries at start-up (≈ 40–60 ms of CPU measured for re2 and ignore, less for picomatch). All three are
 * CommonJS, so a synchronous require keeps their callers synchronous.
 */
import { createRequire } from "node:module";
import type Ignore from "ignore";
import type Picomatch from "picomatch";
import type RE2 from "re2";

const require = createRequire(import.meta.url);

let re2: typeof RE2 | undefined;
let picomatch: typeof Picomatch | undefined;
let ignore: typeof Ignore | undefined;

/** The RE2 class (native). */
export function loadRe2(): typeof RE2 {
  return (re2 ??= require("re2") as typeof RE2);
}

/** picomatch (parses globs; its regexes are run in RE2, see glob-match.ts). */
export function loadPicomatch(): typeof Picomatch {
  return (picomatch ??= require("picomatch") as typeof Picomatch);
}

/** The `ignore` factory (gitignore rules). */
export function loadIgnore(): typeof Ignore {
  return (ignore ??= require("ignore") as typeof Ignore);
}
