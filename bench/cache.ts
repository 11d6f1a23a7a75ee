/**
 * Cache benchmark: p50 latency of a hit from the in-process LRU, a hit that has to read and HMAC-check a SQLite row,
 * and a put (one autocommit write in WAL mode), for a 49 KB bytecode artifact (the size a 17 KB script compiles to).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ArtifactCache } from "../src/cache/index.js";
import type { Artifact } from "../src/compiler/artifact.js";

const BYTECODE_BYTES = 49 * 1024;

function artifact(i: number, sourceMap: string): Artifact {
  return {
    hash: crypto.createHash("sha256").update(`bench:${i}`).digest("hex"),
    bytecode: new Uint8Array(crypto.randomBytes(BYTECODE_BYTES)),
    sourceMap,
    filename: `bench-${i}.ts`,
    dtsHash: "0".repeat(64),
    engineVersion: "quickjs-wasi@3.6.2",
    compilerVersion: "bench",
    sourceBytes: 17 * 1024,
    createdAt: Date.now(),
  };
}

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Time `fn` per call in microseconds. */
function time(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

export async function benchCache(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-bench-cache-"));
  const n = opts.quick ? 200 : 2000;
  const distinct = opts.quick ? 50 : 200;
  // A realistic source map for a 17 KB script is a few KB of mappings.
  const sourceMap = JSON.stringify({ version: 3, sources: ["s.ts"], mappings: "AAAA,".repeat(1500) });
  const db = path.join(dir, "cache.db");
  try {
    const writer = new ArtifactCache({ db });
    const artifacts = Array.from({ length: distinct }, (_, i) => artifact(i, sourceMap));
    const putUs = time(distinct, (i) => writer.put(artifacts[i] as Artifact));
    const lruUs = time(n, (i) => {
      if (!writer.get((artifacts[i % distinct] as Artifact).hash)) throw new Error("bench: expected an LRU hit");
    });
    writer.close();

    const reader = new ArtifactCache({ db, lruMaxBytes: 0 });
    const sqliteUs = time(n, (i) => {
      if (reader.get((artifacts[i % distinct] as Artifact).hash)?.level !== "sqlite") throw new Error("bench: expected a SQLite hit");
    });
    reader.close();

    const figures = { cacheHitLruUs: p50(lruUs), cacheHitSqliteUs: p50(sqliteUs), cachePutUs: p50(putUs) };
    const kb = Math.round((BYTECODE_BYTES + sourceMap.length) / 1024);
    return {
      figures,
      lines: [
        `artifact: ${BYTECODE_BYTES / 1024} KB bytecode + ${Math.round(sourceMap.length / 1024)} KB source map (${kb} KB)`,
        `hit from LRU      p50 ${figures.cacheHitLruUs.toFixed(1)} µs  (${n} gets, includes the approval lookup)`,
        `hit from SQLite   p50 ${figures.cacheHitSqliteUs.toFixed(1)} µs  (${n} gets, read + HMAC-SHA256 check)`,
        `put               p50 ${figures.cachePutUs.toFixed(1)} µs  (${distinct} puts, WAL, synchronous=NORMAL)`,
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
