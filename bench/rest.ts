/**
 * REST throughput: a real `cody serve --workers 2` child process (as a user runs it) and a load client in this
 * process, POSTing a trivial `readFile` script for a JSON result, one request at a time and 64 at once. Requests carry
 * the bearer token, so the figures include authentication.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/cody.js");
const TOKEN = "bench-token-0123456789abcdef";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `concurrency` clients each sending requests back to back for `ms`; runs per second and latency percentiles. */
async function load(url: string, concurrency: number, ms: number): Promise<{ perSecond: number; p50: number; p99: number; failed: number }> {
  const body = JSON.stringify({ source: 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines;' });
  const headers = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
  const samples: number[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const res = await fetch(`${url}/v1/runs`, { method: "POST", headers, body });
        const json = (await res.json()) as { ok?: boolean };
        if (res.status !== 200 || json.ok !== true) failed++;
        samples.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { perSecond: (samples.length / elapsed) * 1000, p50: percentile(samples, 50), p99: percentile(samples, 99), failed };
}

export async function benchRest(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-bench-rest-"));
  writeFileSync(path.join(dir, "hello.txt"), "hello\n");
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--workers", "2", "--cwd", dir], {
    env: { ...process.env, CODY_DB: "", CODY_SERVER_TOKEN: TOKEN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      child.once("exit", (code) => reject(new Error(`cody serve exited with ${code}:\n${stderr}`)));
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
        const ready = stderr.split("\n").find((l) => l.includes('"cody serve ready"'));
        if (ready) resolve(String((JSON.parse(ready) as { url: string }).url));
      });
    });
    const ms = opts.quick ? 2000 : 5000;
    await load(url, 4, 500); // warm: compile once, fill the cache
    const c1 = await load(url, 1, ms);
    const c64 = await load(url, 64, ms);
    const figures = {
      restC1RunsPerS: c1.perSecond,
      restC1P50Ms: c1.p50,
      restC64RunsPerS: c64.perSecond,
      restC64P99Ms: c64.p99,
      restFailed: c1.failed + c64.failed,
    };
    return {
      figures,
      lines: [
        `POST /v1/runs (JSON, readFile script, bearer token, cody serve --workers 2) for ${ms} ms each:`,
        `  concurrency 1: ${c1.perSecond.toFixed(0)} runs/s, p50 ${c1.p50.toFixed(1)} ms`,
        `  concurrency 64: ${c64.perSecond.toFixed(0)} runs/s, p99 ${c64.p99.toFixed(1)} ms` +
          (figures.restFailed ? `  (${figures.restFailed} requests failed)` : ""),
        "  (goal: no worse than before auth; 217 runs/s at 1, 521 runs/s at 64 on the landed main)",
      ],
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}
