/**
 * Settings resolved once, at the edge: a command's flags (or a library caller's options), the environment, cody.json
 * and the defaults become one `Settings`, which every layer below takes as it is. The CLI calls this once per command;
 * `Harness.create` calls it for a library caller that did not.
 */
import path from "node:path";
import type { ApprovalPolicyOptions } from "../approval/index.js";
import { normalizeLimits, type Limits } from "../limits.js";
import { resolveSandbox, type SandboxMode, type SandboxSettings } from "../sandbox/index.js";
import { resolveDatabasePath, resolveStoreTarget, type StoreTarget } from "../store/index.js";
import { loadConfigFile } from "./load.js";
import type { CodyConfig } from "./types.js";

export interface SettingsInput {
  /** Workspace root (made absolute). */
  cwd: string;
  /** A configuration already loaded; else `<cwd>/cody.json` or `<cwd>/.cody/config.json` is loaded. */
  config?: CodyConfig | undefined;
  /** The database file as given (`--db`, relative to `flagCwd`), over `env.CODY_DB`. */
  dbPath?: string | undefined;
  /**
   * Where cache, audit and conversations live, over `dbPath`: a `postgres://` URL (shared by a fleet) or a SQLite file
   * (`--store`, relative to `flagCwd`). Else `env.CODY_STORE`, `env.CODY_DB`, the config's `store`, the default file.
   */
  store?: string | undefined;
  /** The directory relative file flags are resolved against (the shell's). @default cwd */
  flagCwd?: string | undefined;
  /** The secret the instances of a PostgreSQL store share (the CLI reads `CODY_STORE_SECRET`). */
  storeSecret?: string | undefined;
  /**
   * The environment to read `CODY_DB` from. The library passes none (an embedder's or a test's state must not follow
   * the caller's environment); the CLI passes `process.env`. @default {}
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Limits over the config's `limits` and the defaults (e.g. from `--timeout`). */
  limits?: Partial<Limits> | undefined;
  policy?: ApprovalPolicyOptions | undefined;
  /** The OS sandbox over the config's `sandbox` (e.g. `--sandbox MODE` gives `{ mode }`). */
  sandbox?: { mode?: SandboxMode; network?: boolean } | undefined;
}

/** What a command or a harness runs with; nothing below re-reads the config, the environment or the defaults. */
export interface Settings {
  cwd: string;
  config: CodyConfig;
  /** The config file used; undefined when none exists or the config was given. */
  configFile: string | undefined;
  limits: Limits;
  /** Where cache, audit and conversations live. */
  store: StoreTarget;
  /** The secret of a PostgreSQL store (required there; unused with SQLite). */
  storeSecret: string | undefined;
  /**
   * The SQLite file, or with PostgreSQL the workspace's default file path (local state such as generated declarations
   * and the engine cache stays beside it). `":memory:"` or an absolute path.
   */
  dbPath: string;
  policy: ApprovalPolicyOptions | undefined;
  sandbox: SandboxSettings;
}

/** Flags over env over cody.json over the defaults. Throws ConfigError (the file) or InvalidOptionError (a value). */
export async function resolveSettings(input: SettingsInput): Promise<Settings> {
  const cwd = path.resolve(input.cwd);
  const loaded = input.config !== undefined ? { config: input.config, file: undefined } : await loadConfigFile(cwd);
  const { config } = loaded;
  const store = resolveStoreTarget({
    cwd,
    flagCwd: input.flagCwd,
    store: input.store,
    db: input.dbPath === "" ? undefined : input.dbPath,
    config: config.store,
    env: input.env ?? {},
  });
  return {
    cwd,
    config,
    configFile: loaded.file,
    limits: normalizeLimits({ ...config.limits, ...input.limits }),
    store,
    storeSecret: input.storeSecret,
    dbPath: store.kind === "sqlite" ? store.path : resolveDatabasePath({ cwd, env: {} }),
    policy: input.policy,
    sandbox: resolveSandbox(input.sandbox ?? {}, resolveSandbox(config.sandbox)),
  };
}

