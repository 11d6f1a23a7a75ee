/**
 * Which database a command uses: a PostgreSQL URL (shared by a fleet) or a SQLite file (the default, per workspace).
 * `--store` (a URL or a file), else `--db` (a file), else `CODY_STORE`, else `CODY_DB`, else `store` in cody.json,
 * else `<cwd>/.cody/cache.db`.
 */
import path from "node:path";
import { UsageError } from "../errors/index.js";
import { DEFAULT_DB_RELATIVE } from "./path.js";

export type StoreTarget = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value);
}

function target(value: string, cwd: string): StoreTarget {
  if (isPostgresUrl(value)) return { kind: "postgres", url: value };
  return { kind: "sqlite", path: value === ":memory:" ? value : path.resolve(cwd, value) };
}

/**
 * Resolve the store. Flags are relative to the shell's directory (`flagCwd`), the environment and the config to the
 * workspace. `env` is required: only the CLI passes `process.env`, so library callers never follow the caller's.
 */
export function resolveStoreTarget(opts: {
  cwd: string;
  flagCwd?: string | undefined;
  store?: string | undefined;
  db?: string | undefined;
  config?: string | undefined;
  env: NodeJS.ProcessEnv;
}): StoreTarget {
  const flagCwd = opts.flagCwd ?? opts.cwd;
  if (opts.store !== undefined) {
    if (opts.store === "") throw new UsageError("`--store` needs a postgres:// URL or a SQLite file, got an empty string", { path: "--store" });
    return target(opts.store, flagCwd);
  }
  if (opts.db !== undefined) {
    if (opts.db === "") throw new UsageError("`--db` needs a file path, got an empty string", { path: "--db", value: opts.db });
    return target(opts.db, flagCwd);
  }
  for (const name of ["CODY_STORE", "CODY_DB"]) {
    const value = opts.env[name];
    if (value !== undefined && value !== "") return target(value, opts.cwd);
  }
  if (opts.config !== undefined && opts.config !== "") return target(opts.config, opts.cwd);
  return { kind: "sqlite", path: path.resolve(opts.cwd, DEFAULT_DB_RELATIVE) };
}
