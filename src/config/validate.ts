/** Schema validation of a parsed config, with one readable message per failure: path, expectation, value received. */
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import { ConfigError } from "../errors/index.js";
import { CONFIG_SCHEMA } from "./schema.js";

const require = createRequire(import.meta.url);
/** Compiled on first use: most processes find no config file, and ajv costs ≈ 100–250 ms to load and compile. */
let validateSchema: ValidateFunction | undefined;

/** Throws ConfigError naming `file`, the JSON path and the value when `data` does not match the config schema. */
export function validateConfigShape(data: unknown, file: string): void {
  if (!validateSchema) {
    const { Ajv } = require("ajv") as typeof import("ajv");
    validateSchema = new Ajv({ allErrors: false, verbose: true, strict: true }).compile(CONFIG_SCHEMA);
  }
  if (validateSchema(data)) {
    checkServerKinds((data as { mcpServers?: Record<string, Record<string, unknown>> }).mcpServers ?? {}, file);
    return;
  }
  const errors = validateSchema.errors ?? [];
  const { path, text, value } = describeErrors(errors, data);
  throw new ConfigError(`${file}: ${text}`, { file, path, value: jsonSafe(value) });
}

interface Described {
  path: string;
  text: string;
  value: unknown;
}

function describeErrors(errors: ErrorObject[], root: unknown): Described {
  // With anyOf, ajv reports each failed branch before the anyOf itself; the anyOf error speaks for them all.
  const error = errors.find((e) => e.keyword === "anyOf") ?? errors[0];
  if (!error) return { path: "", text: "configuration is invalid", value: root };
  const segments = pointerSegments(error.instancePath);
  const path = formatPath(segments);
  const at = path === "" ? "the configuration" : path;
  switch (error.keyword) {
    case "required": {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      const full = formatPath([...segments, missing]);
      return { path: full, text: `${full} is required`, value: undefined };
    }
    case "additionalProperty":
    case "additionalProperties": {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const full = formatPath([...segments, extra]);
      return {
        path: full,
        text: `${full} is not a known field${known.length ? ` (known: ${known.join(", ")})` : ""}`,
        value: (error.data as Record<string, unknown>)[extra],
      };
    }
    case "propertyNames":
    case "pattern": {
      if (error.propertyName !== undefined || error.keyword === "propertyNames") {
        const name = error.propertyName ?? String((error.params as { propertyName?: string }).propertyName);
        return {
          path: formatPath([...segments, name]),
          text:
            `${at} has an invalid server name ${JSON.stringify(name)}: a name must start with a letter, _ or $ and ` +
            `contain only letters, digits, _, $ and - (it becomes tools.mcp.<name>.<tool>)`,
          value: name,
        };
      }
      break;
    }
    case "anyOf": {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return { path, text: `${at} must be ${description ?? "one of the allowed shapes"}, got ${show(error.data)}`, value: error.data };
    }
    case "enum": {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { path, text: `${at} must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, got ${show(error.data)}`, value: error.data };
    }
    case "const": {
      const allowed = (error.params as { allowedValue: unknown }).allowedValue;
      return { path, text: `${at} must be ${JSON.stringify(allowed)}, got ${show(error.data)}`, value: error.data };
    }
  }
  return { path, text: `${at} ${error.message ?? "is invalid"}, got ${show(error.data)}`, value: error.data };
}

const LOCAL_ONLY = ["args", "env", "cwd"] as const;
const REMOTE_TYPES = ["http", "streamable-http", "sse"];

/**
 * A server is local (`command`) or remote (`url`), never both; fields of the other kind are errors rather than
 * silently ignored (a `headers` on a stdio server would never be sent).
 */
function checkServerKinds(servers: Record<string, Record<string, unknown>>, file: string): void {
  for (const [name, server] of Object.entries(servers)) {
    const at = (field?: string): string => formatPath(["mcpServers", name, ...(field === undefined ? [] : [field])]);
    const fail = (path: string, text: string, value: unknown): never => {
      throw new ConfigError(`${file}: ${text}`, { file, path, value: jsonSafe(value) });
    };
    const type = server["type"];
    const remote = server["url"] !== undefined;
    if (remote && server["command"] !== undefined) {
      fail(at(), `${at()} has both command and url: a server is either local (command) or remote (url)`, "command+url");
    }
    if (!remote) {
      if (server["command"] !== undefined) {
        if (server["headers"] !== undefined) fail(at("headers"), `${at("headers")} is only for a remote server (url)`, server["headers"]);
        if (typeof type === "string" && REMOTE_TYPES.includes(type)) {
          fail(at("type"), `${at("type")} ${JSON.stringify(type)} is for a remote server (url), got a command`, type);
        }
        continue;
      }
      const wantsUrl = server["headers"] !== undefined || (typeof type === "string" && REMOTE_TYPES.includes(type));
      const missing = wantsUrl ? "url" : "command";
      fail(at(missing), `${at(missing)} is required${wantsUrl ? " for a remote server" : " (or url, for a remote server)"}`, undefined);
    }
    for (const field of LOCAL_ONLY) {
      if (server[field] !== undefined) fail(at(field), `${at(field)} is only for a local server (command), not a remote one (url)`, server[field]);
    }
    if (type === "stdio") fail(at("type"), `${at("type")} "stdio" needs a command, got a url`, type);
  }
}

/** `"x" (string)`, `[1,2] (array)`, `null (null)` — what was received, shortened. */
export function show(value: unknown): string {
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  let text = value === undefined ? "undefined" : JSON.stringify(value);
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${kind})`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** `mcpServers.fs.args[0]`; segments that are not identifiers are quoted: `mcpServers["my server"]`. */
function formatPath(segments: readonly string[]): string {
  let out = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Details must stay JSON; keep small values as they are and summarize big ones. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length <= 200 ? value : `${text.slice(0, 197)}...`;
}
