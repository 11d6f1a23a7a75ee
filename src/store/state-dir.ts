/**
 * The state folder (`.cody/` by default) holds the cache key, the database with its audit log, and generated files:
 * none of it belongs in version control, so a folder of that name gets a `.gitignore` of `*` (which also ignores
 * itself) and `git add -A` never picks up the key or the audit.
 */
import fs from "node:fs";
import path from "node:path";

/** Name of the default state folder (the database's directory unless `--db` / `CODY_DB` moves it). */
export const STATE_DIR = ".cody";

/**
 * Write `<dir>/.gitignore` containing `*` when `dir` is a state folder without one. Best effort: a read-only or
 * otherwise unwritable folder is left as it is (opening the database there reports the real problem).
 */
export function ignoreStateDirInGit(dir: string): void {
  if (path.basename(dir) !== STATE_DIR) return;
  try {
    fs.writeFileSync(path.join(dir, ".gitignore"), "*\n", { flag: "wx" });
  } catch {
    // EEXIST: the user's own file (or ours) stays; anything else is not worth failing the open for.
  }
}
