/**
 * Argument validation with ajv 8. Each tool's `argsSchema` is compiled once and cached on the tool object, and every
 * failure becomes one ToolArgumentError whose message reads like `readFile: /path must be string, got 42 (number)` —
 * the same text whether the call came from a script or from a model.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { ToolArgumentError, ToolError } from "../../errors/index.js";
import { linearRegExpEngine, oversizedSchema, useLinearUniqueItems } from "../schema-safety.js";
import type { ToolSpec } from "../types.js";

/** One problem with the arguments: a JSON pointer into them (`""` is the whole value) and what is wrong there. */
export interface ArgumentIssue {
  path: string;
  message: string;
}

/** How many issues the message lists before "and N more" (details keep them all). */
const MESSAGE_ISSUES = 5;

/** `42 (number)`, `"abc" (string)`, `[1,2] (array)`: what the validator got, briefly. */
export function describeValue(value: unknown): string {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 40) text = `${text.slice(0, 40)}…`;
  return `${text} (${type})`;
}

/** The value at a JSON pointer (ajv's `instancePath`). */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Turn one ajv error into an issue that says what was expected and what was received. */
export function toIssue(error: ErrorObject, args: unknown): ArgumentIssue {
  const params = error.params as Record<string, unknown>;
  const got = () => `, got ${describeValue(valueAt(args, error.instancePath))}`;
  switch (error.keyword) {
    case "required":
      return { path: `${error.instancePath}/${escapePointer(String(params["missingProperty"]))}`, message: "is required" };
    case "additionalProperties":
      return {
        path: `${error.instancePath}/${escapePointer(String(params["additionalProperty"]))}`,
        message: "is not allowed (unknown property)",
      };
    case "enum": {
      const allowed = Array.isArray(params["allowedValues"]) ? params["allowedValues"] : [];
      return { path: error.instancePath, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}${got()}` };
    }
    default:
      return { path: error.instancePath, message: `${error.message ?? `fails \`${error.keyword}\``}${got()}` };
  }
}

/** `readFile: /path must be string, got 42 (number); /limit must be >= 1, got 0 (number)` */
export function formatIssues(tool: string, issues: readonly ArgumentIssue[]): string {
  const shown = issues.slice(0, MESSAGE_ISSUES).map((i) => `${i.path === "" ? "arguments" : i.path} ${i.message}`);
  const more = issues.length > MESSAGE_ISSUES ? ` (and ${issues.length - MESSAGE_ISSUES} more)` : "";
  return `${tool}: ${shown.join("; ")}${more}`;
}

/** Creating an Ajv instance costs ~100 ms (it compiles its meta-schemas): one per dialect per process. */
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;
/** Compiled validators, keyed by the tool object itself so a re-registered tool (new object) is recompiled. */
const compiled = new WeakMap<ToolSpec, ValidateFunction>();

function hardened<A extends Ajv | Ajv2020>(ajv: A): A {
  useLinearUniqueItems(ajv);
  return ajv;
}

/**
 * Compile a JSON Schema that may come from an MCP server, with every keyword bounded in cost (see
 * schema-safety.ts). The `$schema` keyword picks the dialect (draft-07, or 2020-12 for 2019-09/2020-12 URIs); it
 * is then dropped so an unfamiliar URI (draft-04 from some MCP servers) does not make ajv refuse the whole schema.
 *
 * @throws Error (ajv's, or the size cap's) when the schema cannot be compiled.
 */
export function compileJsonSchema(input: unknown): ValidateFunction {
  const tooBig = oversizedSchema(input);
  if (tooBig !== undefined) throw new Error(`the schema is too large: ${tooBig}`);
  const { $schema, ...schema } = input as { $schema?: unknown } & Record<string, unknown>;
  const modern = typeof $schema === "string" && /2019-09|2020-12/.test($schema);
  const ajv = modern
    ? (draft2020 ??= hardened(new Ajv2020(AJV_OPTIONS)))
    : (draft07 ??= hardened(new Ajv(AJV_OPTIONS)));
  try {
    return ajv.compile(schema);
  } finally {
    // ajv keeps every compiled schema in its own cache; drop it so only the caller's reference holds it.
    ajv.removeSchema(schema);
  }
}

function compile(tool: ToolSpec): ValidateFunction {
  const cached = compiled.get(tool);
  if (cached) return cached;
  let check: ValidateFunction;
  try {
    check = compileJsonSchema(tool.argsSchema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolError(`Tool \`${tool.name}\` has an invalid argsSchema: ${reason}`, { tool: tool.name, reason });
  }
  compiled.set(tool, check);
  return check;
}

/**
 * Check `args` against the tool's schema. Missing arguments (`undefined`, e.g. `tools.listDir()`) are checked as
 * `{}`. Returns the arguments to pass to the handler; never coerces or fills defaults.
 *
 * @throws ToolArgumentError (details: tool, errors[{ path, message }]) when they do not match.
 * @throws ToolError when the tool's own schema cannot be compiled.
 */
export function validateToolArgs(tool: ToolSpec, args: unknown): unknown {
  const value = args === undefined ? {} : args;
  const check = compile(tool);
  if (check(value)) return value;
  const issues = (check.errors ?? []).map((e) => toIssue(e, value));
  throw new ToolArgumentError(formatIssues(tool.name, issues), { tool: tool.name, errors: issues });
}

/**
 * allErrors: report every problem at once; strict off and no logger: MCP schemas carry unknown keywords/formats;
 * patterns run in RE2 (linear time).
 */
const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  logger: false,
  validateSchema: true,
  code: { regExp: linearRegExpEngine },
} as const;

/** Parse a model's `arguments` JSON text, with the same error class as a schema failure. */
export function parseStructuredArguments(tool: string, text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolArgumentError(`${tool}: arguments are not valid JSON (${reason})`, {
      tool,
      errors: [{ path: "", message: `is not valid JSON (${reason})` }],
    });
  }
}
