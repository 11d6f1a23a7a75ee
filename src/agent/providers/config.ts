/**
 * Provider settings, with every default declared once. Resolution order for each field: explicit option, then
 * environment (`CODY_*`, then `OPENAI_*`), then the default. Any OpenAI-compatible server works through `baseUrl`.
 */
import { InvalidOptionError, UsageError } from "../../errors/index.js";
import type { RetryInfo } from "./types.js";

export type ProviderApi = "responses" | "chat";

export interface ProviderConfig {
  /** Which wire protocol: OpenAI Responses (`POST /responses`) or Chat Completions (`POST /chat/completions`). @default "responses" */
  api: ProviderApi;
  /** @default "https://api.openai.com/v1" (env CODY_BASE_URL, OPENAI_BASE_URL) */
  baseUrl: string;
  /** @default "gpt-4.1" (env CODY_MODEL) */
  model: string;
  /** Sent as `Authorization: Bearer …` when set (env CODY_API_KEY, OPENAI_API_KEY). */
  apiKey?: string;
  /** Extra request headers. */
  headers: Record<string, string>;
  /** Milliseconds to wait for response headers, per attempt. @default 60000 */
  timeoutMs: number;
  /** Milliseconds without a byte of the streamed body before giving up. @default 120000 */
  idleTimeoutMs: number;
  /** Retries after the first attempt on 408/409/429/5xx and network errors (never after streaming began). @default 3 */
  maxRetries: number;
  /** First backoff delay; doubles per retry, with jitter. @default 500 */
  retryBaseMs: number;
  /** Upper bound on any one delay, including a server's Retry-After. @default 30000 */
  maxRetryDelayMs: number;
  /** Called before each retry's wait. */
  onRetry?: (info: RetryInfo) => void;
}

export type ProviderConfigInput = Partial<Omit<ProviderConfig, "apiKey">> & {
  apiKey?: string | undefined;
  /** Read the key from this environment variable instead of CODY_API_KEY / OPENAI_API_KEY. */
  apiKeyEnv?: string | undefined;
};

const PROVIDER_DEFAULTS = Object.freeze({
  api: "responses" as ProviderApi,
  baseUrl: "https://api.openai.com/v1",
  model: "gpt-4.1",
  timeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  maxRetries: 3,
  retryBaseMs: 500,
  maxRetryDelayMs: 30_000,
});

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);

/**
 * Resolve provider settings: `flags` first, then the environment, then `file` (the config file's `provider`
 * section, which may name `apiKeyEnv` but never hold a key), then the defaults. Throws InvalidOptionError naming
 * `provider.<field>`, or UsageError for a missing key.
 */
