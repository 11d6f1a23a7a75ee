/**
 * Request validation with the zod schemas in schemas/ — the same objects the OpenAPI document is generated from.
 * A failure is a BadRequestError naming the first bad field and what was wrong with it, plus every issue in details.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { readJsonObject } from "./body.js";
import { BadRequestError } from "./errors.js";

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const article = (what: string): string => (/^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`);

/** Messages in the style of the rest of the API: what was expected, then what was received. */
function message(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(String(issue.expected))}, got (${describe(issue.input)})`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}, got \`${String(issue.input)}\``;
    case "too_small":
      return typeof issue.input === "number" ? `must be at least ${String(issue.minimum)}, got \`${issue.input}\`` : `must have at least ${String(issue.minimum)} item(s) or character(s)`;
    case "too_big":
      return typeof issue.input === "number" ? `must be at most ${String(issue.maximum)}, got \`${issue.input}\`` : `must have at most ${String(issue.maximum)} item(s) or character(s)`;
    default:
      return undefined;
  }
}

/** `value` checked against `schema`; `where` names the request part in messages ("" for the body, "?" for the query). */
export function check<S extends z.ZodType>(schema: S, value: unknown, where = ""): z.output<S> {
  const parsed = schema.safeParse(value, { error: message });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = parsed.error.issues[0];
  const path = first ? first.path.map(String).join(".") : "";
  let text: string;
  if (first?.code === "unrecognized_keys") {
    const known = path === "limits" || path.endsWith(".limits") ? "limit" : "field";
    text = `Unknown ${known}${first.keys.length > 1 ? "s" : ""} ${first.keys.map((k) => `\`${where}${path === "" ? "" : `${path}.`}${k}\``).join(", ")}`;
  } else if (first?.code === "custom") {
    text = first.message;
  } else {
    text = `\`${where}${path}\` ${first?.message ?? "is invalid"}`;
  }
  throw new BadRequestError(text, { path, issues });
}

/**
 * The JSON body, checked against `schema` (an empty body counts as `{}` only when `allowEmpty`). `accepts`, when given,
 * is a cheaper check that is true only for bodies the schema accepts unchanged: those skip the schema.
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  allowEmpty = false,
  accepts?: (body: Record<string, unknown>) => boolean,
): Promise<z.output<S>> {
  const body = await readJsonObject(c, allowEmpty);
  if (accepts?.(body) === true) {
    c.set("jsonBody", body);
    return body as z.output<S>;
  }
  const checked = check(schema, body);
  // The route's handler reads the body again with readJsonObject: hand it the object already parsed (unstripped).
  c.set("jsonBody", body);
  return checked;
}

/** The query parameters, checked against `schema`. */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query(), "?");
}
