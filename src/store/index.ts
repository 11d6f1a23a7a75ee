/** Public surface of store/: one SQLite file shared by cache, audit log and conversations, with namespaced migrations. */
export { openDatabase } from "./open.js";
export { migrate, schemaVersion } from "./migrate.js";
export { resolveDatabasePath, DEFAULT_DB_RELATIVE } from "./path.js";
export { ignoreStateDirInGit, STATE_DIR } from "./state-dir.js";
export type { Database } from "./open.js";
