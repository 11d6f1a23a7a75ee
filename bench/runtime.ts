/**
 * Runtime benchmark. Workload everywhere: `return await tools.echo({ x: 1 })` with a host echo — one tool round trip.
 * - warm: cached bytecode, ready pool, sequential runs → warmP50Ms / warmP99Ms;
 * - throughput at concurrency 1, 8, 64 → throughputC1/C8/C64 (runs per second), throughputPerSec = the best;
 * - poolColdStartMs: `new ScriptPool()` until `ready()`; timeoutOvershootMs: how late `while (true)` with a 200 ms
 *   timeout ends (median);
 * - hogs: with a default pool, trivial runs back to back while 2 (then 6) `while (true)` scripts run (3 s timeout)
 *   → hogP99Ms / hogP99Ms6 (p99 of the trivial runs' latency), hogFirstMs / hogFirstMs6 (the first trivial run, sent
 *   right after the hogs: it waits for the pool to notice them), hogWorkers6 (threads during 6 hogs); poolRssMb
 *   (process RSS with the default pool ready and idle) and hogRssMb6 (during 6 hogs);
 * - peers in the same process: vercel's `run` 2.1.5 (a reused runner) → peerRunP50Ms / peerRunP99Ms, speedupVsRun
 *   (= peerRunP50Ms / warmP50Ms); quickjs-emscripten 0.32 (a new context per run, evalCode) → peerEmscriptenP50Ms.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { QuickJS } from "quickjs-wasi";
import { getQuickJS } from "quickjs-emscripten";
import { createRunner } from "run";
import type { Artifact } from "../src/compiler/artifact.js";
import { ScriptPool, type ToolInvoker } from "../src/runtime/index.js";

const require = createRequire(import.meta.url);
const SOURCE = "return await tools.echo({ x: 1 })";
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

async function compileArtifact(body: string): Promise<Artifact> {
  const vm = await QuickJS.create({ wasm: await wasmApi.compile(readFileSync(require.resolve("quickjs-wasi/quickjs.wasm"))) });
  try {
    return {
      hash: `bench-${body.length}`,
      bytecode: Uint8Array.from(vm.compile(`(async () => {\n${body}\n})`, "bench.ts")),
      sourceMap: "",
      filename: "bench.ts",
      dtsHash: "bench",
      engineVersion: "quickjs-wasi@3.6.2",
      compilerVersion: "bench",
      sourceBytes: body.length,
      createdAt: Date.now(),
    };
  } finally {
    vm.dispose();
  }
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function timeEach(n: number, once: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await once();
    out.push(performance.now() - start);
  }
  return out;
}

async function throughput(total: number, concurrency: number, once: () => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await once();
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

const echo: ToolInvoker = async (call) => call.args;

async function benchPeerRun(n: number): Promise<number[]> {
  const runner = createRunner({});
  const hostFunctions = { tools: { echo: async (args: unknown) => args } };
  const once = async (): Promise<void> => {
    const r = await runner.run({ source: SOURCE, hostFunctions });
    if (r.status !== "completed") throw new Error(`run peer failed: ${JSON.stringify(r)}`);
  };
  await timeEach(Math.max(5, n / 10), once);
  return timeEach(n, once);
}

async function benchPeerEmscripten(n: number): Promise<number[]> {
  const engine = await getQuickJS();
  const once = async (): Promise<void> => {
    const vm = engine.newContext();
    try {
      const echoFn = vm.newFunction("echo", (argHandle) => {
        const args: unknown = vm.dump(argHandle);
        const deferred = vm.newPromise();
        void Promise.resolve(args).then((value) => {
          const handle = vm.newString(JSON.stringify(value));
          deferred.resolve(handle);
          handle.dispose();
          vm.runtime.executePendingJobs();
        });
        return deferred.handle;
      });
      const tools = vm.newObject();
      vm.setProp(tools, "echo", echoFn);
      vm.setProp(vm.global, "tools", tools);
      echoFn.dispose();
      tools.dispose();
      const promise = vm.unwrapResult(vm.evalCode(`(async () => { ${SOURCE} })()`));
      const settled = await vm.resolvePromise(promise);
      promise.dispose();
      vm.unwrapResult(settled).dispose();
    } finally {
      vm.dispose();
    }
  };
  await timeEach(Math.max(5, n / 10), once);
  return timeEach(n, once);
}

/** Trivial runs back to back for `ms` while `hogs` busy loops hold workers of a fresh default pool. */
async function benchHogs(
  hogs: number,
  ms: number,
  trivial: Artifact,
  spin: Artifact,
): Promise<{ p99: number; first: number; workers: number; rssMb: number; idleRssMb: number; runs: number }> {
  const pool = new ScriptPool();
  await pool.ready();
  try {
    const runOpts = { invokeTool: echo, toolNames: ["echo"] };
    for (let i = 0; i < 50; i++) await pool.run(trivial, runOpts);
    const idleRssMb = process.memoryUsage().rss / 1e6;
    const running = Array.from({ length: hogs }, () => pool.run(spin, { invokeTool: echo, toolNames: [], limits: { timeoutMs: ms + 500 } }));
    const samples: number[] = [];
    const start = performance.now();
    while (performance.now() - start < ms) {
      const t0 = performance.now();
      const r = await pool.run(trivial, runOpts);
      if (!r.ok) throw new Error(`trivial run failed during hogs: ${JSON.stringify(r.error)}`);
      samples.push(performance.now() - t0);
    }
    const workers = pool.metrics().workers;
    const rssMb = process.memoryUsage().rss / 1e6;
    await Promise.all(running);
    return { p99: percentile(samples, 99), first: samples[0] ?? Number.NaN, workers, rssMb, idleRssMb, runs: samples.length };
  } finally {
    await pool.close();
  }
}

