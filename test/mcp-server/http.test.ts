// Serial: each test spawns a `cody mcp` (worker pool, compiler process); nine at once on a loaded 2-core machine came
// close to ava's 60 s inactivity timeout.
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import test from "ava";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/store/index.js";
import { waitForPidFile, waitUntilGone } from "../helpers/processes.js";
import { tempWorkspace } from "../helpers/workspace.js";
import { TEST_TOKEN, connectHttp, startHttp, textOf, waitFor } from "./helpers.js";

interface RunContent {
  ok: boolean;
  value?: unknown;
  calls: string;
  error?: { code: string; line?: number; column?: number };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

/** One POST to the MCP endpoint with Node's http client, so the Host header can be anything. */
function post(url: URL, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      // A fresh connection each: the SDK's SSE answer says `Connection: keep-alive` even when the request said close.
      { method: "POST", agent: false, headers: { "content-type": "application/json", accept: "application/json, text/event-stream", connection: "close", ...headers } },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(INITIALIZE);
  });
}

test.serial("cody mcp --http needs the bearer token and a loopback Host, like cody serve", async (t) => {
  const server = await startHttp(t, tempWorkspace(t));
  const none = await post(server.url, {});
  t.is(none.status, 401);
  const wrong = await post(server.url, { authorization: "Bearer not-the-token-at-all" });
  t.is(wrong.status, 401);
  const rebound = await post(server.url, { authorization: `Bearer ${TEST_TOKEN}`, host: "evil.example:80" });
  t.is(rebound.status, 403);
  t.regex(rebound.body, /CODY_FORBIDDEN_HOST|answers only to/);
  const ok = await post(server.url, { authorization: `Bearer ${TEST_TOKEN}` });
  t.is(ok.status, 200);
  const gone = await post(server.url, { authorization: `Bearer ${TEST_TOKEN}`, "mcp-session-id": "no-such-session" });
  t.is(gone.status, 404, gone.body);
  t.is(await server.stop(), 0);
});

test.serial("over HTTP: tools/list carries the .d.ts, a script reads a file, and a type error is a tool error with line and column", async (t) => {
  const cwd = tempWorkspace(t, { "data.json": '{"name":"cody"}' });
  const server = await startHttp(t, cwd);
  const client = await connectHttp(t, server.url);
  const { tools } = await client.listTools();
  t.true(tools.find((x) => x.name === "run_script")?.description?.includes("declare const tools: {"));
  const read = await client.callTool({
    name: "run_script",
    arguments: { source: 'const f = await tools.readFile({ path: "data.json" });\nreturn JSON.parse(f.content).name;' },
  });
  t.falsy(read.isError, textOf(read));
  t.is((read.structuredContent as unknown as RunContent).value, "cody");
  const bad = await client.callTool({ name: "run_script", arguments: { source: "\n  const x: number = 'a';\nreturn x;" } });
  t.true(bad.isError);
  const error = (bad.structuredContent as unknown as RunContent).error;
  t.deepEqual([error?.code, error?.line, error?.column], ["CODY_SCRIPT_TYPE", 2, 9]);
  t.true(textOf(bad).startsWith("script.ts:2:9: "));
});

test.serial("over HTTP: a write is denied under never for a plain client, and approved through elicitation for one that can be asked", async (t) => {
  const cwd = tempWorkspace(t);
  const server = await startHttp(t, cwd);
  const plain = await connectHttp(t, server.url);
  const source = (content: string): string =>
    `try {\n  await tools.writeFile({ path: "out.txt", content: "${content}" });\n  return "written";\n} catch (e) {\n  return e instanceof ToolError ? e.code : "other";\n}`;
  const refused = await plain.callTool({ name: "run_script", arguments: { source: source("a") } });
  t.is((refused.structuredContent as unknown as RunContent).value, "CODY_APPROVAL_DENIED");
  t.false(existsSync(path.join(cwd, "out.txt")));

  const messages: string[] = [];
  const asking = await connectHttp(t, server.url, (params) => {
    messages.push(params.message);
    return { action: "accept", content: { decision: "approve" } };
  });
  const approved = await asking.callTool({ name: "run_script", arguments: { source: source("b") } });
  t.is((approved.structuredContent as unknown as RunContent).value, "written");
  t.is(readFileSync(path.join(cwd, "out.txt"), "utf8"), "b");
  t.is(messages.length, 1);
  t.regex(messages[0] ?? "", /writeFile/);
});

test.serial("20 concurrent run_script calls over HTTP all succeed with their own results", async (t) => {
  const cwd = tempWorkspace(t, { "n.txt": "21" });
  const server = await startHttp(t, cwd);
  const client = await connectHttp(t, server.url);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      client.callTool({
        name: "run_script",
        arguments: { source: `const f = await tools.readFile({ path: "n.txt" });\nconsole.log("run ${i}");\nreturn Number(f.content) * 2 + ${i};` },
      }),
    ),
  );
  results.forEach((r, i) => {
    t.falsy(r.isError, textOf(r));
    t.is((r.structuredContent as unknown as RunContent).value, 42 + i);
  });
});

test.serial("over HTTP: client cancellation aborts a long exec, and the audit says aborted", async (t) => {
  const cwd = tempWorkspace(t);
  const server = await startHttp(t, cwd, ["--allow", "exec", "--timeout", "600000", "--sandbox", "danger-full-access"]);
  const client = await connectHttp(t, server.url);
  const controller = new AbortController();
  const call = client.callTool(
    { name: "run_script", arguments: { source: 'await tools.exec({ command: ["sh", "-c", "echo $$ > sleeper.pid; exec sleep 300"] });\nreturn 1;' } },
    undefined,
    { signal: controller.signal, timeout: 600_000 },
  );
  const pid = await waitForPidFile(path.join(cwd, "sleeper.pid"));
  controller.abort(new Error("stop"));
  await t.throwsAsync(call);
  t.true(await waitUntilGone(pid), "the command's process was killed");
  // Stopping the server closes the harness, which flushes its audit writes.
  t.is(await server.stop(), 0);
  const db = openDatabase(path.join(cwd, ".cody", "cache.db"));
  t.teardown(() => db.close());
  const run = await waitFor(() => new AuditLog(db).listRuns(1).find((r) => r.outcome !== null));
  t.is(run?.outcome, "aborted");
});
