/**
 * The per-install secret behind the cache's HMACs: 32 random bytes stored as hex in a key file (default
 * `<db dir>/cache.key`, mode 0600). Creation is race-free across processes: the key is written completely to a
 * private temp file which is then hard-linked into place; `link` fails if the name exists, so exactly one process's
 * key wins and every process then reads that one.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CacheError } from "../errors/index.js";

const KEY_BYTES = 32;
const KEY_RE = /^[0-9a-f]{64}$/;

function parseKey(file: string, text: string): Buffer {
  const hex = text.trim();
  if (!KEY_RE.test(hex)) {
    throw new CacheError(`Cache key file \`${file}\` is malformed (expected ${KEY_BYTES * 2} hex digits)`, { path: file });
  }
  return Buffer.from(hex, "hex");
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CacheError(`Cannot read cache key file \`${file}\`: ${(error as Error).message}`, { path: file }, { cause: error });
  }
}

/** Where the key lives when not given: beside the database, or nowhere (ephemeral) for an in-memory database. */
export function defaultKeyFile(dbFile: string): string | undefined {
  if (dbFile === ":memory:" || dbFile === "") return undefined;
  return path.join(path.dirname(path.resolve(dbFile)), "cache.key");
}

/** A fresh random key that lives only as long as this process (in-memory databases). */
export function ephemeralKey(): Buffer {
  return crypto.randomBytes(KEY_BYTES);
}

/**
 * Read the key at `file`, creating it (0600) if absent. Two processes calling this at once get the same key.
 *
 * @throws CacheError when the file is unreadable, malformed, or cannot be created.
 */
export function loadOrCreateKey(file: string): Buffer {
  const existing = readIfExists(file);
  if (existing !== undefined) return parseKey(file, existing);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
      fs.writeSync(fd, `${crypto.randomBytes(KEY_BYTES).toString("hex")}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EEXIST: another process won the race; its key is the one. Anything else: a file system without hard links.
      if (code !== "EEXIST") renameIfAbsent(tmp, file);
    }
  } catch (error) {
    if (error instanceof CacheError) throw error;
    throw new CacheError(`Cannot create cache key file \`${file}\`: ${(error as Error).message}`, { path: file }, { cause: error });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const text = readIfExists(file);
  if (text === undefined) throw new CacheError(`Cache key file \`${file}\` vanished while being created`, { path: file });
  return parseKey(file, text);
}

/**
 * Fallback without hard links: exclusive-create the final name and copy the complete temp content in. A reader racing
 * this could see a short file, so readers of a malformed key get a clear error rather than a silently different key.
 */
function renameIfAbsent(tmp: string, file: string): void {
  const content = fs.readFileSync(tmp);
  try {
    fs.writeFileSync(file, content, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/** Shortest operator secret accepted for a shared store (a key every instance derives the same way). */
export const MIN_SECRET_LENGTH = 16;

/**
 * The HMAC key for a store shared by several machines (PostgreSQL), derived from a secret the operator gives every
 * instance (`CODY_STORE_SECRET`). It is never written to the database: whoever can write rows but lacks the secret
 * cannot forge bytecode or approvals.
 *
 * @throws CacheError when the secret is shorter than MIN_SECRET_LENGTH characters.
 */
export function keyFromSecret(secret: string): Buffer {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new CacheError(`The store secret must be at least ${MIN_SECRET_LENGTH} characters, got ${typeof secret === "string" ? secret.length : typeof secret}`, {
      path: "storeSecret",
    });
  }
  return crypto.createHmac("sha256", "cody-store-key-v1").update(secret, "utf8").digest();
}
