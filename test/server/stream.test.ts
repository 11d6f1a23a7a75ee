import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { pidsWith, uniqueSleep } from "../sandbox/helpers.js";
import { AUTH, request, startServer, streamRun, waitFor, type SseEvent } from "./helpers.js";

const EXEC_ALLOWED = { policy: { policy: "never" as const, allowTools: ["exec"] }, limits: { timeoutMs: 20_000 } };

test("the SSE stream delivers start, console, tool_call, tool_result and end in order, console before end", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  let activeWhenConsoleArrived: boolean | undefined;
  const { status, events } = await streamRun(
    base,
    { source: 'console.log("before");\nawait tools.exec({ command: ["sleep", "1"] });\nconsole.log("after");\nreturn "done";' },
    async (event, all) => {
      if (event.event === "console" && activeWhenConsoleArrived === undefined) {
        // The sleep is still running when the first line reaches the client: it was streamed live, not at the end.
        const runId = String(all[0]?.data["runId"]);
        const record = await request<{ active: boolean; calls: { outcome: string }[] }>(base, "GET", `/v1/runs/${runId}`);
        activeWhenConsoleArrived = record.body.active && all.every((e) => e.event !== "tool_result");
      }
    },
  );
  t.is(status, 200);
  t.deepEqual(
    events.map((e) => e.event),
    ["start", "console", "tool_call", "tool_result", "console", "end"],
  );
  t.is(events[1]?.data["entry"] && (events[1].data["entry"] as { text: string }).text, "before");
  t.true(activeWhenConsoleArrived);
  const end = events.at(-1)?.data["result"] as { ok: boolean; value: unknown };
  t.true(end.ok);
  t.is(end.value, "done");
  for (const e of events) t.is(e.data["type"], e.event);
});

test("a console line reaches the client while the script is still blocked on a tool it waits for", async (t) => {
  // The tool only returns once the client has seen the line, so a stream buffered until the end would time out.
  const { base, cwd } = await startServer(t, { harness: { ...EXEC_ALLOWED, limits: { timeoutMs: 10_000 } } });
  const gate = path.join(cwd, "go");
  const { events } = await streamRun(
    base,
    { source: 'console.log("waiting for the gate");\nawait tools.exec({ command: ["sh", "-c", "while [ ! -f go ]; do sleep 0.02; done"] });\nreturn "through";' },
    (event) => {
      if (event.event === "console") writeFileSync(gate, "");
    },
  );
  const end = events.at(-1);
  t.is(end?.event, "end");
  const result = end?.data["result"] as { ok: boolean; value: unknown; error?: unknown };
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.value, "through");
});

test("the client disconnecting mid-stream aborts the run and kills the process it started", async (t) => {
  const { base, cwd } = await startServer(t, { harness: EXEC_ALLOWED });
  const pidFile = path.join(cwd, "pid.txt");
  const client = new AbortController();
  // Found by its argv in /proc: inside the sandbox's PID namespace `$$` is not the host's PID.
  const marker = uniqueSleep();
  let runId = "";
  await streamRun(
    base,
    { source: `console.log("starting");\nawait tools.exec({ command: ["sh", "-c", "echo started > pid.txt; exec sleep ${marker}"] });\nreturn "unreachable";` },
    async (event) => {
      if (event.event === "start") runId = String(event.data["runId"]);
      if (event.event === "tool_call") {
        await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "" ? true : undefined));
        client.abort();
      }
    },
    client.signal,
  );
  t.not(runId, "");
  const record = await waitFor(async () => {
    const res = await request<{ run: { outcome: string | null }; calls: { tool: string; outcome: string }[] }>(base, "GET", `/v1/runs/${runId}`);
    return res.body.run.outcome === null ? undefined : res.body;
  });
  t.is(record?.run.outcome, "aborted");
  t.deepEqual(record?.calls.map((c) => [c.tool, c.outcome]), [["exec", "aborted"]]);
  t.true(await waitFor(() => (pidsWith(marker, "sleep").length > 0 ? undefined : true)), `still running: ${pidsWith(marker, "sleep").join(", ")}`);
});

test("DELETE /v1/runs/:id aborts a run in progress and its stream ends with CODY_ABORTED", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  let deleted: { status: number; body: Record<string, unknown> } | undefined;
  const { events } = await streamRun(
    base,
    { source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn "unreachable";', runId: "client-chosen-1" },
    async (event: SseEvent) => {
      if (event.event === "tool_call") deleted = await request(base, "DELETE", "/v1/runs/client-chosen-1");
    },
  );
  t.is(events[0]?.data["runId"], "client-chosen-1");
  t.is(deleted?.status, 202);
  t.deepEqual(deleted?.body, { runId: "client-chosen-1", aborted: true });
  const result = events.at(-1)?.data["result"] as { ok: boolean; error: { code: string }; toolCalls: { outcome: string }[] };
  t.false(result.ok);
  t.is(result.error.code, "CODY_ABORTED");
  t.is(result.toolCalls[0]?.outcome, "aborted");
  t.is((await request(base, "DELETE", "/v1/runs/client-chosen-1")).status, 404);
  const record = await request<{ run: { outcome: string } }>(base, "GET", "/v1/runs/client-chosen-1");
  t.is(record.body.run.outcome, "aborted");
});

