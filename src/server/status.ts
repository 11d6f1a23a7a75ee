/** HTTP status of an error and of a run's result, from the tables in errors/meanings.ts. */
import { HTTP_STATUS_OF_CODE, REFUSED_BEFORE_RUN_CODES } from "../errors/index.js";


/** The HTTP status for an error code; 500 for anything not listed (an internal failure). */
export function statusForCode(code: string): number {
  return (Object.hasOwn(HTTP_STATUS_OF_CODE, code) ? HTTP_STATUS_OF_CODE[code] : undefined) ?? 500;
}


/** Status for a finished run's JSON result. */
export function statusForRun(result: { ok: boolean; error?: { code: string } | undefined }): number {
  if (result.ok || result.error === undefined) return 200;
  return REFUSED_BEFORE_RUN_CODES.has(result.error.code) ? statusForCode(result.error.code) : 200;
}
