/**
 * REST throughput: a real `cody serve --workers 2` child process (as a user runs it) and the load client of
 * rest-load.ts in a second child process (so neither shares an event loop with this one, nor with the other), POSTing
 * a trivial `readFile` script one request at a time and 64 at once, for a JSON result and as an SSE stream. Requests
 * carry the bearer token, so the figures include authentication. Server CPU per run (user + system time of the whole
 * server process, workers included, from /proc) is printed too: on a shared box it is steadier than runs per second.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchRestLayer } from "./rest-layer.js";
import type { LoadFigures } from "./rest-load.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The `cody` to serve; CODY_BENCH_REST_BIN points it at another build for an A/B comparison. */
const CODY = process.env["CODY_BENCH_REST_BIN"] ?? path.resolve(HERE, "../../bin/cody.js");
const LOAD = path.join(HERE, "rest-load.js");
const TOKEN = "bench-token-0123456789abcdef";

/** CPU milliseconds (user + system) the process has used so far; NaN where /proc is missing. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

function runLoad(url: string, concurrency: number, ms: number, mode: "json" | "sse"): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [LOAD, url, TOKEN, String(concurrency), String(ms), mode], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as LoadFigures);
    });
  });
}

/** Start `cody serve` and resolve with its URL once it logs that it is ready. */
function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--workers", "2", "--cwd", dir], {
    env: { ...process.env, CODY_DB: "", CODY_SERVER_TOKEN: TOKEN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    const onExit = (code: number | null): void => reject(new Error(`cody serve exited with ${code}:\n${stderr}`));
    child.once("exit", onExit);
    const onData = (d: Buffer): void => {
      stderr += d.toString();
      const ready = stderr.split("\n").find((l) => l.includes('"cody serve ready"'));
      if (!ready) return;
      // From here the request log is drained unread: keeping it would cost this process work per request.
      child.stderr?.off("data", onData);
      child.stderr?.resume();
      child.off("exit", onExit);
      resolve({ child, url: String((JSON.parse(ready) as { url: string }).url) });
    };
    child.stderr?.on("data", onData);
  });
}

async function benchRestServer(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-bench-rest-"));
  writeFileSync(path.join(dir, "hello.txt"), "hello\n");
  const { child, url } = await startServer(dir);
  try {
    const ms = opts.quick ? 2000 : 5000;
    await runLoad(url, 4, 500, "json"); // warm: compile once, fill the cache
    const measure = async (concurrency: number, mode: "json" | "sse"): Promise<LoadFigures & { cpuPerRun: number }> => {
      const before = cpuMs(child.pid);
      const figures = await runLoad(url, concurrency, ms, mode);
      return { ...figures, cpuPerRun: (cpuMs(child.pid) - before) / Math.max(1, figures.requests) };
    };
    const c1 = await measure(1, "json");
    // Steady state at 64: the first seconds at a new concurrency also pay V8's tiering of the paths it takes and the
    // heap's growth to its working size (p99 45–56 ms in a first 5 s at 64 after the single-client phase, 35–44 ms in
    // the next 5 s, measured), so 64 clients run unmeasured for a while first, as the warm-up above does for one.
    await runLoad(url, 64, opts.quick ? 500 : 2000, "json");
    const c64 = await measure(64, "json");
    const sse = await measure(64, "sse");
    const figures = {
      restRunsPerSecC1: c1.perSecond,
      restP50MsC1: c1.p50,
      restRunsPerSecC64: c64.perSecond,
      restP99MsC64: c64.p99,
      restSseRunsPerSecC64: sse.perSecond,
      restSseP99MsC64: sse.p99,
      restServerCpuMsPerRunC64: c64.cpuPerRun,
      restSseServerCpuMsPerRunC64: sse.cpuPerRun,
      restClientCpuMsPerRunC64: c64.clientCpuUs / 1000,
      restFailed: c1.failed + c64.failed + sse.failed,
      restSseMisordered: sse.misordered,
    };
    const failures = [c1, c64, sse].map((f) => f.firstFailure).filter((f) => f !== undefined);
    return {
      figures,
      lines: [
        `POST /v1/runs (readFile script, bearer token, cody serve --workers 2, load client in its own process) for ${ms} ms each:`,
        `  JSON, concurrency 1: ${c1.perSecond.toFixed(0)} runs/s, p50 ${c1.p50.toFixed(1)} ms`,
        `  JSON, concurrency 64: ${c64.perSecond.toFixed(0)} runs/s, p99 ${c64.p99.toFixed(1)} ms, server CPU ${c64.cpuPerRun.toFixed(2)} ms/run` +
          ` (load client ${(c64.clientCpuUs / 1000).toFixed(2)} ms/run)`,
        `  SSE, concurrency 64: ${sse.perSecond.toFixed(0)} runs/s, p99 ${sse.p99.toFixed(1)} ms, server CPU ${sse.cpuPerRun.toFixed(2)} ms/run` +
          (sse.misordered ? `, ${sse.misordered} streams with missing or misordered events` : ""),
        ...(figures.restFailed ? [`  ${figures.restFailed} requests failed, first: ${failures[0] ?? "?"}`] : []),
        "  (goal: ≥ 2,000 runs/s at 64 with p99 ≤ 50 ms, ≥ 1,500 runs/s SSE; landed main: 217 runs/s at 1, 521 at 64, SSE 262)",
      ],
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `cody serve` end to end, then the REST layer alone (bench/rest-layer.ts): what the HTTP side costs by itself. */
export async function benchRest(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const server = await benchRestServer(opts);
  const layer = await benchRestLayer(opts);
  return { figures: { ...server.figures, ...layer.figures }, lines: [...server.lines, ...layer.lines] };
}
