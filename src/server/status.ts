/** One table from error code to HTTP status, so every route answers the same failure with the same status. */

const STATUS: Readonly<Record<string, number>> = {
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

/** The HTTP status for an error code; 500 for anything not listed (an internal failure). */
export function statusForCode(code: string): number {
  return (Object.hasOwn(STATUS, code) ? STATUS[code] : undefined) ?? 500;
}

/**
 * Codes meaning a run was refused before any of the script ran (its input was rejected or the pool was full). A run
 * that started answers 200 with `ok: false` instead: the script's own failure is the result, not a bad request.
 */
const REFUSED_BEFORE_RUN = new Set([
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

/** Status for a finished run's JSON result. */
export function statusForRun(result: { ok: boolean; error?: { code: string } | undefined }): number {
  if (result.ok || result.error === undefined) return 200;
  return REFUSED_BEFORE_RUN.has(result.error.code) ? statusForCode(result.error.code) : 200;
}
