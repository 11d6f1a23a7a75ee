/**
 * JSON Schemas can come from MCP servers, and the values checked against them from scripts or from those servers:
 * either side may be hostile. ajv's own costs are linear in schema and data except for two keywords, which are
 * replaced here: `pattern` / `patternProperties` (V8's backtracking RegExp, exponential on `(a+)+$`) now run in RE2,
 * and `uniqueItems` (ajv compares every pair of non-scalar items, quadratic) becomes one pass over a set of
 * canonical JSON keys. Schemas larger than SCHEMA_MAX_BYTES are refused before ajv generates code for them.
 */
import type { Ajv } from "ajv";
import type { RegExpEngine, RegExpLike } from "ajv/dist/types/index.js";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { ToolError } from "../errors/index.js";
import { compileLinearRegex } from "./regex.js";

/** Largest schema (as JSON text) compiled for validation. @default 262144 (256 KiB) */
export const SCHEMA_MAX_BYTES = 256 * 1024;

/**
 * ajv's `code.regExp` engine: RE2. A pattern RE2 cannot run (a lookahead, a backreference) still compiles, so one
 * such keyword does not make a whole server's tool list unusable, but checking a value against it throws a
 * ToolError naming the construct: the value is neither accepted unchecked nor matched in exponential time.
 */
export const linearRegExpEngine: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike & { toString(): string } => {
    // ajv caches compiled patterns per instance under `String(rx)`: each tester must name its own pattern, or every
    // pattern after the first would silently reuse the first one's tester.
    const toString = () => JSON.stringify([pattern, flags]);
    try {
      // ajv passes "u" (unicodeRegExp is on by default); RE2 always reads Unicode.
      const { regex } = compileLinearRegex(pattern, { ignoreCase: flags.includes("i") }, { tool: "schema", pattern });
      return { test: (s: string) => regex.test(s), toString };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return {
        test: () => {
          throw new ToolError(`A schema's \`pattern\` cannot be checked in linear time: ${why}`, { pattern, reason: why });
        },
        toString,
      };
    }
  },
  { code: "linearRegExpEngine" },
);

/** Canonical JSON (object keys sorted) so that equal values in the JSON Schema sense give equal strings. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Swap ajv's quadratic `uniqueItems` for a linear one (same meaning: no two items deep-equal). */
export function useLinearUniqueItems(ajv: Ajv | Ajv2020): void {
  ajv.removeKeyword("uniqueItems");
  ajv.addKeyword({
    keyword: "uniqueItems",
    type: "array",
    schemaType: "boolean",
    errors: false,
    validate: (unique: boolean, data: unknown[]) => {
      if (!unique) return true;
      const seen = new Set<string>();
      for (const item of data) {
        const key = canonical(item);
        if (seen.has(key)) return false;
        seen.add(key);
      }
      return true;
    },
  });
}

/** Refuse a schema whose JSON text is over SCHEMA_MAX_BYTES; returns the reason, or undefined when it fits. */
export function oversizedSchema(schema: unknown, maxBytes = SCHEMA_MAX_BYTES): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(schema) ?? "";
  } catch {
    return "it is not JSON-serializable";
  }
  const bytes = Buffer.byteLength(text);
  return bytes > maxBytes ? `it is ${bytes} bytes of JSON, over the ${maxBytes}-byte cap` : undefined;
}
