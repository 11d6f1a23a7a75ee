/** Shared fixtures for cache tests: fabricated artifacts (random bytes as bytecode) and temp dirs. */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Artifact } from "../../src/compiler/artifact.js";

export function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-cache-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function hashOf(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** An artifact whose bytecode is `bytecodeBytes` random bytes and whose source map is `{}` (2 bytes). */
export function fakeArtifact(name: string, bytecodeBytes = 1000, extra: Partial<Artifact> = {}): Artifact {
  return {
    hash: hashOf(name),
    bytecode: new Uint8Array(crypto.randomBytes(bytecodeBytes)),
    sourceMap: "{}",
    filename: `${name}.ts`,
    dtsHash: hashOf("tools.d.ts"),
    engineVersion: "quickjs-wasi@3.6.2",
    compilerVersion: "cody@0.1.0 typescript@7.0.2 esbuild@0.28.2",
    sourceBytes: 42,
    createdAt: 1_700_000_000_000,
    ...extra,
  };
}

/** A manual clock for ageing entries without sleeping. */
export function manualClock(start = 1_800_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}
