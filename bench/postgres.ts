/**
 * The PostgreSQL store, on a throwaway cluster started here (skipped with a note when initdb/pg_ctl are missing):
 * a database-level cache hit against SQLite's, REST throughput of one `cody serve` and of two sharing the store, and
 * how long an event takes from the instance running a run to a client watching it through another instance.
 *
 * The cluster keeps PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on), as a deployment
 * runs; the tests turn them off. CPU per run of the `cody serve` process and of the PostgreSQL processes is read from
 * /proc (Linux) around the one-instance load, to tell whether two instances on this machine can be faster at all.
 *
 * Two instances on one box share its cores, so the unbudgeted ratio says little about a fleet with an instance per
 * machine. The budgeted figures model that: each instance in its own CPU budget (cpu-budget.ts), PostgreSQL and the
 * client outside, one instance then two under the same load (skipped with a note where no cgroup can be written).
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
import { cpuBudgetUnavailable, createCpuBudget, type CpuBudget } from "./cpu-budget.js";
import { load as restLoad } from "./rest-load.js";

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

/** CPU seconds of a process and of every live process below it (a `cody serve` and what it spawned). */
function treeCpuSeconds(root: number | undefined): number {
  if (root === undefined) return Number.NaN;
  const children = new Map<number, number[]>();
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const todo = [root]; todo.length > 0; ) {
    const pid = todo.pop() as number;
    const own = cpuSeconds(pid);
    if (Number.isFinite(own)) sum += own;
    todo.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** CPU seconds of one cluster's PostgreSQL processes: its postmaster and the backends and helpers it started. */
function postgresCpuSeconds(dataDir: string): number {
  try {
    return treeCpuSeconds(Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]));
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole box so far (all cores; /proc/stat), NaN where it is missing. */
function boxBusySeconds(): number {
  try {
    const [, ...fields] = (fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
    const n = fields.map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait
    return (n.slice(0, 8).reduce((a, b) => a + b, 0) - (n[3] ?? 0) - (n[4] ?? 0)) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Start `cody serve` on `store`; with a budget, moved into it before it has started anything. */
async function serve(dir: string, store: string, budget?: CpuBudget): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--workers", "2", "--cwd", dir, "--approval", "on-request"], {
    env: { PATH: process.env["PATH"], HOME: dir, CODY_SERVER_TOKEN: TOKEN, CODY_STORE: store, CODY_STORE_SECRET: SECRET },
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (budget !== undefined && child.pid !== undefined) {
    try {
      budget.add(child.pid);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }
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

/** Each budgeted instance's share of the box: half of one core ("a small machine of its own"). */
const INSTANCE_CPU_BUDGET = 0.5;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

interface BudgetedLoad {
  perSecond: number;
  failed: number;
  /** Cores each instance used during the load (its process tree), then PostgreSQL's, the client's, the whole box's. */
  instanceCores: number[];
  postgresCores: number;
  clientCores: number;
  boxCores: number;
}

/** `concurrency` requests in flight, split evenly over `urls`, for `ms`; with the CPU each side used meanwhile. */
async function budgetedLoad(instances: { child: ChildProcess; url: string }[], concurrency: number, ms: number, dataDir: string): Promise<BudgetedLoad> {
  const t0 = performance.now();
  const before = {
    instances: instances.map((i) => treeCpuSeconds(i.child.pid)),
    pg: postgresCpuSeconds(dataDir),
    client: process.cpuUsage(),
    box: boxBusySeconds(),
  };
  const results = await Promise.all(instances.map((i) => restLoad(i.url, TOKEN, concurrency / instances.length, ms, "json")));
  const wall = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(before.client);
  return {
    perSecond: results.reduce((sum, r) => sum + r.perSecond, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    instanceCores: instances.map((i, n) => (treeCpuSeconds(i.child.pid) - (before.instances[n] ?? Number.NaN)) / wall),
    postgresCores: (postgresCpuSeconds(dataDir) - before.pg) / wall,
    clientCores: (client.user + client.system) / 1e6 / wall,
    boxCores: (boxBusySeconds() - before.box) / wall,
  };
}

/**
 * "One instance per machine" on one box: two `cody serve` instances, each in its own CPU budget of
 * INSTANCE_CPU_BUDGET cores (a cgroup: the instance, its threads and whatever it spawns), PostgreSQL and the load
 * client outside them. The same script, cluster and total concurrency (64) against one instance, then against both.
 * The budgets are removed afterwards, also when something fails.
 */
async function budgetedScale(store: string, dir: string, ms: number, dataDir: string): Promise<{ one: BudgetedLoad; two: BudgetedLoad }> {
  const budgets: CpuBudget[] = [];
  const instances: { child: ChildProcess; url: string }[] = [];
  try {
    for (const name of ["a", "b"]) {
      const budget = createCpuBudget(name, INSTANCE_CPU_BUDGET);
      budgets.push(budget);
      const ws = path.join(dir, `budget-${name}`);
      fs.mkdirSync(ws);
      fs.writeFileSync(path.join(ws, "hello.txt"), "hello\n");
      instances.push(await serve(ws, store, budget));
    }
    // Warm both (compile once, JIT, pools), so that neither measurement pays a start.
    await budgetedLoad(instances, 8, 1000, dataDir);
    const one = await budgetedLoad(instances.slice(0, 1), 64, ms, dataDir);
    const two = await budgetedLoad(instances, 64, ms, dataDir);
    return { one, two };
  } finally {
    for (const i of instances) await stop(i.child);
    for (const b of budgets) b.remove();
  }
}

function budgetedLines(r: { one: BudgetedLoad; two: BudgetedLoad }, ms: number): string[] {
  const cores = os.availableParallelism();
  const use = (l: BudgetedLoad): string => l.instanceCores.map((c) => `${((c / INSTANCE_CPU_BUDGET) * 100).toFixed(0)} %`).join(" + ");
  const lowest = Math.min(...r.two.instanceCores) / INSTANCE_CPU_BUDGET;
  const outside = r.two.postgresCores + r.two.clientCores;
  return [
    `one instance per machine, modelled with a CPU budget of ${INSTANCE_CPU_BUDGET} core per cody serve (cgroup; PostgreSQL and the client outside), concurrency 64 for ${ms} ms:`,
    `  one instance: ${r.one.perSecond.toFixed(0)} runs/s (budget used ${use(r.one)}); two instances: ${r.two.perSecond.toFixed(0)} runs/s ` +
      `(budgets used ${use(r.two)}): ${(r.two.perSecond / r.one.perSecond).toFixed(2)}× (goal ≥ 1.7×)` +
      (r.one.failed + r.two.failed ? `  (${r.one.failed + r.two.failed} requests failed)` : ""),
    `  during the two-instance load: PostgreSQL ${r.two.postgresCores.toFixed(2)} cores, load client ${r.two.clientCores.toFixed(2)} cores, ` +
      `whole box ${r.two.boxCores.toFixed(2)} of ${cores} cores busy: ` +
      (lowest >= 0.9
        ? "the instances' budgets were the limit, not PostgreSQL or the client"
        : `the instances left ${((1 - lowest) * 100).toFixed(0)} % of a budget unused: the limit was outside them ` +
          `(PostgreSQL + client ${outside.toFixed(2)} cores${r.two.boxCores > cores - 0.2 ? ", box saturated" : ""})`),
  ];
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
    // The fan-out instances are stopped first: the budgeted ones are measured on a box without them.
    for (const child of children.splice(0)) await stop(child);
    const budgetNote = cpuBudgetUnavailable();
    const budgeted = budgetNote === undefined ? await budgetedScale(store, dir, ms, cluster.dataDir) : undefined;

    const figures: Record<string, number> = {
      pgCacheHitUs: pgHit,
      sqliteCacheHitUs: sqliteHit,
      pgRunsPerSecC64: one.perSecond,
      pgRunsPerSec2Instances: two.perSecond,
      pgEventFanoutP99Ms: percentile(delays, 99),
      pgFailed: one.failed + two.failed,
      pgCodyCpuMsPerRun: cpuPerRun.cody,
      pgServerCpuMsPerRun: cpuPerRun.pg,
      ...(budgeted === undefined
        ? {}
        : {
            pgInstanceCpuBudget: INSTANCE_CPU_BUDGET,
            pgBudgetedRunsPerSec1Instance: budgeted.one.perSecond,
            pgBudgetedRunsPerSec2Instances: budgeted.two.perSecond,
            pgBudgetedScaleRatio: budgeted.two.perSecond / budgeted.one.perSecond,
            pgBudgetedPostgresCores: budgeted.two.postgresCores,
            pgBudgetedClientCores: budgeted.two.clientCores,
            pgBudgetedFailed: budgeted.one.failed + budgeted.two.failed,
          }),
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
        ...(budgeted === undefined ? [`budgeted instances skipped: ${budgetNote ?? "unknown"}`] : budgetedLines(budgeted, ms)),
      ],
    };
  } finally {
    for (const child of children) await stop(child);
    agent.destroy();
    cluster.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
