/**
 * What an error code means, one table per meaning, beside the classes that own the codes: which codes are a usage
 * mistake or a limit, which limit a limit error reports, the outcome the audit records, the CLI's exit status and the
 * REST server's HTTP status. Every consumer reads these tables; none keeps its own.
 */
import type { Limits } from "../limits.js";

/** Documented exit codes of every `cody` command. */
export const EXIT = {
  /** Success (for `check`: no diagnostics). */
  ok: 0,
  /** The script failed: diagnostics found, uncaught error, tool failure. */
  failed: 1,
  /** Usage or I/O error: bad flags, missing file, unreadable input. */
  usage: 2,
  /** A run limit was exceeded (time, memory, tool calls, output, result size). */
  limit: 3,
  /** Aborted (Ctrl-C) or an approval was refused with "abort". */
  aborted: 130,
} as const;

/** Errors that mean "the command could not be carried out as given" (flags, files, config, database): exit 2. */
export const USAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  "CODY_USAGE",
  "CODY_INVALID_OPTION",
  "CODY_CONFIG_INVALID",
  "CODY_SCRIPT_READ",
  "CODY_SCRIPT_ENCODING",
  "CODY_SCRIPT_EMPTY",
  "CODY_CACHE",
  "CODY_STORE",
]);

/**
 * A run's failure that is not the script's, with the exit status `script run` and `exec` give it (the database
 * failed: an I/O error; the run was aborted). Other failed runs exit 3 for a limit (`isLimitError`), else 1.
 */
export const RUN_EXIT_OF_CODE: Readonly<Record<string, number>> = {
  CODY_STORE: EXIT.usage,
  CODY_ABORTED: EXIT.aborted,
};

/** The limit each limit error reports, so a message can say how to raise it (see LIMIT_SETTINGS in limits.ts). */
export const LIMIT_OF_ERROR_CODE: Readonly<Record<string, keyof Limits>> = {
  CODY_LIMIT_TIMEOUT: "timeoutMs",
  CODY_LIMIT_MEMORY: "memoryBytes",
  CODY_LIMIT_TOOL_CALLS: "maxToolCalls",
  CODY_LIMIT_RESULT: "maxResultBytes",
  CODY_SCRIPT_TOO_LARGE: "maxSourceBytes",
  CODY_LIMIT_CHECK_TIMEOUT: "checkTimeoutMs",
};

/** The outcome the audit records for a run that ended with this code (timeouts and aborts kept apart); else "error". */
export const RUN_OUTCOME_OF_CODE: Readonly<Record<string, "timeout" | "aborted" | "denied">> = {
  CODY_LIMIT_TIMEOUT: "timeout",
  CODY_ABORTED: "aborted",
  CODY_APPROVAL_DENIED: "denied",
};

/** The REST server's HTTP status for each code, so every route answers a failure alike; unlisted codes are 500. */
export const HTTP_STATUS_OF_CODE: Readonly<Record<string, number>> = {
  CODY_HTTP_BAD_REQUEST: 400,
  CODY_USAGE: 400,
  CODY_INVALID_OPTION: 400,
  CODY_SCRIPT_EMPTY: 400,
  CODY_SCRIPT_ENCODING: 400,
  CODY_SCRIPT_SYNTAX: 400,
  CODY_TOOL_INVALID_ARGS: 400,
  CODY_PATH_OUTSIDE_WORKSPACE: 400,
  CODY_TOOL_PROTECTED_PATH: 403,
  CODY_APPROVAL_DENIED: 403,
  CODY_HTTP_FORBIDDEN_HOST: 403,
  CODY_HTTP_NOT_FOUND: 404,
  CODY_TOOL_NOT_FOUND: 404,
  CODY_APPROVAL_TIMEOUT: 408,
  CODY_HTTP_CONFLICT: 409,
  CODY_ABORTED: 409,
  CODY_HTTP_PAYLOAD_TOO_LARGE: 413,
  CODY_SCRIPT_TOO_LARGE: 413,
  CODY_HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  CODY_SCRIPT_TYPE: 422,
  CODY_TOOL_FAILED: 422,
  CODY_PATCH_FAILED: 422,
  // The script could not be checked within limits.checkTimeoutMs: a property of the script (a client retrying the
  // same text gets the same answer), so 422 rather than 408 (a slow client) or 503 (a busy server).
  CODY_LIMIT_CHECK_TIMEOUT: 422,
  CODY_POOL_QUEUE_FULL: 429,
  CODY_MCP: 502,
  CODY_POOL_CLOSED: 503,
  CODY_HTTP_UNAUTHORIZED: 401,
  CODY_HTTP_FORBIDDEN_ORIGIN: 403,
  CODY_STORE: 503,
};

/**
 * Codes meaning a run was refused before any of the script ran (its input was rejected or the pool was full). Over
 * REST such a run answers with its code's status; a run that started answers 200 with `ok: false` instead.
 */
export const REFUSED_BEFORE_RUN_CODES: ReadonlySet<string> = new Set([
  "CODY_SCRIPT_EMPTY",
  "CODY_SCRIPT_ENCODING",
  "CODY_SCRIPT_SYNTAX",
  "CODY_SCRIPT_TOO_LARGE",
  "CODY_SCRIPT_TYPE",
  "CODY_LIMIT_CHECK_TIMEOUT",
  "CODY_INVALID_OPTION",
  "CODY_POOL_QUEUE_FULL",
  "CODY_POOL_CLOSED",
]);
