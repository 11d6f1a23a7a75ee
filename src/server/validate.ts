/**
 * Request validation with the zod schemas in schemas/ — the same objects the OpenAPI document is generated from.
 * A failure is a BadRequestError naming the first bad field and what was wrong with it, plus every issue in details.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { readJsonObject } from "./body.js";
import { BadRequestError } from "./errors.js";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** `value` checked against `schema`; `where` names the request part in messages ("", "?" for the query). */
export function check<S extends z.ZodType>(schema: S, value: unknown, where = ""): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = parsed.error.issues[0];
  const path = first ? first.path.map(String).join(".") : "";
  let got = value;
  for (const key of first?.path ?? []) got = got !== null && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const message = first?.code === "unrecognized_keys" ? first.message : `${first?.message ?? "invalid"} (got ${describe(got)})`;
  throw new BadRequestError(path === "" ? `${where === "?" ? "The query" : "The request body"}: ${message}` : `\`${where}${path}\`: ${message}`, {
    path,
    issues,
  });
}

/** The JSON body, checked against `schema` (an empty body counts as `{}` only when `allowEmpty`). */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S, allowEmpty = false): Promise<z.output<S>> {
  return check(schema, await readJsonObject(c, allowEmpty));
}

/** The query parameters, checked against `schema`. */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query(), "?");
}
