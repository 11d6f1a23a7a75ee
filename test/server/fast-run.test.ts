/**
 * The `POST /v1/runs` fast path (src/server/fast-run.ts) answers as the hono app does: the same request sent over
 * HTTP (served by the fast path, or handed to hono by it) and through `app.fetch` (hono only) gets the same status,
 * headers and body, and the same request log line.
 */
import test from "ava";
import pino from "pino";
import { createHarness } from "../../src/harness.js";
import { createServer } from "../../src/server/index.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { AUTH, POOL, TEST_TOKEN } from "./helpers.js";

interface Answer {
  status: number;
  contentType: string | null;
  headers: Record<string, string | null>;
  body: Record<string, unknown>;
}

/** Fields that differ between two runs of the same script (ids, times, whether the cache was warm). */
function stable(body: Record<string, unknown>): Record<string, unknown> {
  const { runId: _runId, durationMs: _durationMs, cache: _cache, ...rest } = body;
  if (Array.isArray(rest["toolCalls"])) rest["toolCalls"] = (rest["toolCalls"] as Record<string, unknown>[]).map(({ ms: _ms, ...call }) => call);
  return rest;
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    headers: { "retry-after": res.headers.get("retry-after"), "www-authenticate": res.headers.get("www-authenticate") },
    body: stable(JSON.parse(text) as Record<string, unknown>),
  };
}

test("every kind of POST /v1/runs gets the same answer and log line over HTTP (fast path) as through hono alone", async (t) => {
  const cwd = tempWorkspace(t, { "hello.txt": "hello\n" });
  const harness = await createHarness({ cwd, pool: POOL, limits: { timeoutMs: 60_000 } });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ name: "cody" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const server = createServer(harness, { token: TEST_TOKEN, logger });
  const listening = await server.listen(0, "127.0.0.1");
  t.teardown(async () => {
    await listening.close();
    await harness.close();
  });
  const base = `http://127.0.0.1:${listening.port}`;
  const headers = { "content-type": "application/json", ...AUTH };
  const bodies: [string, string | Uint8Array][] = [
    ["a run", JSON.stringify({ source: 'const f = await tools.readFile({ path: "hello.txt" });\nreturn f.totalLines;' })],
    ["a run by an unknown hash", JSON.stringify({ hash: "0".repeat(64) })],
    ["a type error", JSON.stringify({ source: "const n: number = 'x';\nreturn n;" })],
    ["an empty script", JSON.stringify({ source: "  " })],
    ["invalid JSON", "{nope"],
    ["an empty body", ""],
    ["an array", "[1]"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d])],
    ["an unknown field", JSON.stringify({ source: "return 1;", bogus: 1 })],
    ["both source and hash", JSON.stringify({ source: "return 1;", hash: "0".repeat(64) })],
    ["a bad run id", JSON.stringify({ source: "return 1;", runId: "x y" })],
    ["a limit above the server's", JSON.stringify({ source: "return 1;", limits: { timeoutMs: 10_000_000 } })],
    ["an unknown tool", JSON.stringify({ source: "return 1;", allowedTools: ["nope"] })],
    ["a looser sandbox", JSON.stringify({ source: "return 1;", sandbox: "danger-full-access" })],
  ];
  for (const [what, body] of bodies) {
    const over = await answerOf(await fetch(`${base}/v1/runs`, { method: "POST", headers: { ...headers, connection: "close" }, body }));
    const overLog = lines.splice(0).find((l) => l["msg"] === "request");
    const alone = await answerOf(await server.app.fetch(new Request("http://127.0.0.1/v1/runs", { method: "POST", headers, body })));
    const aloneLog = lines.splice(0).find((l) => l["msg"] === "request");
    t.deepEqual(over, alone, what);
    // The same log line, but for the values of one request (its time, the run's id and time).
    const keysOf = (l: Record<string, unknown> | undefined): string[] => Object.keys(l ?? {}).sort();
    t.deepEqual(keysOf(overLog), keysOf(aloneLog), `${what}: log line fields`);
    t.like(overLog, { method: "POST", path: "/v1/runs", status: over.status }, what);
  }
  // A run the fast path served: the outcome is on its line (one line per JSON run).
  const logged = await fetch(`${base}/v1/runs`, { method: "POST", headers, body: JSON.stringify({ source: "return 1;", runId: "logged" }) });
  t.is(logged.status, 200);
  await logged.text();
  t.like(lines.find((l) => l["runId"] === "logged"), { msg: "request", status: 200, ok: true });
});
