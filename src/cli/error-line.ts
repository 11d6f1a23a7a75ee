/**
 * One style for an error that stops a command before (or instead of) a run — `cody: Name: message` — plus, for a
 * limit, the flag or config key that raises it. `script run`, `check` and `compile` all print input errors this way.
 */
import { LIMIT_OF_ERROR_CODE, isLimitError } from "../errors/index.js";
import { howToRaiseLimit } from "../limits.js";
import { EXIT } from "./exit-codes.js";

interface ErrorLike {
  name: string;
  code: string;
  message: string;
}

/** `  raise it with --memory <MB> or limits.memoryBytes in cody.json`, or "" for an error that is not a limit. */
export function limitHint(code: string): string {
  const key = LIMIT_OF_ERROR_CODE[code];
  return key === undefined ? "" : `  ${howToRaiseLimit(key)}\n`;
}

export function errorLine(error: ErrorLike): string {
  return `cody: ${error.name}: ${error.message}\n${limitHint(error.code)}`;
}

/** Exit status of an input error: 3 for a limit (a script over the size limit), else 2. */
export function inputErrorExit(error: { code: string }): number {
  return isLimitError(error) ? EXIT.limit : EXIT.usage;
}
