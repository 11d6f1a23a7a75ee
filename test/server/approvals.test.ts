import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import type { ApprovalRequest } from "../../src/approval/index.js";
import { request, startServer, streamRun, waitFor } from "./helpers.js";

type Pending = { approvals: ApprovalRequest[] };

async function pendingCount(base: string, n: number): Promise<ApprovalRequest[] | undefined> {
  return waitFor(async () => {
    const res = await request<Pending>(base, "GET", "/v1/approvals");
    return res.body.approvals.length === n ? res.body.approvals : undefined;
  });
}

test("two approval requests pending at once are listed and answered out of order", async (t) => {
  const { base, cwd } = await startServer(t, { approvals: true });
  const run = request<{ ok: boolean; value: unknown; error?: unknown }>(base, "POST", "/v1/runs", {
    source: `await Promise.all([
  tools.writeFile({ path: "a.txt", content: "A" }),
  tools.writeFile({ path: "b.txt", content: "B" }),
]);
return "both";`,
    filename: "two.ts",
  });
  const pending = await pendingCount(base, 2);
  t.is(pending?.length, 2);
  const [first, second] = pending ?? [];
  for (const req of [first, second]) {
    t.is(req?.tool, "writeFile");
    t.is(req?.scriptName, "two.ts");
    t.regex(req?.scriptHash ?? "", /^[0-9a-f]{64}$/);
    t.is(req?.source, "script");
    t.regex(req?.reason ?? "", /writeFile/);
  }
  t.deepEqual((pending ?? []).map((r) => (r.args as { path: string }).path).sort(), ["a.txt", "b.txt"]);
  // Answer the later one first.
  const answerSecond = await request(base, "POST", `/v1/approvals/${second?.id}`, { decision: "approve" });
  t.is(answerSecond.status, 200);
  t.is(answerSecond.body["decision"], "approve");
  t.is((await request<Pending>(base, "GET", "/v1/approvals")).body.approvals.length, 1);
  t.is((await request(base, "POST", `/v1/approvals/${first?.id}`, { decision: "approve" })).status, 200);
  const result = await run;
  t.is(result.status, 200);
  t.true(result.body.ok, JSON.stringify(result.body.error));
  t.is(result.body.value, "both");
  t.is(readFileSync(path.join(cwd, "a.txt"), "utf8"), "A");
  t.is(readFileSync(path.join(cwd, "b.txt"), "utf8"), "B");
  t.is((await request(base, "POST", `/v1/approvals/${first?.id}`, { decision: "approve" })).status, 404);
});

test("a denied request reaches the script as ApprovalDeniedError and nothing is written", async (t) => {
  const { base, cwd } = await startServer(t, { approvals: true });
  const run = request<{ ok: boolean; value: unknown; error?: unknown }>(base, "POST", "/v1/runs", {
    source: `try {
  await tools.writeFile({ path: "no.txt", content: "x" });
  return "written";
} catch (e) {
  return [(e as Error).name, (e as ToolError).code];
}`,
  });
  const pending = await pendingCount(base, 1);
  const bad = await request<{ error: { code: string; message: string } }>(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "maybe" });
  t.is(bad.status, 400);
  t.regex(bad.body.error.message, /must be one of approve, deny, always, abort, got `maybe`/);
  t.is((await request(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "deny" })).status, 200);
  const result = await run;
  t.true(result.body.ok, JSON.stringify(result.body.error));
  t.deepEqual(result.body.value, ["ApprovalDeniedError", "CODY_APPROVAL_DENIED"]);
  t.false(existsSync(path.join(cwd, "no.txt")));
});

test("pending requests appear in the run's SSE stream as approval_request events", async (t) => {
  const { base } = await startServer(t, { approvals: true });
  const { events } = await streamRun(
    base,
    { source: 'await tools.writeFile({ path: "s.txt", content: "s" });\nreturn "ok";', filename: "sse.ts" },
    async (event) => {
      if (event.event === "approval_request") {
        await request(base, "POST", `/v1/approvals/${String(event.data["id"])}`, { decision: "approve" });
      }
    },
  );
  const names = events.map((e) => e.event);
  t.deepEqual(names, ["start", "tool_call", "approval_request", "tool_result", "end"]);
  const asked = events[2]?.data as unknown as ApprovalRequest;
  t.is(asked.tool, "writeFile");
  t.is(asked.scriptName, "sse.ts");
  t.is(asked.runId, String(events[0]?.data["runId"]));
  t.deepEqual(asked.args, { path: "s.txt", content: "s" });
  t.true((events.at(-1)?.data["result"] as { ok: boolean }).ok);
});

test("answering abort stops the whole run", async (t) => {
  const { base } = await startServer(t, { approvals: true });
  const run = request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", {
    source: 'await tools.writeFile({ path: "x.txt", content: "x" });\nreturn "written";',
  });
  const pending = await pendingCount(base, 1);
  t.is((await request(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "abort" })).status, 200);
  const result = await run;
  t.false(result.body.ok);
  t.is(result.body.error.code, "CODY_ABORTED");
});

test("a structured call that needs approval waits for an answer over HTTP", async (t) => {
  const { base, cwd } = await startServer(t, { approvals: true });
  const call = request<{ result: unknown }>(base, "POST", "/v1/tools/writeFile/call", { args: { path: "w.txt", content: "w" } });
  const pending = await pendingCount(base, 1);
  t.is(pending?.[0]?.source, "structured");
  t.is(pending?.[0]?.scriptHash, undefined);
  await request(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "approve" });
  t.is((await call).status, 200);
  t.is(readFileSync(path.join(cwd, "w.txt"), "utf8"), "w");
});

test("secrets in a pending request's arguments are redacted", async (t) => {
  const { base } = await startServer(t, { approvals: true });
  const run = request<{ ok: boolean; error?: { code: string } }>(base, "POST", "/v1/runs", {
    source: 'await tools.exec({ command: ["curl", "-H", "Authorization: Bearer sk-abcdefghijklmnopqrstuvwxyz0123"] });\nreturn 1;',
  });
  const pending = await pendingCount(base, 1);
  const text = JSON.stringify(pending?.[0]?.args);
  t.notRegex(text, /sk-abcdefghijklmnopqrstuvwxyz0123/);
  t.regex(text, /REDACTED/);
  await request(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "deny" });
  const result = await run;
  t.false(result.body.ok);
  t.regex(JSON.stringify(result.body.error), /ApprovalDeniedError/);
});

test("a request whose run is aborted is withdrawn from the pending list", async (t) => {
  const { base } = await startServer(t, { approvals: true });
  const run = request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", {
    source: 'await tools.writeFile({ path: "x.txt", content: "x" });\nreturn 1;',
    runId: "withdrawn",
  });
  const pending = await pendingCount(base, 1);
  t.is(pending?.[0]?.runId, "withdrawn");
  t.is((await request(base, "GET", "/v1/approvals?runId=withdrawn")).body["approvals"] instanceof Array, true);
  t.is((await request(base, "DELETE", "/v1/runs/withdrawn")).status, 202);
  t.is((await run).body.error.code, "CODY_ABORTED");
  t.deepEqual((await pendingCount(base, 0)) ?? null, []);
  t.is((await request(base, "POST", `/v1/approvals/${pending?.[0]?.id}`, { decision: "approve" })).status, 404);
});
