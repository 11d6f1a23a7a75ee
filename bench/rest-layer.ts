/**
 * The REST layer alone: `createServer` over a stub harness whose runs emit the events of the bench's `readFile`
 * script (start, tool_call, tool_result, end) a turn of the event loop apart and end with its result, so the CPU
 * measured is everything between the socket and `harness.run` — HTTP parsing, middleware, validation, bookkeeping,
 * JSON and SSE encoding, logging, metrics — and none of the harness (cache, pool, tools, audit). The server runs in
 * this process (which does nothing else meanwhile), the load client in its own: CPU per request is this process's
 * `process.cpuUsage()` over the measurement, divided by the requests answered.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import type { Harness, HarnessRunOptions } from "../src/harness.js";
import { DEFAULT_LIMITS } from "../src/limits.js";
import type { RunResult } from "../src/runtime/index.js";
import { createServer, logDestination } from "../src/server/index.js";
import type { LoadFigures } from "./rest-load.js";

const LOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), "rest-load.js");
const TOKEN = "bench-token-0123456789abcdef";
const HASH = "089ddb7de19674093bd30d2f35e3a1cd9c33e9c09010274e796cc3589a728ce5";

/** The parts of Harness the run routes touch, with runs that cost (almost) nothing. */
export function stubHarness(opts: { runMs?: number } = {}): Harness {
  // A turn of the event loop later (as a pool run answers after a message from its worker), or `runMs / 2` later.
  const tick = (): Promise<void> =>
    new Promise((resolve) => (opts.runMs ? setTimeout(resolve, opts.runMs / 2) : setImmediate(resolve)));
  const run = async (_input: unknown, opts: HarnessRunOptions = {}): Promise<RunResult> => {
    const runId = opts.runId ?? "stub";
    const emit = opts.onEvent ?? (() => {});
    emit({ type: "start", runId, hash: HASH, cache: "hit" });
    await tick();
    emit({ type: "tool_call", id: "c1", tool: "readFile", args: { path: "hello.txt" }, detached: false });
    await tick();
    const call = { id: "c1", tool: "readFile", ms: 0.4, ok: true, outcome: "ok" as const, detached: false };
    emit({ type: "tool_result", id: "c1", tool: "readFile", ok: true, ms: 0.4, outcome: "ok" });
    const result: RunResult = {
      runId,
      ok: true,
      value: 1,
      console: [],
      consoleTruncated: false,
      toolCalls: [call],
      abortedCalls: [],
      durationMs: 1.2,
      hash: HASH,
      cache: "hit",
    };
    emit({ type: "end", result });
    return result;
  };
  const stub = {
    limits: DEFAULT_LIMITS,
    sandbox: { mode: "off", network: true },
    stores: {},
    storeHealth: { listen: () => () => {} },
    cache: { get: () => undefined },
    toolNames: () => ["readFile"],
    abortCompiles: () => {},
    metrics: () => ({ cache: { lru: {}, sqlite: {} }, cacheHitRate: 0 }),
    run,
    runArtifact: run,
  };
  return stub as unknown as Harness;
}

export function runLoad(url: string, concurrency: number, ms: number, mode: "json" | "sse"): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [LOAD, url, TOKEN, String(concurrency), String(ms), mode], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as LoadFigures);
    });
  });
}

/** Runs of the paced stub last this long: 64 in flight then make the goal's 2,000 runs/s. */
const PACED_RUN_MS = 32;

async function measureLayer(
  harness: Harness,
  logFile: string,
  ms: number,
  modes: readonly ("json" | "sse")[],
): Promise<(LoadFigures & { cpuUs: number })[]> {
  const logger = pino({ name: "cody" }, logDestination(logFile));
  const listening = await createServer(harness, { token: TOKEN, logger }).listen(0);
  const url = `http://127.0.0.1:${listening.port}`;
  try {
    await runLoad(url, 8, 500, "json"); // warm: JIT, connections
    const out: (LoadFigures & { cpuUs: number })[] = [];
    for (const mode of modes) {
      const before = process.cpuUsage();
      const figures = await runLoad(url, 64, ms, mode);
      const used = process.cpuUsage(before);
      out.push({ ...figures, cpuUs: (used.user + used.system) / Math.max(1, figures.requests) });
    }
    return out;
  } finally {
    await listening.close();
  }
}

export async function benchRestLayer(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  // The request log as `cody serve` writes it (to a file here): its cost is part of the layer.
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-bench-rest-layer-"));
  try {
    const ms = opts.quick ? 2000 : 4000;
    const [json, sse] = (await measureLayer(stubHarness(), path.join(dir, "server.log"), ms, ["json", "sse"])) as [LoadFigures & { cpuUs: number }, LoadFigures & { cpuUs: number }];
    // At full speed many requests share each turn of the event loop; at the goal's rate far fewer do, and the same
    // work costs more per request (fixed costs per turn, colder caches).
    const [paced] = (await measureLayer(stubHarness({ runMs: PACED_RUN_MS }), path.join(dir, "paced.log"), ms, ["json"])) as [LoadFigures & { cpuUs: number }];
    const figures = {
      restLayerCpuUsPerRunC64: json.cpuUs,
      restLayerSseCpuUsPerRunC64: sse.cpuUs,
      restLayerRunsPerSecC64: json.perSecond,
      restLayerClientCpuUsPerRunC64: json.clientCpuUs,
      restLayerPacedCpuUsPerRunC64: paced.cpuUs,
      restLayerPacedRunsPerSecC64: paced.perSecond,
      restLayerFailed: json.failed + sse.failed + paced.failed,
    };
    return {
      figures,
      lines: [
        `REST layer alone (createServer over a stub harness, request log to a file, 64 in flight, ${ms} ms each):`,
        `  JSON: ${json.cpuUs.toFixed(0)} µs server CPU per run (${json.perSecond.toFixed(0)} runs/s; load client ${json.clientCpuUs.toFixed(0)} µs per request)`,
        `  SSE:  ${sse.cpuUs.toFixed(0)} µs server CPU per run (${sse.perSecond.toFixed(0)} runs/s)`,
        `  JSON with runs of ${PACED_RUN_MS} ms: ${paced.cpuUs.toFixed(0)} µs server CPU per run (${paced.perSecond.toFixed(0)} runs/s)`,
        ...(figures.restLayerFailed ? [`  ${figures.restLayerFailed} requests failed, first: ${json.firstFailure ?? sse.firstFailure ?? paced.firstFailure ?? "?"}`] : []),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
