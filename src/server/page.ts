/**
 * Cursor pagination: a page ends with `nextCursor`, the opaque sort key of its last row (base64url JSON), or null
 * on the last page. Keyset paging stays correct while rows are added, unlike offsets.
 */
import { BadRequestError } from "./errors.js";

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** The key in `cursor`, which must be an array of `shape` ("s" string, "n" number). */
export function decodeCursor(cursor: string | undefined, shape: readonly ("s" | "n")[]): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const ok =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((v, i) => (shape[i] === "s" ? typeof v === "string" : typeof v === "number" && Number.isFinite(v)));
  if (!ok) throw new BadRequestError("`?cursor` is not a cursor this server gave out (pass `nextCursor` back unchanged)", { path: "cursor", got: cursor.slice(0, 80) });
  return key as (string | number)[];
}

/** `?limit`: an integer from 1 to `max`, `fallback` when absent. */
export function pageLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new BadRequestError(`\`?limit\` must be an integer from 1 to ${max}, got \`${raw}\``, { path: "limit", got: raw });
  }
  return n;
}
