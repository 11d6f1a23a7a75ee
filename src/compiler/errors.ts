/** Errors owned by the compiler stage (the script-level ones live in src/errors/classes.ts). */
import { CodyError, registerErrorCode, type ErrorLocation } from "../errors/index.js";

/** The TypeScript checker could not run (its child process failed to start or died). */
export class TypeCheckerError extends CodyError {
  static readonly code = "CODY_TYPECHECKER_FAILED";
  constructor(message: string, details: Record<string, unknown> = {}, options: { location?: ErrorLocation; cause?: unknown } = {}) {
    super("CODY_TYPECHECKER_FAILED", message, details, options);
  }
}
registerErrorCode(
  "CODY_TYPECHECKER_FAILED",
  (s) => new TypeCheckerError(s.message, s.details, s.location ? { location: s.location } : {}),
);
