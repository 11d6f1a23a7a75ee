/** Public surface of config/: loading and validating cody.json / .cody/config.json. */
export { loadConfig, loadConfigFile } from "./load.js";
export { parseConfig } from "./parse.js";
export { resolveSettings } from "./resolve.js";
export { CONFIG_SCHEMA } from "./schema.js";
export type { LoadedConfig } from "./load.js";
export type { CodyConfig, McpServerConfig, McpStdioServerConfig, McpRemoteServerConfig } from "./types.js";
export type { Settings, SettingsInput } from "./resolve.js";