export async function benchRuntime(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const n = opts.quick ? 300 : 2000;
  const artifact = await compileArtifact(SOURCE);
  const spin = await compileArtifact("while (true) {}");
  const runOpts = { invokeTool: echo, toolNames: ["echo"] };

  const coldStart = performance.now();
  const pool = new ScriptPool();
  await pool.ready();
  const poolColdStartMs = performance.now() - coldStart;
  const figures: Record<string, number> = {};
  const lines: string[] = [];
  try {
    const once = async (): Promise<void> => {
      const r = await pool.run(artifact, runOpts);
      if (!r.ok) throw new Error(`bench run failed: ${JSON.stringify(r.error)}`);
    };
    await timeEach(Math.max(50, n / 10), once);
    const warm = await timeEach(n, once);
    figures.warmP50Ms = percentile(warm, 50);
    figures.warmP99Ms = percentile(warm, 99);
    figures.throughputC1 = await throughput(n, 1, once);
    figures.throughputC8 = await throughput(n, 8, once);
    figures.throughputC64 = await throughput(n, 64, once);
    figures.throughputPerSec = Math.max(figures.throughputC1, figures.throughputC8, figures.throughputC64);
    figures.poolColdStartMs = poolColdStartMs;
    const overshoots: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 5); i++) {
      const start = performance.now();
      const r = await pool.run(spin, { invokeTool: echo, toolNames: [], limits: { timeoutMs: 200 } });
      if (r.error?.code !== "CODY_LIMIT_TIMEOUT") throw new Error(`expected a timeout, got ${JSON.stringify(r.error)}`);
      overshoots.push(performance.now() - start - 200);
    }
    figures.timeoutOvershootMs = percentile(overshoots, 50);
  } finally {
    await pool.close();
  }

  const hogMs = opts.quick ? 1500 : 2500;
  const hog2 = await benchHogs(2, hogMs, artifact, spin);
  const hog6 = await benchHogs(6, hogMs, artifact, spin);
  figures.hogP99Ms = hog2.p99;
  figures.hogFirstMs = hog2.first;
  figures.hogP99Ms6 = hog6.p99;
  figures.hogFirstMs6 = hog6.first;
  figures.hogWorkers6 = hog6.workers;
  figures.poolRssMb = hog2.idleRssMb;
  figures.hogRssMb6 = hog6.rssMb;

  const peerN = opts.quick ? 50 : 300;
  const peerRun = await benchPeerRun(peerN);
  figures.peerRunP50Ms = percentile(peerRun, 50);
  figures.peerRunP99Ms = percentile(peerRun, 99);
  figures.speedupVsRun = figures.peerRunP50Ms / (figures.warmP50Ms ?? Number.NaN);
  figures.peerEmscriptenP50Ms = percentile(await benchPeerEmscripten(peerN), 50);

  const f = (k: string, digits = 2): string => (figures[k] ?? Number.NaN).toFixed(digits);
  lines.push(
    `runtime (${os.availableParallelism()} cores, ${n} runs): warm p50 ${f("warmP50Ms", 3)} ms, p99 ${f("warmP99Ms", 3)} ms (goals ≤ 1 / ≤ 3 ms)`,
    `runtime throughput: C1 ${f("throughputC1", 0)}/s, C8 ${f("throughputC8", 0)}/s, C64 ${f("throughputC64", 0)}/s (goal ≥ 1000/s)`,
    `hogs (default pool, trivial runs back to back for ${hogMs} ms): 2 hogs p99 ${f("hogP99Ms", 1)} ms (first ${f("hogFirstMs", 0)} ms, ${hog2.runs} runs), ` +
      `6 hogs p99 ${f("hogP99Ms6", 1)} ms (first ${f("hogFirstMs6", 0)} ms, ${hog6.runs} runs, ${f("hogWorkers6", 0)} threads) (goal ≤ 100 ms with 2 hogs)`,
    `memory: RSS ${f("poolRssMb", 0)} MB with the default pool idle, ${f("hogRssMb6", 0)} MB during 6 hogs`,
    `runtime pool cold start ${f("poolColdStartMs", 1)} ms; timeout overshoot ${f("timeoutOvershootMs", 1)} ms past 200 ms (goal ≤ 50 ms)`,
    `peers: run 2.1.5 p50 ${f("peerRunP50Ms")} ms, p99 ${f("peerRunP99Ms")} ms → ${f("speedupVsRun", 1)}× faster (goal ≥ 10×); quickjs-emscripten p50 ${f("peerEmscriptenP50Ms")} ms`,
  );
  return { figures, lines };
}
