/**
 * Public surface of store/: one SQLite file (or one PostgreSQL database) shared by cache, audit log and conversations,
 * with namespaced migrations.
 */
export { openDatabase } from "./open.js";
export { migrate, schemaVersion } from "./migrate.js";
export { resolveDatabasePath } from "./path.js";
export { asStoreError, isStoreFault, storeOp } from "./fault.js";
export { currentOwner, ownerIsGone, ownerPid } from "./owner.js";
export { StoreHealth } from "./health.js";
export { PgConnection, PgStatementError, redactUrl } from "./pg/connection.js";
export { isPostgresUrl, resolveStoreTarget } from "./target.js";
export { ignoreStateDirInGit, STATE_DIR } from "./state-dir.js";
export type { Database } from "./open.js";
export type { ProcessOwner } from "./owner.js";
export type { StoreFault } from "./health.js";
export type { PgConnectionOptions } from "./pg/connection.js";
export type { PgResult, PgStatement } from "./pg/protocol.js";
export type { StoreTarget } from "./target.js";
