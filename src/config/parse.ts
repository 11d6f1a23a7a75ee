/** Turn the text of a config file into a validated CodyConfig. */
import { ConfigError, InvalidOptionError } from "../errors/index.js";
import { normalizeLimits } from "../limits.js";
import { blankJsonComments } from "./comments.js";
import { findJsonSyntaxError, lineColumn } from "./json-syntax.js";
import type { CodyConfig } from "./types.js";
import { show, validateConfigShape } from "./validate.js";

/**
 * Parse and validate config text (JSON with `//` and `/* *\/` comments). `file` is only used in messages and details.
 * Throws ConfigError: invalid JSON (with line and column), a top level that is not an object, or a known section
 * that does not match its schema (with the JSON path and the value received).
 */
export function parseConfig(text: string, file: string): CodyConfig {
  const source = blankJsonComments(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    throw syntaxError(source, file, error);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`${file}: the configuration must be a JSON object, got ${show(data)}`, {
      file,
      path: "",
      value: Array.isArray(data) ? "array" : data === null ? null : typeof data,
    });
  }
  validateConfigShape(data, file);
  refuseStoredKey(data as Record<string, unknown>, file);
  const config = data as CodyConfig;
  if (config.limits !== undefined) checkLimits(config.limits, file);
  // Deep-copied by JSON.parse already; adding the default section does not touch the caller's data.
  if (config.mcpServers === undefined) config.mcpServers = {};
  return config;
}

/** API keys do not belong in a file that gets committed: refused by every command, not only by `cody exec`. */
function refuseStoredKey(data: Record<string, unknown>, file: string): void {
  const provider = data["provider"];
  if (provider === null || typeof provider !== "object" || !("apiKey" in provider)) return;
  throw new ConfigError(
    `${file}: provider.apiKey is not allowed (config files get committed): put the key in the environment ` +
      "(CODY_API_KEY or OPENAI_API_KEY), or name the variable that holds it with provider.apiKeyEnv",
    { file, path: "provider.apiKey", value: "<redacted>" },
  );
}

function syntaxError(text: string, file: string, cause: unknown): ConfigError {
  const problem = findJsonSyntaxError(text);
  // The scanner and JSON.parse follow the same grammar; the fallback only guards against a disagreement.
  const { line, column } = problem ?? lineColumn(text, text.length);
  const what = problem?.message ?? (cause instanceof Error ? cause.message : String(cause));
  return new ConfigError(
    `${file}:${line}:${column}: invalid JSON: ${what}`,
    { file, line, column },
    { location: { file, line, column }, cause },
  );
}

function checkLimits(limits: unknown, file: string): void {
  try {
    normalizeLimits(limits as Parameters<typeof normalizeLimits>[0]);
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    throw new ConfigError(`${file}: ${error.message}`, { file, ...error.details }, { cause: error });
  }
}