test("DELETE aborts a run whose client waits for the JSON result", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  const pending = request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", {
    source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn 1;',
    runId: "json-run",
  });
  const started = await waitFor(async () => {
    const res = await request<{ calls: unknown[] }>(base, "GET", "/v1/runs/json-run");
    return res.status === 200 && res.body.calls.length > 0 ? true : undefined;
  });
  t.true(started);
  t.is((await request(base, "DELETE", "/v1/runs/json-run")).status, 202);
  const res = await pending;
  t.is(res.status, 200);
  t.false(res.body.ok);
  t.is(res.body.error.code, "CODY_ABORTED");
});

test("a second run with the id of a run in progress answers 409", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  const first = request(base, "POST", "/v1/runs", { source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn 1;', runId: "dup" });
  await waitFor(async () => ((await request(base, "GET", "/v1/runs/dup")).status === 200 ? true : undefined));
  const second = await request<{ error: { code: string } }>(base, "POST", "/v1/runs", { source: "return 2;", runId: "dup" });
  t.is(second.status, 409);
  t.is(second.body.error.code, "CODY_HTTP_CONFLICT");
  await request(base, "DELETE", "/v1/runs/dup");
  t.is((await first).status, 200);
});

test("a client waiting for a JSON result that disconnects aborts the run", async (t) => {
  const { base } = await startServer(t, { harness: EXEC_ALLOWED });
  const client = new AbortController();
  const pending = fetch(`${base}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...AUTH },
    body: JSON.stringify({ source: 'await tools.exec({ command: ["sleep", "30"] });\nreturn 1;', runId: "gone" }),
    signal: client.signal,
  }).catch((error: unknown) => error);
  await waitFor(async () => {
    const res = await request<{ calls: unknown[] }>(base, "GET", "/v1/runs/gone");
    return res.status === 200 && res.body.calls.length > 0 ? true : undefined;
  });
  client.abort();
  t.true((await pending) instanceof Error);
  const record = await waitFor(async () => {
    const res = await request<{ run: { outcome: string | null } }>(base, "GET", "/v1/runs/gone");
    return res.body.run.outcome ?? undefined;
  });
  t.is(record, "aborted");
});

test("with the pool busy and its queue full a run answers 429 with Retry-After, also when it asked for SSE", async (t) => {
  const { base, cwd } = await startServer(t, { harness: { ...EXEC_ALLOWED, pool: { workers: 1, maxWorkers: 1, vmsPerWorker: 1, maxQueue: 0 } } });
  const gate = path.join(cwd, "go");
  const busy = request<{ ok: boolean }>(base, "POST", "/v1/runs", {
    source: 'await tools.exec({ command: ["sh", "-c", "while [ ! -f go ]; do sleep 0.02; done"] });\nreturn 1;',
    runId: "busy",
  });
  await waitFor(async () => ((await request<{ calls: unknown[] }>(base, "GET", "/v1/runs/busy")).body.calls?.length ? true : undefined));
  const refused = await request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", { source: "return 2;", runId: "refused-json" });
  t.is(refused.status, 429);
  t.is(refused.headers.get("retry-after"), "1");
  t.is(refused.body.error.code, "CODY_POOL_QUEUE_FULL");
  // Not a 200 stream holding one `end` event: the refusal's own status, with the RunResult as a JSON body.
  const sse = await request<{ ok: boolean; error: { code: string } }>(
    base,
    "POST",
    "/v1/runs",
    { source: "return 3;", runId: "refused-sse" },
    { accept: "text/event-stream" },
  );
  t.is(sse.status, 429);
  t.is(sse.headers.get("retry-after"), "1");
  t.regex(sse.headers.get("content-type") ?? "", /^application\/json/);
  t.false(sse.body.ok);
  t.is(sse.body.error.code, "CODY_POOL_QUEUE_FULL");
  // As docs/rest-api.md says: a run the pool refused is in the audit log, with the refusal's code.
  const row = await request<{ run: { outcome: string; errorCode: string } }>(base, "GET", "/v1/runs/refused-sse");
  t.is(row.body.run.errorCode, "CODY_POOL_QUEUE_FULL");
  writeFileSync(gate, "");
  t.true((await busy).body.ok);
});
