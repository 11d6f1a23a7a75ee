/**
 * Reading and checking JSON request bodies. Every failure is a BadRequestError naming the field and what it got, so
 * a client can fix its request from the message alone.
 */
import type { Context } from "hono";
import { ScriptEncodingError } from "../errors/index.js";
import type { AppEnv } from "./context.js";
import { BadRequestError } from "./errors.js";
import { readBody } from "./incoming.js";

/** Bodies are decoded strictly: a replaced byte would silently change a script (a body carries script text). */
const utf8 = new TextDecoder("utf-8", { fatal: true });

export type JsonObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Parse the body as a JSON object. An empty body counts as `{}` only when `allowEmpty`. */
export async function readJsonObject(c: Context<AppEnv>, allowEmpty = false): Promise<JsonObject> {
  // Already read (and checked) by the route's validation: parse a body once.
  const read = c.get("jsonBody") as JsonObject | undefined;
  if (read !== undefined) return read;
  return parseJsonObject(await readBody(c, c.get("maxBodyBytes")), allowEmpty);
}

/** `bytes` as a JSON object, with `readJsonObject`'s errors (also the `POST /v1/runs` fast path's parse, fast-run.ts). */
export function parseJsonObject(bytes: Uint8Array, allowEmpty = false): JsonObject {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ScriptEncodingError("The request body is not valid UTF-8 text", { got: "invalid UTF-8" });
  }
  if (text.trim() === "") {
    if (allowEmpty) return {};
    throw new BadRequestError("The request body is empty; expected a JSON object", { got: "empty" });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BadRequestError(`The request body is not valid JSON: ${why}`, { got: "invalid JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError(`The request body must be a JSON object, got ${describe(value)}`, { got: describe(value) });
  }
  return value as JsonObject;
}

function bad(path: string, expected: string, value: unknown): BadRequestError {
  const shown = typeof value === "string" ? `\`${value.length > 40 ? `${value.slice(0, 40)}…` : value}\` ` : "";
  return new BadRequestError(`\`${path}\` must be ${expected}, got ${shown}(${describe(value)})`, { path, got: describe(value) });
}

export function requireString(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== "string") throw bad(key, "a string", value);
  return value;
}

export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) throw bad(key, "a non-empty string", value);
  return value;
}

export function optionalBoolean(body: JsonObject, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw bad(key, "true or false", value);
  return value;
}

export function optionalStringArray(body: JsonObject, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.length > 0)) {
    throw bad(key, "an array of non-empty strings", value);
  }
  return value as string[];
}

export function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(key, "an object", value);
  return value as JsonObject;
}

/** A positive integer query parameter with a default and a ceiling. */
export function queryInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new BadRequestError(`\`?${name}\` must be an integer from 1 to ${max}, got \`${raw}\``, { path: name, got: raw });
  }
  return n;
}
