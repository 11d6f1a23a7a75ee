/**
 * Many runs at once through the real HTTP server: every SSE stream gets all of its own events, in order, and nobody
 * else's; every accepted run is in the audit with its call; closing right after a burst leaves every run ended; a
 * database refusing writes under concurrency fails each run with CODY_STORE and /healthz says degraded.
 */
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";
import { createHarness } from "../../src/harness.js";
import { createServer } from "../../src/server/index.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { TEST_TOKEN, request, startServer, streamRun } from "./helpers.js";

const N = 64;
const POOL = { workers: 2, maxWorkers: 2, vmsPerWorker: 1 };
const script = (i: number): string =>
  `console.log("before ${i}");\nconst f = await tools.readFile({ path: "hello.txt" });\nconsole.log("after ${i}");\nreturn { i: ${i}, lines: f.totalLines };`;

test(`${N} concurrent SSE runs each get their own events, complete and in order, and all are in the audit`, async (t) => {
  const { base } = await startServer(t, { files: { "hello.txt": "hello\n" }, harness: { pool: POOL } });
  const streams = await Promise.all(Array.from({ length: N }, (_, i) => streamRun(base, { source: script(i), runId: `sse-${i}` })));
  streams.forEach(({ status, events }, i) => {
    const runId = `sse-${i}`;
    t.is(status, 200);
    t.deepEqual(
      events.map((e) => e.event),
      ["start", "console", "tool_call", "tool_result", "console", "end"],
      runId,
    );
    t.is(events[0]?.data["runId"], runId);
    t.is((events[1]?.data["entry"] as { text: string }).text, `before ${i}`);
    t.is(events[2]?.data["id"], events[3]?.data["id"]);
    t.is((events[4]?.data["entry"] as { text: string }).text, `after ${i}`);
    const result = events[5]?.data["result"] as { runId: string; ok: boolean; value: unknown };
    t.like(result, { runId, ok: true, value: { i, lines: 1 } });
  });
  for (let i = 0; i < N; i++) {
    const record = await request<{ run: { outcome: string }; calls: { tool: string; outcome: string; handlerStarted: boolean }[] }>(base, "GET", `/v1/runs/sse-${i}`);
    t.is(record.status, 200);
    t.is(record.body.run.outcome, "ok");
    t.deepEqual(record.body.calls.map((c) => [c.tool, c.outcome, c.handlerStarted]), [["readFile", "ok", true]]);
  }
});

test(`${N} concurrent JSON runs are all answered and all recorded; closing right after the burst leaves every run ended`, async (t) => {
  const cwd = tempWorkspace(t, { "hello.txt": "hello\n" });
  const harness = await createHarness({ cwd, pool: POOL, limits: { timeoutMs: 60_000 } });
  const listening = await createServer(harness, { token: TEST_TOKEN }).listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${listening.port}`;
  const answers = await Promise.all(
    Array.from({ length: N }, (_, i) => request<{ ok: boolean; runId: string; value: { i: number } }>(base, "POST", "/v1/runs", { source: script(i), runId: `json-${i}` })),
  );
  // Closed at once: run ends still queued for the next group commit must be flushed by close, not lost.
  await listening.close();
  await harness.close();
  answers.forEach((a, i) => t.like(a.body, { ok: true, runId: `json-${i}`, value: { i } }));
  const audit = new AuditLog(openDatabase(harness.db.name), { closeCrashedRuns: false });
  t.teardown(() => audit.db.close());
  for (let i = 0; i < N; i++) {
    const found = audit.getRun(`json-${i}`);
    t.is(found?.run.outcome, "ok", `json-${i}`);
    t.is(found?.calls.length, 1);
    t.is(found?.calls[0]?.outcome, "ok");
  }
});

test("runs arriving together while the database refuses writes each fail with CODY_STORE; /healthz is degraded until a write succeeds", async (t) => {
  const { base, harness } = await startServer(t, { files: { "hello.txt": "hello\n" }, harness: { pool: POOL } });
  t.true((await request<{ ok: boolean }>(base, "POST", "/v1/runs", { source: script(0) })).body.ok);
  harness.db.pragma("query_only = ON");
  const refused = await Promise.all(Array.from({ length: 8 }, (_, i) => request<{ ok: boolean; error: { code: string; details: Record<string, unknown> } }>(base, "POST", "/v1/runs", { source: script(i) })));
  for (const r of refused) {
    t.is(r.status, 200);
    t.false(r.body.ok);
    t.is(r.body.error.code, "CODY_STORE");
    t.like(r.body.error.details, { operation: "audit.recordRunStart", sqliteCode: "SQLITE_READONLY" });
  }
  t.like((await request(base, "GET", "/healthz")).body, { ok: false, status: "degraded" });
  harness.db.pragma("query_only = OFF");
  t.true((await request<{ ok: boolean }>(base, "POST", "/v1/runs", { source: script(1) })).body.ok);
  t.like((await request(base, "GET", "/healthz")).body, { ok: true, status: "ok" });
});
