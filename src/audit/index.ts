/** Public surface of audit/: the tool-call and run log in the shared SQLite database. */
export { AuditLog, runOutcomeForError } from "./audit-log.js";
export { describeSideEffect, sideEffectOf } from "./side-effects.js";
export { argsDigest, canonicalJson } from "./digest.js";
export { AUDIT_MIGRATIONS, AUDIT_NAMESPACE } from "./schema.js";
export type {
  CallDecisionInput,
  CallOutcome,
  CallRow,
  CallSource,
  EndCallInput,
  RunOutcome,
  RunRow,
  RunPageOptions,
  StartCallInput,
} from "./audit-log.js";
export type { SideEffect } from "./side-effects.js";
