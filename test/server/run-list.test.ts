/** `GET /v1/runs`: cursor pagination past the old 1,000-row ceiling, and filters by outcome and start time. */
import test from "ava";
import { request, startServer } from "./helpers.js";

interface Page {
  runs: { runId: string; outcome: string | null; startedAt: number }[];
  active: string[];
  nextCursor: string | null;
}

const T0 = Date.parse("2026-11-01T00:00:00Z");

test("every run can be listed: 1,005 runs come back in two pages of at most 1,000, newest first, none twice", async (t) => {
  const { base, harness } = await startServer(t);
  for (let i = 0; i < 1005; i++) {
    // Two runs per millisecond: the cursor must order runs that started at the same time.
    harness.audit.recordRunStart({ runId: `r${String(i).padStart(4, "0")}`, scriptName: "s.ts", startedAt: T0 + Math.floor(i / 2) });
    harness.audit.recordRunEnd(`r${String(i).padStart(4, "0")}`, { outcome: "ok" });
  }
  const first = await request<Page>(base, "GET", "/v1/runs?limit=1000");
  t.is(first.status, 200);
  t.is(first.body.runs.length, 1000);
  t.not(first.body.nextCursor, null);
  const second = await request<Page>(base, "GET", `/v1/runs?limit=1000&cursor=${first.body.nextCursor}`);
  t.is(second.body.runs.length, 5);
  t.is(second.body.nextCursor, null);
  const ids = [...first.body.runs, ...second.body.runs].map((r) => r.runId);
  t.is(new Set(ids).size, 1005);
  t.is(ids[0], "r1004");
  t.is(ids.at(-1), "r0000");
  t.deepEqual(ids, [...ids].sort().reverse());
  t.is((await request(base, "GET", "/v1/runs?limit=1001")).status, 400, "one past the page ceiling");
  t.is((await request(base, "GET", "/v1/runs?limit=0")).status, 400);
  t.is((await request<Page>(base, "GET", "/v1/runs")).body.runs.length, 20, "default page size");
});

test("GET /v1/runs filters by outcome (running = no outcome yet) and by start time, and pages within the filter", async (t) => {
  const { base, harness } = await startServer(t);
  const outcomes = ["ok", "error", "timeout", "ok", "error", "aborted", null] as const;
  outcomes.forEach((outcome, i) => {
    harness.audit.recordRunStart({ runId: `f${i}`, startedAt: T0 + i * 60_000 });
    if (outcome !== null) harness.audit.recordRunEnd(`f${i}`, { outcome });
  });
  const ids = async (query: string): Promise<string[]> => {
    const res = await request<Page>(base, "GET", `/v1/runs${query}`);
    t.is(res.status, 200, JSON.stringify(res.body));
    return res.body.runs.map((r) => r.runId);
  };
  t.deepEqual(await ids("?outcome=error"), ["f4", "f1"]);
  t.deepEqual(await ids("?outcome=error,timeout"), ["f4", "f2", "f1"]);
  t.deepEqual(await ids("?outcome=running"), ["f6"]);
  t.deepEqual(await ids(`?since=${T0 + 2 * 60_000}&until=${new Date(T0 + 4 * 60_000).toISOString()}`), ["f3", "f2"], "since inclusive, until exclusive");
  const page1 = await request<Page>(base, "GET", "/v1/runs?outcome=ok,error&limit=3");
  t.deepEqual(page1.body.runs.map((r) => r.runId), ["f4", "f3", "f1"]);
  const page2 = await request<Page>(base, "GET", `/v1/runs?outcome=ok,error&limit=3&cursor=${page1.body.nextCursor}`);
  t.deepEqual(page2.body.runs.map((r) => r.runId), ["f0"]);
  t.is(page2.body.nextCursor, null);
  const bad = async (query: string) => (await request<{ error: { code: string; message: string } }>(base, "GET", `/v1/runs${query}`)).body.error;
  t.regex((await bad("?outcome=fine"))?.message ?? "", /`\?outcome` must be one or more of ok, error/);
  t.regex((await bad("?since=yesterday"))?.message ?? "", /`\?since` must be an ISO 8601 time/);
  t.is((await bad("?cursor=garbage"))?.code, "CODY_HTTP_BAD_REQUEST");
});
