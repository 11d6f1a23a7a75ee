import crypto from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { engineCacheName, instrumentedEngine } from "../../src/runtime/engine-cache.js";
import { instrumentOutOfMemory } from "../../src/runtime/oom-counter.js";

const require = createRequire(import.meta.url);
const SOURCE = new Uint8Array(readFileSync(require.resolve("quickjs-wasi/quickjs.wasm")));
const INSTRUMENTED = instrumentOutOfMemory(SOURCE).bytes;

function setup(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-engine-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, key: crypto.randomBytes(32), file: path.join(dir, engineCacheName(SOURCE)) };
}

/** A cache file as engine-cache.ts lays it out: HMAC(key, name ‖ 0 ‖ bytes), then the bytes. */
function signed(key: Uint8Array, bytes: Uint8Array): Buffer {
  const mac = crypto.createHmac("sha256", key).update(engineCacheName(SOURCE)).update(new Uint8Array([0])).update(bytes).digest();
  return Buffer.concat([mac, bytes]);
}

test("the first load instruments the engine and caches it, signed, under a name from the source hash and the rewrite version", async (t) => {
  const { dir, key, file } = setup(t);
  const bytes = await instrumentedEngine(SOURCE, { dir, key });
  t.deepEqual(Buffer.from(bytes), Buffer.from(INSTRUMENTED));
  t.deepEqual(readdirSync(dir), [path.basename(file)]);
  t.regex(path.basename(file), /^quickjs-[0-9a-f]{32}-oom\d+\.wasm$/);
  t.deepEqual(readFileSync(file), signed(key, INSTRUMENTED));
  t.not(engineCacheName(SOURCE), engineCacheName(SOURCE.subarray(1)));
});

test("a cached file whose HMAC checks out is used as it is", async (t) => {
  const { dir, key, file } = setup(t);
  const marker = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]); // a valid signature over other bytes proves the read
  writeFileSync(file, signed(key, marker));
  t.deepEqual(Buffer.from(await instrumentedEngine(SOURCE, { dir, key })), Buffer.from(marker));
});

test("a tampered cached file, or one signed with another key, is never used: the engine is rebuilt and the file rewritten", async (t) => {
  const { dir, key, file } = setup(t);
  await instrumentedEngine(SOURCE, { dir, key });
  const tampered = readFileSync(file);
  tampered[tampered.length - 100]! ^= 0xff;
  writeFileSync(file, tampered);
  t.deepEqual(Buffer.from(await instrumentedEngine(SOURCE, { dir, key })), Buffer.from(INSTRUMENTED));
  t.deepEqual(readFileSync(file), signed(key, INSTRUMENTED));

  writeFileSync(file, signed(crypto.randomBytes(32), new Uint8Array([1, 2, 3])));
  t.deepEqual(Buffer.from(await instrumentedEngine(SOURCE, { dir, key })), Buffer.from(INSTRUMENTED));
  writeFileSync(file, Buffer.alloc(10));
  t.deepEqual(Buffer.from(await instrumentedEngine(SOURCE, { dir, key })), Buffer.from(INSTRUMENTED));
});

test("a cache directory that cannot be written only costs time", async (t) => {
  const { dir, key } = setup(t);
  const blocked = path.join(dir, "file");
  writeFileSync(blocked, "not a directory");
  t.deepEqual(Buffer.from(await instrumentedEngine(SOURCE, { dir: path.join(blocked, "engine"), key })), Buffer.from(INSTRUMENTED));
});
