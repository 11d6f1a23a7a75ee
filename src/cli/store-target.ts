/**
 * Which store a command uses, from its flags and the environment: `--store URL|FILE`, else `--db FILE`, else
 * `CODY_STORE`, else `CODY_DB`, else `store` in cody.json, else `<cwd>/.cody/cache.db`. The CLI is the one place that
 * reads these variables (and `CODY_STORE_SECRET`); the library takes resolved values.
 */
import { loadConfig } from "../config/index.js";
import { UsageError } from "../errors/index.js";
import { resolveStoreTarget, type StoreTarget } from "../store/index.js";

export interface StoreFlags {
  store?: string | undefined;
  db?: string | undefined;
}

/** The target named by flags or the environment, or undefined when neither names one (the config's then applies). */
export function storeFromFlags(flags: StoreFlags, cwd: string): StoreTarget | undefined {
  const env = process.env;
  const named = flags.store !== undefined || flags.db !== undefined || Boolean(env["CODY_STORE"]) || Boolean(env["CODY_DB"]);
  if (!named) return undefined;
  // A relative --store/--db is a file argument: it means the shell's directory, like every other file argument.
  return resolveStoreTarget({ cwd, flagCwd: process.cwd(), store: flags.store, db: flags.db, env });
}

/** The full resolution, reading cody.json only when flags and environment name nothing. */
export async function storeTargetFor(flags: StoreFlags, cwd: string): Promise<StoreTarget> {
  return storeFromFlags(flags, cwd) ?? resolveStoreTarget({ cwd, config: (await loadConfig(cwd)).store, env: {} });
}

/** `CODY_STORE_SECRET`, which every instance sharing a PostgreSQL store is given. */
export function storeSecretFromEnv(): string | undefined {
  const secret = process.env["CODY_STORE_SECRET"];
  return secret === undefined || secret === "" ? undefined : secret;
}

/** The secret, required: a PostgreSQL store without it cannot check a single row. */
export function requireStoreSecret(): string {
  const secret = storeSecretFromEnv();
  if (secret === undefined) {
    throw new UsageError("A PostgreSQL store needs CODY_STORE_SECRET (the secret its instances share, at least 16 characters)", {
      path: "CODY_STORE_SECRET",
    });
  }
  return secret;
}

/** How a target is shown to a person (a file path, or the URL with its password masked). */
export { redactUrl } from "../store/index.js";
