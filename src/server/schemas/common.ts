/**
 * Schemas shared by several routes: the error body, limits, pages. Each schema is what a route validates with and
 * what the OpenAPI document (`GET /openapi.json`) is generated from, so the two cannot drift apart.
 */
import { z } from "zod";
import { DEFAULT_LIMITS, type Limits } from "../../limits.js";

/** Where an error points in the user's script. */
export const ErrorLocationSchema = z
  .object({ file: z.string(), line: z.number().int(), column: z.number().int() })
  .meta({ id: "ErrorLocation" });

/** An error on the wire (`serializeError` without the host stack); `deserializeError` rebuilds the class from `code`. */
export const SerializedErrorSchema = z
  .looseObject({
    name: z.string(),
    code: z.string().meta({ description: "Stable error code, e.g. CODY_HTTP_BAD_REQUEST (docs/limits-and-errors.md)." }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    location: ErrorLocationSchema.optional(),
    stack: z.string().optional().meta({ description: "Only a script error's own stack, mapped to the user's TypeScript." }),
    cause: z.unknown().optional(),
  })
  .meta({ id: "SerializedError" });

/** Every error response: `{ "error": SerializedError }`. */
export const ErrorBodySchema = z.looseObject({ error: SerializedErrorSchema }).meta({ id: "ErrorBody" });

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** Any of the run limits; each may only lower the server's own (checked by the route, 400 otherwise). */
export const LimitsSchema = z
  .strictObject(Object.fromEntries(LIMIT_KEYS.map((k) => [k, z.number().optional()])) as Record<keyof Limits, z.ZodOptional<z.ZodNumber>>)
  .meta({ id: "Limits", description: "Run limits (docs/limits-and-errors.md); each may only lower the server's." });

/** `?cursor=&limit=` of a paged list. */
export function pageQuery(max: number, fallback: number) {
  return z.object({
    cursor: z.string().min(1).max(512).optional().meta({ description: "`nextCursor` of the previous page." }),
    limit: z
      .string()
      .regex(/^[0-9]+$/)
      .optional()
      .meta({ description: `Items per page, 1 to ${max} (default ${fallback}).` }),
  });
}
