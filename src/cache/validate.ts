/** Checks on what callers hand the cache, so a bad artifact fails loudly at `put` rather than at run time. */
import { CacheError } from "../errors/index.js";
import type { Artifact } from "../compiler/index.js";

/** Hashes are hex digests in practice; anything printable without spaces up to 256 chars is accepted. */
const HASH_RE = /^[A-Za-z0-9:_.+-]{1,256}$/;

export function isValidHash(hash: unknown): hash is string {
  return typeof hash === "string" && HASH_RE.test(hash);
}

function got(value: unknown): string {
  return `\`${value instanceof Uint8Array ? `Uint8Array(${value.byteLength})` : String(value)}\` (${typeof value})`;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new CacheError(`Invalid artifact: \`${field}\` must be ${expected}, got ${got(value)}`, {
    path: `artifact.${field}`,
    value: value instanceof Uint8Array ? `Uint8Array(${value.byteLength})` : String(value),
  });
}

/** @throws CacheError naming the first bad field. */
export function assertArtifact(a: unknown): asserts a is Artifact {
  if (typeof a !== "object" || a === null) fail("(root)", "an object", a);
  const r = a as Record<string, unknown>;
  if (!isValidHash(r["hash"])) fail("hash", `a string matching ${String(HASH_RE)}`, r["hash"]);
  if (!(r["bytecode"] instanceof Uint8Array)) fail("bytecode", "a Uint8Array", r["bytecode"]);
  for (const f of ["sourceMap", "filename", "dtsHash", "engineVersion", "compilerVersion"] as const) {
    if (typeof r[f] !== "string") fail(f, "a string", r[f]);
  }
  for (const f of ["sourceBytes", "createdAt"] as const) {
    const v = r[f];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(f, "a non-negative integer", v);
  }
}

/** Who approved: a short single-line label (user name, `cli`, an email). */
export function assertApprover(by: unknown): asserts by is string {
  if (typeof by !== "string" || by.trim() === "" || by.length > 200 || /[\r\n\0]/.test(by)) {
    throw new CacheError(`Approver must be a non-empty single-line string of at most 200 characters, got ${got(by)}`, {
      path: "approvedBy",
      value: String(by),
    });
  }
}
