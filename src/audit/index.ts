/** Public surface of audit/: the tool-call and run log in the shared database (SQLite or PostgreSQL). */
export { AuditLog, runOutcomeForError } from "./audit-log.js";
export { describeSideEffect, sideEffectOf } from "./side-effects.js";
export { argsDigest, canonicalJson } from "./digest.js";
export { AUDIT_MIGRATIONS, AUDIT_NAMESPACE } from "./schema.js";
export { SqliteAuditRows } from "./sqlite-rows.js";
export { PgAuditRows, PG_AUDIT_MIGRATIONS } from "./pg-rows.js";
export type { AuditLogOptions, CallDecisionInput, EndCallInput, StartCallInput } from "./audit-log.js";
export type { AuditRows, AuditWrite, CallInsert, CallOutcome, CallRow, CallSource, RunOutcome, RunPage, RunPageOptions, RunRow } from "./store.js";
export type { SideEffect } from "./side-effects.js";
export type { SqliteAuditRowsOptions } from "./sqlite-rows.js";
export type { SqliteWriter, SqliteWriterOptions } from "./sqlite-writer.js";
