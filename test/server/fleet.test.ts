/**
 * Two real `cody serve` processes on one real PostgreSQL (one cluster for this file), different workspaces: a run
 * accepted by A is streamed, approved and aborted through B, and when A is killed (-9) B closes its run as crashed
 * once A's lease expires.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { startPostgres, type PgCluster } from "../helpers/postgres.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { AUTH, TEST_TOKEN, request, streamRun, waitFor, type SseEvent } from "./helpers.js";

const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");
const SECRET = "fleet-secret-0123456789";
let cluster: PgCluster;

test.before(async () => {
  cluster = await startPostgres();
});

test.after.always(() => {
  cluster?.destroy();
});

interface Served {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function serve(t: Parameters<typeof tempWorkspace>[0], store: string): Promise<Served> {
  const cwd = tempWorkspace(t, { "cody.json": "{}" });
  const child = spawn(process.execPath, [CODY, "serve", "--port", "0", "--cwd", cwd, "--workers", "1", "--approval", "on-request"], {
    env: { PATH: process.env["PATH"], HOME: cwd, CODY_SERVER_TOKEN: TEST_TOKEN, CODY_STORE: store, CODY_STORE_SECRET: SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const url = await waitFor(() => {
    const ready = stderr.split("\n").find((l) => l.includes('"cody serve ready"'));
    return ready ? String((JSON.parse(ready) as { url: string }).url) : undefined;
  }, 60_000);
  if (!url) throw new Error(`cody serve did not start:\n${stderr}`);
  return { child, base: url, exited };
}

/** GET /v1/runs/:id/events until the stream ends. */
async function watchEvents(base: string, runId: string): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(`${base}/v1/runs/${runId}/events`, { headers: { accept: "text/event-stream", ...AUTH } });
  const events: SseEvent[] = [];
  if (!res.body || res.status !== 200) return { status: res.status, events };
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => parsed.push(m) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    for (const m of parsed.splice(0)) events.push({ event: m.event ?? "message", data: JSON.parse(m.data) as Record<string, unknown> });
  }
  return { status: res.status, events };
}

const ASKING = 'await tools.writeFile({ path: "out.txt", content: "written" });\nconsole.log("after");\nreturn 5;\n';

/** Wait until B lists the approval request of `runId` (parked on A). */
async function pendingOn(base: string, runId: string): Promise<{ id: string; tool: string } | undefined> {
  return waitFor(async () => {
    const r = await request<{ approvals: { id: string; runId: string; tool: string }[] }>(base, "GET", `/v1/approvals?runId=${runId}`);
    return r.body.approvals[0];
  }, 60_000);
}

test("a run accepted by one instance is streamed and approved through another, and completes where it runs", async (t) => {
  const store = await cluster.createDatabase();
  const [a, b] = await Promise.all([serve(t, store), serve(t, store)]);
  const runId = randomUUID();
  const onA = streamRun(a.base, { source: ASKING, runId });
  const asked = await pendingOn(b.base, runId);
  t.is(asked?.tool, "writeFile");
  const watched = watchEvents(b.base, runId);
  const answer = await request(b.base, "POST", `/v1/approvals/${asked?.id ?? ""}`, { decision: "approve" });
  t.is(answer.status, 200);
  const [fromA, fromB] = await Promise.all([onA, watched]);
  const endA = fromA.events.at(-1);
  t.like(endA?.data["result"], { ok: true, value: 5 });
  t.is(fromB.status, 200);
  // B saw the run from its start (replayed) to its end, in order, including the request it answered.
  const names = fromB.events.map((e) => e.event);
  t.is(names[0], "start");
  t.true(names.includes("approval_request"));
  t.true(names.indexOf("console") > names.indexOf("approval_request"));
  t.is(names.at(-1), "end");
  t.deepEqual(fromB.events.at(-1)?.data, endA?.data);
  t.is((await request(b.base, "GET", "/v1/approvals")).body["approvals"]?.toString(), "");
  // A run's end row is one of the writes batched for after the fact (docs/cache.md): it is committed with the
  // executing instance's next group commit, so another instance can read the run as still open for a moment.
  let outcome: string | null = null;
  for (const deadline = Date.now() + 10_000; outcome === null && Date.now() < deadline; ) {
    outcome = (await request<{ run: { outcome: string | null } }>(b.base, "GET", `/v1/runs/${runId}`)).body.run.outcome;
    if (outcome === null) await new Promise((r) => setTimeout(r, 20));
  }
  t.is(outcome, "ok");
});

test("DELETE /v1/runs/:id on another instance aborts the run where it executes", async (t) => {
  const store = await cluster.createDatabase();
  const [a, b] = await Promise.all([serve(t, store), serve(t, store)]);
  const runId = randomUUID();
  const onA = streamRun(a.base, { source: ASKING, runId });
  await pendingOn(b.base, runId);
  const aborted = await request(b.base, "DELETE", `/v1/runs/${runId}`);
  t.is(aborted.status, 202);
  const end = (await onA).events.at(-1);
  t.like(end?.data["result"], { ok: false, error: { code: "CODY_ABORTED" } });
  t.is((await request(b.base, "DELETE", `/v1/runs/${randomUUID()}`)).status, 404);
});

test("kill -9 of the instance running a run: another instance closes it as crashed once the lease expires", async (t) => {
  const store = await cluster.createDatabase();
  const [a, b] = await Promise.all([serve(t, store), serve(t, store)]);
  const runId = randomUUID();
  const onA = streamRun(a.base, { source: ASKING, runId }).catch(() => ({ status: 0, events: [] }));
  await pendingOn(b.base, runId);
  const watched = watchEvents(b.base, runId);
  a.child.kill("SIGKILL");
  await a.exited;
  await onA;
  const crashed = await waitFor(async () => {
    const r = await request<{ run: { outcome: string | null; errorMessage: string | null } }>(b.base, "GET", `/v1/runs/${runId}`);
    return r.body.run.outcome === "crashed" ? r.body.run : undefined;
  }, 60_000);
  t.regex(crashed?.errorMessage ?? "", /stopped renewing its lease/);
  const { events } = await watched;
  t.like(events.at(-1), { event: "end", data: { result: { ok: false, crashed: true } } });
});
