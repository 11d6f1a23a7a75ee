import http from "node:http";
import test from "ava";
import { createServer } from "../../src/server/index.js";
import { createClient } from "../../src/client/index.js";
import { AUTH, TEST_TOKEN, request, startServer } from "./helpers.js";

/** The typed client (cody-script-harness/client) over a test server. */
const client = (base: string) => createClient({ baseUrl: base, token: TEST_TOKEN, headers: { connection: "close" } });

type Err = { error: { code: string; name: string; message: string; details: Record<string, unknown>; stack?: string } };

test("GET /healthz answers ok with the package version", async (t) => {
  const { base } = await startServer(t);
  const res = await request(base, "GET", "/healthz");
  t.is(res.status, 200);
  t.deepEqual(res.body, { ok: true, status: "ok", version: "0.1.0" });
});

test("GET /v1/tools lists every tool with its risk and argument schema, and /v1/tools/dts serves the declarations as text", async (t) => {
  const { base, harness } = await startServer(t);
  const res = await client(base).GET("/v1/tools");
  t.is(res.response.status, 200);
  t.deepEqual(res.data?.tools.map((x) => x.name), harness.toolNames());
  const exec = res.data?.tools.find((x) => x.name === "exec");
  t.is(exec?.risk, "executes");
  t.is(exec?.argsSchema["type"], "object");
  t.true((exec?.description.length ?? 0) > 0);
  const dts = await fetch(`${base}/v1/tools/dts`, { headers: AUTH });
  t.is(dts.status, 200);
  t.regex(dts.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await dts.text();
  t.is(text, (await harness.toolsDts()).text);
  t.regex(text, /readFile/);
});

test("POST /v1/scripts/check reports a type error at the user's line without running anything", async (t) => {
  const { base } = await startServer(t);
  const res = await request<{ ok: boolean; diagnostics: { file: string; line: number; category: string; message: string }[] }>(base, "POST", "/v1/scripts/check", {
    files: [
      { filename: "good.ts", source: "return 1;" },
      { filename: "bad.ts", source: 'const n: number = "x";\nreturn n;' },
    ],
  });
  t.is(res.status, 200);
  t.false(res.body.ok);
  const errors = res.body.diagnostics.filter((d) => d.category === "error");
  t.is(errors.length, 1);
  t.is(errors[0]?.file, "bad.ts");
  t.is(errors[0]?.line, 1);
  t.regex(errors[0]?.message ?? "", /string.*number/);
});

test("a script compiled (and approved) by POST /v1/scripts/compile runs by hash as a cache hit", async (t) => {
  const { base } = await startServer(t);
  const cody = client(base);
  const compiled = await cody.POST("/v1/scripts/compile", {
    body: { source: "console.log('hi'); return 6 * 7;", filename: "answer.ts", approve: true, by: "reviewer@example.com" },
  });
  t.is(compiled.response.status, 200);
  t.is(compiled.data?.cache, "miss");
  t.is(compiled.data?.approvedBy, "reviewer@example.com");
  const hash = compiled.data?.hash ?? "";
  t.regex(hash, /^[0-9a-f]{64}$/);
  const run = await cody.POST("/v1/runs", { body: { hash } });
  t.is(run.response.status, 200);
  t.true(run.data?.ok);
  t.is(run.data?.value, 42);
  t.is(run.data?.cache, "hit");
  t.is(run.data?.hash, hash);
  t.deepEqual(run.data?.console.map((c) => c.text), ["hi"]);
});

test("POST /v1/scripts/compile answers 422 with the diagnostics for a script with a type error", async (t) => {
  const { base } = await startServer(t);
  const res = await request<Err & { diagnostics: unknown[] }>(base, "POST", "/v1/scripts/compile", { source: "return missing;" });
  t.is(res.status, 422);
  t.is(res.body.error.code, "CODY_SCRIPT_TYPE");
  t.regex(res.body.error.message, /missing/);
  t.true(res.body.diagnostics.length > 0);
  t.is(res.body.error.stack, undefined);
});

test("POST /v1/runs returns the run's result as JSON and the run is in the audit log", async (t) => {
  const { base } = await startServer(t, { files: { "notes.txt": "one\ntwo\n" } });
  const run = await request<{ runId: string; ok: boolean; value: unknown; toolCalls: { tool: string; outcome: string }[] }>(base, "POST", "/v1/runs", {
    source: 'const f = await tools.readFile({ path: "notes.txt" });\nreturn f.totalLines;',
    filename: "count.ts",
  });
  t.is(run.status, 200);
  t.true(run.body.ok);
  t.is(run.body.value, 2);
  t.deepEqual(run.body.toolCalls.map((c) => [c.tool, c.outcome]), [["readFile", "ok"]]);
  const audit = await request<{ run: { runId: string; scriptName: string; outcome: string }; calls: { tool: string; outcome: string }[]; active: boolean }>(
    base,
    "GET",
    `/v1/runs/${run.body.runId}`,
  );
  t.is(audit.status, 200);
  t.is(audit.body.run.outcome, "ok");
  t.is(audit.body.run.scriptName, "count.ts");
  t.deepEqual(audit.body.calls.map((c) => [c.tool, c.outcome]), [["readFile", "ok"]]);
  t.false(audit.body.active);
  const list = await request<{ runs: { runId: string }[] }>(base, "GET", "/v1/runs?limit=5");
  t.is(list.status, 200);
  t.is(list.body.runs[0]?.runId, run.body.runId);
});

test("a run whose script throws answers 200 with ok false; a type error answers 422", async (t) => {
  const { base } = await startServer(t);
  const thrown = await request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", { source: 'throw new Error("boom");' });
  t.is(thrown.status, 200);
  t.false(thrown.body.ok);
  t.is(thrown.body.error.code, "CODY_SCRIPT_RUNTIME");
  const typed = await request<{ ok: boolean; error: { code: string; location: { line: number } } }>(base, "POST", "/v1/runs", { source: "const x: number = 'a';\nreturn x;" });
  t.is(typed.status, 422);
  t.false(typed.body.ok);
  t.is(typed.body.error.code, "CODY_SCRIPT_TYPE");
  t.is(typed.body.error.location.line, 1);
});

test("invalid JSON and malformed bodies answer 400 with a message naming the problem", async (t) => {
  const { base } = await startServer(t);
  const bad = await request<Err>(base, "POST", "/v1/runs", '{"source": ');
  t.is(bad.status, 400);
  t.is(bad.body.error.code, "CODY_HTTP_BAD_REQUEST");
  t.regex(bad.body.error.message, /not valid JSON/);
  const array = await request<Err>(base, "POST", "/v1/runs", "[1]");
  t.is(array.status, 400);
  t.regex(array.body.error.message, /must be a JSON object, got array/);
  const both = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", hash: "abc" });
  t.is(both.status, 400);
  t.regex(both.body.error.message, /exactly one of `source`/);
  const wrongType = await request<Err>(base, "POST", "/v1/runs", { source: 42 });
  t.is(wrongType.status, 400);
  t.regex(wrongType.body.error.message, /`source` must be a string, got \(number\)/);
  const unknownTool = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", allowedTools: ["nope"] });
  t.is(unknownTool.status, 400);
  t.regex(unknownTool.body.error.message, /unknown tools: nope/);
  const decision = await request<Err>(base, "POST", "/v1/scripts/check", { files: [] });
  t.is(decision.status, 400);
});

test("request limits may equal the server's but not exceed them", async (t) => {
  const { base, harness } = await startServer(t, { harness: { limits: { timeoutMs: 3000 } } });
  t.is(harness.limits.timeoutMs, 3000);
  const edge = await request<{ ok: boolean }>(base, "POST", "/v1/runs", { source: "return 1;", limits: { timeoutMs: 3000 } });
  t.is(edge.status, 200);
  t.true(edge.body.ok);
  const past = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", limits: { timeoutMs: 3001 } });
  t.is(past.status, 400);
  t.is(past.body.error.code, "CODY_INVALID_OPTION");
  t.regex(past.body.error.message, /may only lower the server's limit of 3000/);
  const unknown = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", limits: { bogus: 1 } });
  t.is(unknown.status, 400);
  t.regex(unknown.body.error.message, /Unknown limit `limits.bogus`/);
});

test("a request body with a field the API does not know is refused naming it, not silently dropped", async (t) => {
  // A typo such as `limit` for `limits` used to be dropped: the run then ran under the server's limits unannounced.
  const { base } = await startServer(t);
  const run = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", limit: { timeoutMs: 100 } });
  t.is(run.status, 400);
  t.is(run.body.error.code, "CODY_HTTP_BAD_REQUEST");
  t.regex(run.body.error.message, /Unknown field `limit`/);
  const check = await request<Err>(base, "POST", "/v1/scripts/check", { files: [{ source: "return 1;", name: "a.ts" }] });
  t.is(check.status, 400);
  t.regex(check.body.error.message, /Unknown field `files\.0\.name`/);
  const compile = await request<Err>(base, "POST", "/v1/scripts/compile", { source: "return 1;", aprove: true });
  t.is(compile.status, 400);
  t.regex(compile.body.error.message, /Unknown field `aprove`/);
  const answer = await request<Err>(base, "POST", "/v1/approvals/nope", { decision: "approve", note: "x" });
  t.is(answer.status, 400);
  t.regex(answer.body.error.message, /Unknown field `note`/);
  const call = await request<Err>(base, "POST", "/v1/tools/readFile/call", { args: { path: "x" }, runId: "r" });
  t.is(call.status, 400);
  t.regex(call.body.error.message, /Unknown field `runId`/);
  // Every known field is still accepted.
  const ok = await request<{ ok: boolean }>(base, "POST", "/v1/runs", { source: "return 1;", limits: { timeoutMs: 1000 }, filename: "a.ts" });
  t.is(ok.status, 200);
  t.true(ok.body.ok);
});

test("unknown hashes, runs, approvals and routes answer 404", async (t) => {
  const { base } = await startServer(t);
  const hash = await request<Err>(base, "POST", "/v1/runs", { hash: "0".repeat(64) });
  t.is(hash.status, 404);
  t.is(hash.body.error.code, "CODY_HTTP_NOT_FOUND");
  t.regex(hash.body.error.message, /No compiled artifact/);
  const run = await request<Err>(base, "GET", "/v1/runs/no-such-run");
  t.is(run.status, 404);
  const del = await request<Err>(base, "DELETE", "/v1/runs/no-such-run");
  t.is(del.status, 404);
  const approval = await request<Err>(base, "POST", "/v1/approvals/a999", { decision: "approve" });
  t.is(approval.status, 404);
  const route = await request<Err>(base, "GET", "/v1/nothing");
  t.is(route.status, 404);
  t.regex(route.body.error.message, /No route GET \/v1\/nothing/);
  const tool = await request<Err>(base, "POST", "/v1/tools/noSuchTool/call", { args: {} });
  t.is(tool.status, 404);
  t.is(tool.body.error.code, "CODY_TOOL_NOT_FOUND");
});

test("a body of exactly the size limit is accepted and one byte more answers 413", async (t) => {
  const limit = 2048;
  const { base } = await startServer(t, { server: { maxBodyBytes: limit } });
  // Padded with JSON's insignificant whitespace: an unknown field would be refused before the size matters.
  const body = (pad: number): string => `${JSON.stringify({ files: [{ filename: "a.ts", source: "return 1;" }] }).slice(0, -1)}${" ".repeat(pad)}}`;
  const empty = Buffer.byteLength(body(0));
  const atEdge = body(limit - empty);
  t.is(Buffer.byteLength(atEdge), limit);
  const ok = await request(base, "POST", "/v1/scripts/check", atEdge);
  t.is(ok.status, 200);
  const over = await request<Err>(base, "POST", "/v1/scripts/check", body(limit - empty + 1));
  t.is(over.status, 413);
  t.is(over.body.error.code, "CODY_HTTP_PAYLOAD_TOO_LARGE");
  t.is(over.body.error.details["maxBytes"], limit);
});

test("a script of exactly maxSourceBytes compiles and one byte more answers 413", async (t) => {
  const max = 300;
  const { base } = await startServer(t, { harness: { limits: { maxSourceBytes: max } } });
  const script = (bytes: number): string => `return 1;\n//${"x".repeat(bytes - 12)}`;
  t.is(Buffer.byteLength(script(max)), max);
  const edge = await request(base, "POST", "/v1/scripts/compile", { source: script(max) });
  t.is(edge.status, 200);
  const past = await request<Err>(base, "POST", "/v1/scripts/compile", { source: script(max + 1) });
  t.is(past.status, 413);
  t.is(past.body.error.code, "CODY_SCRIPT_TOO_LARGE");
  const run = await request<{ ok: boolean; error: { code: string } }>(base, "POST", "/v1/runs", { source: script(max + 1) });
  t.is(run.status, 413);
  t.is(run.body.error.code, "CODY_SCRIPT_TOO_LARGE");
});

test("?limit= accepts 1 to 1000 and refuses 0 and 1001", async (t) => {
  const { base } = await startServer(t);
  t.is((await request(base, "GET", "/v1/runs?limit=1")).status, 200);
  t.is((await request(base, "GET", "/v1/runs?limit=1000")).status, 200);
  t.is((await request(base, "GET", "/v1/runs?limit=0")).status, 400);
  t.is((await request(base, "GET", "/v1/runs?limit=1001")).status, 400);
});

test("a structured call with bad arguments gets the same validation error as the script's call", async (t) => {
  const { base } = await startServer(t);
  const structured = await request<Err>(base, "POST", "/v1/tools/readFile/call", { args: { path: 42 } });
  t.is(structured.status, 400);
  t.is(structured.body.error.code, "CODY_TOOL_INVALID_ARGS");
  const run = await request<{ ok: boolean; value: { code: string; message: string } }>(base, "POST", "/v1/runs", {
    source: "try { await tools.readFile({ path: 42 as unknown as string }); return null; } catch (e) { return { code: (e as ToolError).code, message: (e as Error).message }; }",
  });
  t.true(run.body.ok);
  t.deepEqual(run.body.value, { code: structured.body.error.code, message: structured.body.error.message });
});

test("a structured call with good arguments returns the tool's result", async (t) => {
  const { base } = await startServer(t, { files: { "a.txt": "hello\n" } });
  const res = await request<{ result: { content: string } }>(base, "POST", "/v1/tools/readFile/call", { args: { path: "a.txt" } });
  t.is(res.status, 200);
  t.regex(res.body.result.content, /hello/);
});

test("GET /metrics exposes pool, cache and run series in Prometheus text", async (t) => {
  const { base } = await startServer(t);
  await request(base, "POST", "/v1/runs", { source: "return 1;" });
  await request(base, "POST", "/v1/runs", { source: "return 1;" });
  const res = await fetch(`${base}/metrics`, { headers: AUTH });
  t.is(res.status, 200);
  t.regex(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  t.regex(text, /^cody_pool_workers 1$/m);
  t.regex(text, /^cody_pool_busy 0$/m);
  t.regex(text, /^cody_pool_queued 0$/m);
  t.regex(text, /^cody_pool_utilization 0$/m);
  t.regex(text, /^cody_pool_runs_total 2$/m);
  t.regex(text, /^cody_pool_failures_total 0$/m);
  t.regex(text, /^cody_cache_hits_total\{level="lru"\} 1$/m);
  t.regex(text, /^cody_cache_misses_total\{level="sqlite"\} 1$/m);
  t.regex(text, /^cody_cache_hit_rate 0\.5$/m);
  t.regex(text, /^cody_runs_total\{outcome="ok"\} 2$/m);
  t.regex(text, /^cody_run_duration_seconds_count\{outcome="ok"\} 2$/m);
});

test("a chunked body without Content-Length is also cut off at the size limit", async (t) => {
  const limit = 1024;
  const { base } = await startServer(t, { server: { maxBodyBytes: limit } });
  const send = (text: string) =>
    fetch(`${base}/v1/scripts/check`, {
      method: "POST",
      headers: { "content-type": "application/json", ...AUTH },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
  const json = (pad: number): string => `${JSON.stringify({ files: [{ source: "return 1;" }] }).slice(0, -1)}${" ".repeat(pad)}}`;
  const fits = json(limit - json(0).length);
  t.is(fits.length, limit);
  const ok = await send(fits);
  t.is(ok.status, 200);
  const over = await send(json(limit - json(0).length + 1));
  t.is(over.status, 413);
  t.is(((await over.json()) as Err).error.code, "CODY_HTTP_PAYLOAD_TOO_LARGE");
});

test("once the server is shutting down a new run answers 503 and health still answers", async (t) => {
  const { harness } = await startServer(t);
  const server = createServer(harness);
  await server.abortAll();
  const run = await server.app.fetch(
    new Request("http://local/v1/runs", {
      method: "POST",
      body: JSON.stringify({ source: "return 1;" }),
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    }),
  );
  t.is(run.status, 503);
  t.is(((await run.json()) as Err).error.code, "CODY_POOL_CLOSED");
  t.is((await server.app.fetch(new Request("http://local/healthz"))).status, 200);
});

test("a body not declared as JSON answers 415 and runs nothing (a browser's simple cross-origin POST)", async (t) => {
  const { base, harness } = await startServer(t);
  const res = await fetch(`${base}/v1/runs`, { method: "POST", headers: { "content-type": "text/plain", ...AUTH }, body: JSON.stringify({ source: "return 1;" }) });
  t.is(res.status, 415);
  t.is(((await res.json()) as Err).error.code, "CODY_HTTP_UNSUPPORTED_MEDIA_TYPE");
  t.deepEqual(harness.audit.listRuns(5), []);
  const charset = await request(base, "POST", "/v1/runs", { source: "return 1;" }, { "content-type": "application/json; charset=utf-8" });
  t.is(charset.status, 200);
});

test("while bound to loopback, a request naming another host answers 403 (DNS rebinding)", async (t) => {
  const { base } = await startServer(t);
  const port = Number(new URL(base).port);
  const get = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/healthz", headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
  t.is(await get("evil.example:80"), 403);
  t.is(await get(`localhost:${port}`), 200);
  t.is(await get(`[::1]:${port}`), 200);
  t.is(await get(`127.0.0.1:${port}`), 200);
});
