/**
 * The instrumented engine `.wasm` (oom-counter.ts), cached on disk so a new process does not parse and rewrite the
 * engine again (≈ 12 ms quiet, 30–80 ms on a busy box, plus the garbage it leaves). A cached file is executable code
 * for every sandbox, so it is used only when its HMAC (the artifact cache's key, which scripts cannot read through
 * tools) matches; otherwise it is rebuilt and rewritten. The file name carries what the bytes derive from: the
 * source `.wasm`'s sha256 and the instrumentation's version.
 *
 * File layout: 32 bytes HMAC-SHA256(key, name ‖ 0 ‖ bytes), then the bytes.
 */
import crypto from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { INSTRUMENTATION_VERSION, instrumentOutOfMemory } from "./oom-counter.js";

/** Where and with which key the instrumented engine is cached. */
export interface EngineCacheOptions {
  /** Directory of the cache files (e.g. `<db dir>/engine`). */
  dir: string;
  /** Secret for the files' HMAC (the artifact cache's key). */
  key: Uint8Array;
}

const MAC_BYTES = 32;

function mac(key: Uint8Array, name: string, bytes: Uint8Array): Buffer {
  return crypto.createHmac("sha256", key).update(name).update(new Uint8Array([0])).update(bytes).digest();
}

/** The cache file's name for this source engine. */
export function engineCacheName(source: Uint8Array): string {
  const digest = crypto.createHash("sha256").update(source).digest("hex").slice(0, 32);
  return `quickjs-${digest}-oom${INSTRUMENTATION_VERSION}.wasm`;
}

/** The instrumented engine for `source`: from the cache when its HMAC checks out, else rebuilt (and cached). */
export async function instrumentedEngine(source: Uint8Array, cache: EngineCacheOptions | undefined): Promise<Uint8Array> {
  if (!cache) return instrumentOutOfMemory(source).bytes;
  const name = engineCacheName(source);
  const file = path.join(cache.dir, name);
  const stored = await readFile(file).catch(() => undefined);
  if (stored && stored.length > MAC_BYTES) {
    const bytes = stored.subarray(MAC_BYTES);
    if (crypto.timingSafeEqual(stored.subarray(0, MAC_BYTES), mac(cache.key, name, bytes))) return bytes;
  }
  const bytes = instrumentOutOfMemory(source).bytes;
  try {
    await mkdir(cache.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, Buffer.concat([mac(cache.key, name, bytes), bytes]), { mode: 0o600 });
    await rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return bytes;
}
