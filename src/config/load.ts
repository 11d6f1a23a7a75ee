/** Find and read the configuration for a working directory. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../errors/index.js";
import { parseConfig } from "./parse.js";
import type { CodyConfig } from "./types.js";

/** Where configuration is looked for, in order; the first file that exists wins (no merging). */
const CONFIG_FILE_NAMES: readonly string[] = ["cody.json", path.join(".cody", "config.json")];

/** A loaded configuration and the file it came from (undefined when no file exists). */
export interface LoadedConfig {
  config: CodyConfig;
  file: string | undefined;
}

/**
 * Load `<cwd>/cody.json`, else `<cwd>/.cody/config.json`, else an empty configuration (`{ mcpServers: {} }`).
 * A file that exists but cannot be read or parsed is an error; it never falls through to the next candidate.
 */
export async function loadConfig(cwd: string): Promise<CodyConfig> {
  return (await loadConfigFile(cwd)).config;
}

/** Like `loadConfig`, and also says which file was used. */
export async function loadConfigFile(cwd: string): Promise<LoadedConfig> {
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.resolve(cwd, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new ConfigError(`${file}: cannot read the configuration: ${(error as Error).message}`, { file, code }, { cause: error });
    }
    return { config: parseConfig(text, file), file };
  }
  return { config: { mcpServers: {} }, file: undefined };
}
