/**
 * The PostgreSQL store, on a throwaway cluster started here (skipped with a note when initdb/pg_ctl are missing):
 * a database-level cache hit against SQLite's, REST throughput of one `cody serve` and of two sharing the store, and
 * how long an event takes from the instance running a run to a client watching it through another instance.
 *
 * The cluster keeps PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on), as a deployment
 * runs; the tests turn them off. CPU per run of the `cody serve` process and of the PostgreSQL processes is read from
 * /proc (Linux) around the one-instance load, to tell whether two instances on this machine can be faster at all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto, { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ArtifactCache, keyFromSecret, PgCacheRows } from "../src/cache/index.js";
import type { Artifact } from "../src/compiler/artifact.js";
import { PgConnection } from "../src/store/index.js";
import { postgresUnavailable, startPostgres } from "../test/helpers/postgres.js";

const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/cody.js");
const TOKEN = "bench-token-0123456789abcdef";
const SECRET = "bench-secret-0123456789abcdef";

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function artifact(i: number): Artifact {
  return {
    hash: crypto.createHash("sha256").update(`pg-bench:${i}`).digest("hex"),
    bytecode: new Uint8Array(crypto.randomBytes(49 * 1024)),
    sourceMap: JSON.stringify({ version: 3, sources: ["s.ts"], mappings: "AAAA,".repeat(1500) }),
    filename: `bench-${i}.ts`,
    dtsHash: "0".repeat(64),
    engineVersion: "quickjs-wasi@3.6.2",
    compilerVersion: "bench",
    sourceBytes: 17 * 1024,
    createdAt: Date.now(),
  };
}

/** p50 of a database-level hit (LRU off: row read + HMAC check + approval lookup), in microseconds. */
function hitUs(cache: ArtifactCache, artifacts: Artifact[], n: number): number {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    if (!cache.get((artifacts[i % artifacts.length] as Artifact).hash)) throw new Error("bench: expected a hit");
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return percentile(samples, 50);
}

/** User + system CPU seconds of a process (NaN where /proc is missing). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of one cluster's PostgreSQL processes: its postmaster and the backends and helpers it started. */
function postgresCpuSeconds(dataDir: string): number {
  let postmaster: number;
  try {
    postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return Number.NaN;
  }
  let sum = cpuSeconds(postmaster);
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      if (ppid === postmaster) sum += cpuSeconds(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

async function serve(dir: string, store: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--workers", "2", "--cwd", dir, "--approval", "on-request"], {
    env: { PATH: process.env["PATH"], HOME: dir, CODY_SERVER_TOKEN: TOKEN, CODY_STORE: store, CODY_STORE_SECRET: SECRET },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = "";
    child.once("exit", (code) => reject(new Error(`cody serve exited with ${code}:\n${stderr}`)));
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      const ready = stderr.split("\n").find((l) => l.includes('"cody serve ready"'));
      if (ready) resolve(String((JSON.parse(ready) as { url: string }).url));
    });
  });
  return { child, url };
}

const HEADERS = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };

/**
 * Kept-alive connections for the load clients, through node:http: Node's `fetch` cost ≈ 2 ms of CPU per request here,
 * taken from the cores the servers under test need.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...HEADERS, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `concurrency` clients spread over `urls`, each POSTing back to back for `ms`: runs per second. */
async function load(urls: string[], concurrency: number, ms: number): Promise<{ perSecond: number; failed: number }> {
  const body = JSON.stringify({ source: 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines;' });
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const url = urls[i % urls.length] as string;
      while (performance.now() < end) {
        const res = await post(`${url}/v1/runs`, body);
        if (res.status !== 200 || (JSON.parse(res.body) as { ok?: boolean }).ok !== true) failed++;
        done++;
      }
    }),
  );
  return { perSecond: (done / (performance.now() - started)) * 1000, failed };
}

/** Arrival time (performance.now) of each `console` event of an SSE response. */
async function consoleArrivals(res: Response): Promise<number[]> {
  const times: number[] = [];
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => parsed.push(m) });
  const decoder = new TextDecoder();
  if (!res.body) return times;
  for await (const chunk of res.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    for (const m of parsed.splice(0)) if (m.event === "console") times.push(performance.now());
  }
  return times;
}

/**
 * A run on A that waits for an approval (so B can start watching), then logs `lines` console lines between tool
 * calls; the client of A's stream and the client of B's watch both time each line: the difference is the fan-out.
 */
async function fanout(a: string, b: string, lines: number): Promise<number[]> {
  const runId = randomUUID();
  const source = `await tools.writeFile({ path: "w.txt", content: "x" });\nfor (let i = 0; i < ${lines}; i++) {\n  await tools.readFile({ path: "hello.txt" });\n  console.log("line " + i);\n}\nreturn 1;\n`;
  const onA = fetch(`${a}/v1/runs`, { method: "POST", headers: { ...HEADERS, accept: "text/event-stream" }, body: JSON.stringify({ source, runId }) });
  let pending: { id: string } | undefined;
  while (!pending) {
    const res = await fetch(`${b}/v1/approvals?runId=${runId}`, { headers: HEADERS });
    pending = ((await res.json()) as { approvals: { id: string }[] }).approvals[0];
    if (!pending) await new Promise((r) => setTimeout(r, 10));
  }
  const watch = fetch(`${b}/v1/runs/${runId}/events`, { headers: { ...HEADERS, accept: "text/event-stream" } });
  const watchTimes = watch.then(consoleArrivals);
  // Give B's watch time to subscribe before the lines start.
  await new Promise((r) => setTimeout(r, 200));
  await fetch(`${a}/v1/approvals/${pending.id}`, { method: "POST", headers: HEADERS, body: JSON.stringify({ decision: "approve" }) });
  const [timesA, timesB] = await Promise.all([onA.then(consoleArrivals), watchTimes]);
  return timesB.map((t, i) => t - (timesA[i] ?? Number.NaN)).filter((d) => Number.isFinite(d));
}

