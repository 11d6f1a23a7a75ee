/**
 * The REST bench's load client, run as its own process (`node rest-load.js URL TOKEN CONCURRENCY MS MODE`) so that
 * its own work never shares an event loop with the server or the bench's in-process figures. It keeps `concurrency`
 * requests in flight over as many keep-alive connections (rest-connection.ts: a minimal HTTP/1.1 client, because
 * node:http's costs the client several times more CPU per request, and the client shares the box with the server) and
 * prints one JSON line: runs per second, latency percentiles, failures. In `sse` mode every stream is
 * read to its end and its events checked: `start` first, `end` last, each `tool_result` after its `tool_call`.
 */
import { Connection, postBytes } from "./rest-connection.js";

export interface LoadFigures {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  failed: number;
  /** SSE streams whose events were missing or out of order. */
  misordered: number;
  /** CPU time (user + system) this client spent per request, µs: its share of the box. */
  clientCpuUs: number;
  /** The first failure seen, for the bench's report. */
  firstFailure?: string;
}

const BODY = JSON.stringify({ source: 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines;' });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Event names of an SSE body, in order. */
function eventNames(body: string): string[] {
  const names: string[] = [];
  for (const line of body.split("\n")) if (line.startsWith("event: ")) names.push(line.slice(7));
  return names;
}

/** Why an SSE run's events are wrong, or undefined when they are complete and in order. */
export function checkEventOrder(names: readonly string[]): string | undefined {
  if (names[0] !== "start") return `first event ${names[0] ?? "none"}, expected start`;
  if (names.at(-1) !== "end") return `last event ${names.at(-1) ?? "none"}, expected end`;
  if (names.indexOf("end") !== names.length - 1) return "an event after end";
  let open = 0;
  for (const n of names) {
    if (n === "tool_call") open++;
    if (n === "tool_result" && --open < 0) return "tool_result before its tool_call";
  }
  return open === 0 ? undefined : "a tool_call without its tool_result";
}

/** Keep `concurrency` requests in flight for `ms`. */
export async function load(baseUrl: string, token: string, concurrency: number, ms: number, mode: "json" | "sse"): Promise<LoadFigures> {
  const url = new URL(baseUrl);
  const port = Number(url.port);
  const headers: Record<string, string> = { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
  if (mode === "sse") headers["Accept"] = "text/event-stream";
  const request = postBytes(url.host, "/v1/runs", headers, BODY);
  const samples: number[] = [];
  let failed = 0;
  let misordered = 0;
  let firstFailure: string | undefined;
  const fail = (why: string): void => {
    failed++;
    firstFailure ??= why;
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      let conn: Connection | undefined;
      while (performance.now() < end) {
        const s = performance.now();
        try {
          if (conn === undefined || conn.closed) conn = await Connection.open(port, url.hostname);
          const res = await conn.send(request);
          if (res.status !== 200) fail(`status ${res.status}: ${res.body.slice(0, 200)}`);
          else if (mode === "json") {
            if ((JSON.parse(res.body) as { ok?: boolean }).ok !== true) fail(res.body.slice(0, 200));
          } else {
            const why = checkEventOrder(eventNames(res.body));
            if (why !== undefined) {
              misordered++;
              fail(why);
            } else if (!res.body.includes('"ok":true')) fail(res.body.slice(-200));
          }
        } catch (error) {
          fail((error as Error).message);
        }
        samples.push(performance.now() - s);
      }
      conn?.close();
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  samples.sort((a, b) => a - b);
  return {
    perSecond: (samples.length / elapsed) * 1000,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    requests: samples.length,
    failed,
    misordered,
    clientCpuUs: (used.user + used.system) / Math.max(1, samples.length),
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}

// Run as a process: print the figures as one JSON line.
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "\0")) {
  const [url, token, concurrency, ms, mode] = process.argv.slice(2);
  const figures = await load(String(url), String(token), Number(concurrency), Number(ms), mode === "sse" ? "sse" : "json");
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