export function resolveProviderConfig(
  flags: ProviderConfigInput = {},
  env: NodeJS.ProcessEnv = process.env,
  file: unknown = undefined,
): ProviderConfig {
  const input = mergeFileSection(flags, env, file);
  const api = input.api ?? (nonEmpty(env["CODY_API"]) as ProviderApi | undefined) ?? PROVIDER_DEFAULTS.api;
  if (api !== "responses" && api !== "chat") {
    throw new InvalidOptionError(`\`provider.api\` must be "responses" or "chat", got \`${String(api)}\``, {
      path: "provider.api",
      value: String(api),
    });
  }
  const baseUrl = (input.baseUrl ?? nonEmpty(env["CODY_BASE_URL"]) ?? nonEmpty(env["OPENAI_BASE_URL"]) ?? PROVIDER_DEFAULTS.baseUrl).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidOptionError(`\`provider.baseUrl\` must be an http(s) URL, got \`${baseUrl}\``, { path: "provider.baseUrl", value: baseUrl });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionError(`\`provider.baseUrl\` must be an http(s) URL, got \`${baseUrl}\``, { path: "provider.baseUrl", value: baseUrl });
  }
  const model = input.model ?? nonEmpty(env["CODY_MODEL"]) ?? PROVIDER_DEFAULTS.model;
  if (typeof model !== "string" || model.trim() === "") {
    throw new InvalidOptionError(`\`provider.model\` must be a non-empty string, got \`${String(model)}\``, { path: "provider.model", value: String(model) });
  }
  let apiKey = nonEmpty(input.apiKey);
  if (apiKey === undefined && input.apiKeyEnv !== undefined) {
    apiKey = nonEmpty(env[input.apiKeyEnv]);
    if (apiKey === undefined) {
      throw new UsageError(`Environment variable \`${input.apiKeyEnv}\` (named by --api-key-env or provider.apiKeyEnv) is not set`, { path: "apiKeyEnv", value: input.apiKeyEnv });
    }
  }
  apiKey ??= nonEmpty(env["CODY_API_KEY"]) ?? nonEmpty(env["OPENAI_API_KEY"]);
  if (apiKey === undefined && url.hostname === "api.openai.com") {
    throw new UsageError("No API key for api.openai.com: set OPENAI_API_KEY or CODY_API_KEY (or use --api-key-env NAME)");
  }
  const out: ProviderConfig = {
    api,
    baseUrl,
    model,
    headers: { ...(input.headers ?? {}) },
    timeoutMs: count("timeoutMs", input.timeoutMs ?? PROVIDER_DEFAULTS.timeoutMs, 1),
    idleTimeoutMs: count("idleTimeoutMs", input.idleTimeoutMs ?? PROVIDER_DEFAULTS.idleTimeoutMs, 1),
    maxRetries: count("maxRetries", input.maxRetries ?? PROVIDER_DEFAULTS.maxRetries, 0),
    retryBaseMs: count("retryBaseMs", input.retryBaseMs ?? PROVIDER_DEFAULTS.retryBaseMs, 0),
    maxRetryDelayMs: count("maxRetryDelayMs", input.maxRetryDelayMs ?? PROVIDER_DEFAULTS.maxRetryDelayMs, 0),
  };
  if (apiKey !== undefined) out.apiKey = apiKey;
  if (input.onRetry) out.onRetry = input.onRetry;
  return out;
}

function count(field: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`\`provider.${field}\` must be an integer >= ${min}, got \`${String(value)}\` (${typeof value})`, {
      path: `provider.${field}`,
      value: typeof value === "number" ? value : String(value),
    });
  }
  return value;
}

/** Fields of the config file's `provider` section; env values still win over them (applied by the caller order). */
const FILE_FIELDS = ["api", "baseUrl", "model", "apiKeyEnv", "timeoutMs", "idleTimeoutMs", "maxRetries", "retryBaseMs", "maxRetryDelayMs", "headers"] as const;
const ENV_FOR: Partial<Record<(typeof FILE_FIELDS)[number], string[]>> = {
  api: ["CODY_API"],
  baseUrl: ["CODY_BASE_URL", "OPENAI_BASE_URL"],
  model: ["CODY_MODEL"],
};

function mergeFileSection(flags: ProviderConfigInput, env: NodeJS.ProcessEnv, file: unknown): ProviderConfigInput {
  if (file === undefined || file === null) return flags;
  if (typeof file !== "object" || Array.isArray(file)) {
    throw new InvalidOptionError("The config file's `provider` section must be an object", { path: "provider", value: String(file) });
  }
  const section = file as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (key === "apiKey") {
      throw new InvalidOptionError("`provider.apiKey` may not be stored in a config file (config files get committed): put the key in the environment (CODY_API_KEY or OPENAI_API_KEY), or name the variable that holds it with `provider.apiKeyEnv`", { path: "provider.apiKey", value: "<redacted>" });
    }
    if (!(FILE_FIELDS as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`Unknown field \`provider.${key}\` (known: ${FILE_FIELDS.join(", ")})`, { path: `provider.${key}`, value: String(section[key]) });
    }
  }
  const out: Record<string, unknown> = { ...flags };
  for (const key of FILE_FIELDS) {
    if (out[key] !== undefined || section[key] === undefined) continue;
    // An environment variable for this field beats the file.
    if ((ENV_FOR[key] ?? []).some((name) => nonEmpty(env[name]) !== undefined)) continue;
    if (key === "apiKeyEnv" && (flags.apiKey !== undefined || nonEmpty(env["CODY_API_KEY"]) !== undefined)) continue;
    if (["api", "baseUrl", "model", "apiKeyEnv"].includes(key) && typeof section[key] !== "string") {
      throw new InvalidOptionError(`\`provider.${key}\` must be a string, got \`${String(section[key])}\` (${typeof section[key]})`, { path: `provider.${key}`, value: String(section[key]) });
    }
    out[key] = section[key];
  }
  return out as ProviderConfigInput;
}