export async function benchPostgres(opts: { quick: boolean }): Promise<{ figures: Record<string, number>; lines: string[] }> {
  const missing = postgresUnavailable();
  if (missing !== undefined) return { figures: {}, lines: [`skipped: no PostgreSQL can be started here (${missing})`] };
  const cluster = await startPostgres({ durable: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-bench-pg-"));
  const children: ChildProcess[] = [];
  try {
    // Cache: database-level hits on PostgreSQL and on SQLite, the same artifacts.
    const n = opts.quick ? 200 : 1000;
    const artifacts = Array.from({ length: 20 }, (_, i) => artifact(i));
    const pg = new PgConnection(await cluster.createDatabase("bench_cache"));
    const pgCache = new ArtifactCache({ rows: new PgCacheRows(pg), key: keyFromSecret(SECRET), lruMaxBytes: 0 });
    for (const a of artifacts) pgCache.put(a);
    const pgHit = hitUs(pgCache, artifacts, n);
    pgCache.close();
    pg.close();
    const sqlite = new ArtifactCache({ db: path.join(dir, "cache.db"), lruMaxBytes: 0 });
    for (const a of artifacts) sqlite.put(a);
    const sqliteHit = hitUs(sqlite, artifacts, n);
    sqlite.close();

    // REST: one instance, then two on the same store, 64 clients in all.
    const store = await cluster.createDatabase("bench_rest");
    const ms = opts.quick ? 2000 : 5000;
    const wsA = path.join(dir, "a");
    const wsB = path.join(dir, "b");
    for (const ws of [wsA, wsB]) {
      fs.mkdirSync(ws);
      fs.writeFileSync(path.join(ws, "hello.txt"), "hello\n");
    }
    const a = await serve(wsA, store);
    children.push(a.child);
    await load([a.url], 4, 500);
    const cpu0 = { cody: cpuSeconds(a.child.pid), pg: postgresCpuSeconds(cluster.dataDir), client: process.cpuUsage() };
    const one = await load([a.url], 64, ms);
    const runs = (one.perSecond * ms) / 1000;
    const cpuPerRun = {
      cody: ((cpuSeconds(a.child.pid) - cpu0.cody) / runs) * 1000,
      pg: ((postgresCpuSeconds(cluster.dataDir) - cpu0.pg) / runs) * 1000,
      client: (((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0.client)) / runs),
    };
    const b = await serve(wsB, store);
    children.push(b.child);
    await load([b.url], 4, 500);
    const two = await load([a.url, b.url], 64, ms);

    // 30 lines per run: each line follows a tool call, and a run may make 32 (limits.maxToolCalls).
    const delays: number[] = [];
    while (delays.length < (opts.quick ? 50 : 200)) {
      const round = await fanout(a.url, b.url, 30);
      if (round.length === 0) break;
      delays.push(...round);
    }
    const figures = {
      pgCacheHitUs: pgHit,
      sqliteCacheHitUs: sqliteHit,
      pgRunsPerSecC64: one.perSecond,
      pgRunsPerSec2Instances: two.perSecond,
      pgEventFanoutP99Ms: percentile(delays, 99),
      pgFailed: one.failed + two.failed,
      pgCodyCpuMsPerRun: cpuPerRun.cody,
      pgServerCpuMsPerRun: cpuPerRun.pg,
    };
    const perRun = cpuPerRun.cody + cpuPerRun.pg + cpuPerRun.client;
    const cores = os.availableParallelism();
    return {
      figures,
      lines: [
        `database-level cache hit (49 KB bytecode, LRU off), p50: PostgreSQL ${pgHit.toFixed(0)} µs, SQLite ${sqliteHit.toFixed(0)} µs (goal ≤ 1000 µs)`,
        `POST /v1/runs (JSON, readFile script) at concurrency 64 for ${ms} ms, cody serve --workers 2 on the PostgreSQL store (fsync and synchronous_commit on):`,
        `  one instance: ${one.perSecond.toFixed(0)} runs/s; two instances: ${two.perSecond.toFixed(0)} runs/s ` +
          `(${(two.perSecond / one.perSecond).toFixed(2)}×, goal ≥ 1.7× — both instances share this machine's cores)` +
          (figures.pgFailed ? `  (${figures.pgFailed} requests failed)` : ""),
        `CPU per run at concurrency 64, one instance: cody serve ${cpuPerRun.cody.toFixed(2)} ms, PostgreSQL ${cpuPerRun.pg.toFixed(2)} ms, ` +
          `load client ${cpuPerRun.client.toFixed(2)} ms: ${cores} cores can serve at most ≈ ${((cores * 1000) / perRun).toFixed(0)} runs/s ` +
          `(${((cores * 1000) / perRun / one.perSecond).toFixed(2)}× one instance) however many instances share them`,
        `event fan-out (console line on A → client watching through B), ${delays.length} events: p50 ${percentile(delays, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(delays, 99).toFixed(1)} ms (goal ≤ 20 ms)`,
      ],
    };
  } finally {
    for (const child of children) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    }
    agent.destroy();
    cluster.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
