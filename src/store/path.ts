/** Where the database lives: `--db` flag, then `CODY_DB`, then `<cwd>/.cody/cache.db`. */
import path from "node:path";
import { UsageError } from "../errors/index.js";

/** Default location relative to the working directory. */
const DEFAULT_DB_RELATIVE = path.join(".cody", "cache.db");

/**
 * Resolve the database file. A relative flag or env value is taken relative to `cwd`. An empty `CODY_DB` counts as
 * unset; an empty flag is a usage error (someone typed `--db ""`). `env` is required: only the CLI passes
 * `process.env`, so library callers and tests never pick up the caller's `CODY_DB` by accident.
 */
export function resolveDatabasePath(opts: { cwd: string; flag?: string | undefined; env: NodeJS.ProcessEnv }): string {
  const { cwd, flag, env } = opts;
  if (flag !== undefined) {
    if (flag === "") throw new UsageError("`--db` needs a file path, got an empty string", { path: "--db", value: flag });
    return flag === ":memory:" ? flag : path.resolve(cwd, flag);
  }
  const fromEnv = env["CODY_DB"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv === ":memory:" ? fromEnv : path.resolve(cwd, fromEnv);
  return path.resolve(cwd, DEFAULT_DB_RELATIVE);
}
