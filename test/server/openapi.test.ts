/**
 * The OpenAPI document at `GET /openapi.json` against the real server: real requests to every route, and every real
 * response (status, headers, body — stream events included) validated against the document with ajv.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { resolveProviderConfig } from "../../src/agent/index.js";
import { reply, startModelServer } from "../agent/helpers/model-server.js";
import { OpenApiValidator, type CheckedResponse } from "../helpers/openapi-validator.js";
import { AUTH, startServer, waitFor } from "./helpers.js";

test("every route answers as the OpenAPI document says, for successes and failures alike", async (t) => {
  const model = await startModelServer([
    reply({ text: "Writing.\n<tool-calls>\nawait tools.writeFile({ path: \"out.txt\", content: \"x\" });\nconsole.log(\"wrote\");\nreturn 1;\n</tool-calls>" }),
    reply({ text: "Done." }),
  ]);
  t.teardown(() => model.close());
  const { base, cwd } = await startServer(t, {
    files: { "notes.txt": "hello\n" },
    approvals: true,
    server: { provider: (o) => resolveProviderConfig({ baseUrl: model.url, model: "m", ...o }, {}) },
  });

  const docRes = await fetch(`${base}/openapi.json`, { headers: { connection: "close" } });
  t.is(docRes.status, 200, "the document needs no token");
  const doc = (await docRes.json()) as Record<string, unknown>;
  t.is(doc["openapi"], "3.1.0");
  writeFileSync(path.join(cwd, "openapi.json"), JSON.stringify(doc));
  const validator = new OpenApiValidator(doc);
  const problems: string[] = [];

  /** Send a request and check its response against `template` (the documented path). */
  const call = async (
    method: string,
    template: string,
    url: string,
    opts: { body?: unknown; headers?: Record<string, string>; auth?: boolean; onEvent?: (text: string) => Promise<void> } = {},
  ): Promise<CheckedResponse & { json: () => Record<string, unknown> }> => {
    const headers: Record<string, string> = { connection: "close", ...(opts.auth === false ? {} : AUTH), ...opts.headers };
    if (opts.body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(base + url, { method, headers, ...(opts.body !== undefined ? { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) } : {}) });
    let text = "";
    if (opts.onEvent && res.body) {
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        const piece = decoder.decode(chunk as Uint8Array, { stream: true });
        text += piece;
        await opts.onEvent(text);
      }
    } else {
      text = await res.text();
    }
    const checked = { status: res.status, headers: res.headers, text };
    problems.push(...validator.check(method, template, checked));
    return { ...checked, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  t.is((await call("GET", "/healthz", "/healthz", { auth: false })).status, 200);
  problems.push(...validator.check("GET", "/openapi.json", { status: docRes.status, headers: docRes.headers, text: JSON.stringify(doc) }));
  const docs = await call("GET", "/docs", "/docs", { auth: false });
  t.is(docs.status, 200);
  t.regex(docs.text, /openapi\.json/);
  t.is((await call("GET", "/metrics", "/metrics")).status, 200);
  t.is((await call("GET", "/metrics", "/metrics", { auth: false })).status, 401);
  t.is((await call("GET", "/v1/tools", "/v1/tools")).status, 200);
  t.is((await call("GET", "/v1/tools/dts", "/v1/tools/dts")).status, 200);
  t.is((await call("POST", "/v1/tools/{name}/call", "/v1/tools/readFile/call", { body: { args: { path: "notes.txt" } } })).status, 200);
  t.is((await call("POST", "/v1/tools/{name}/call", "/v1/tools/readFile/call", { body: { args: { path: 42 } } })).status, 400);
  t.is((await call("POST", "/v1/tools/{name}/call", "/v1/tools/nope/call", { body: {} })).status, 404);
  t.is((await call("POST", "/v1/tools/{name}/call", "/v1/tools/readFile/call", { body: "{}", headers: { "content-type": "text/plain" } })).status, 415);
  t.is((await call("POST", "/v1/scripts/check", "/v1/scripts/check", { body: { files: [{ source: "const n: number = 'x';" }] } })).status, 200);
  t.is((await call("POST", "/v1/scripts/check", "/v1/scripts/check", { body: { files: [] } })).status, 400);
  t.is((await call("POST", "/v1/scripts/compile", "/v1/scripts/compile", { body: { source: "return 2;", approve: true, by: "t" } })).status, 200);
  t.is((await call("POST", "/v1/scripts/compile", "/v1/scripts/compile", { body: { source: "return missing;" } })).status, 422);
  const run = await call("POST", "/v1/runs", "/v1/runs", { body: { source: 'console.log("hi");\nreturn 1;', runId: "doc-run" } });
  t.is(run.status, 200);
  const sse = await call("POST", "/v1/runs", "/v1/runs", { body: { source: 'console.log("hi");\nreturn 1;' }, headers: { accept: "text/event-stream" } });
  t.is(sse.status, 200);
  t.regex(sse.text, /event: end/);
  t.is((await call("POST", "/v1/runs", "/v1/runs", { body: { source: "return missing;" } })).status, 422);
  t.is((await call("POST", "/v1/runs", "/v1/runs", { body: { source: 42 } })).status, 400);
  t.is((await call("POST", "/v1/runs", "/v1/runs", { body: "{nope" })).status, 400);
  t.is((await call("POST", "/v1/runs", "/v1/runs", { body: { hash: "0".repeat(64) } })).status, 404);
  t.is((await call("GET", "/v1/runs", "/v1/runs?limit=1")).status, 200);
  t.is((await call("GET", "/v1/runs", "/v1/runs?limit=0")).status, 400);
  t.is((await call("GET", "/v1/runs/{id}", "/v1/runs/doc-run")).status, 200);
  t.is((await call("GET", "/v1/runs/{id}", "/v1/runs/nope")).status, 404);
  t.is((await call("DELETE", "/v1/runs/{id}", "/v1/runs/nope")).status, 404);

  // A run parked on an approval: listed, then aborted with DELETE (202); its JSON result still conforms.
  const parked = call("POST", "/v1/runs", "/v1/runs", { body: { source: 'await tools.writeFile({ path: "p.txt", content: "x" });\nreturn 1;', runId: "parked" } });
  const pending = await waitFor(async () => {
    const list = await call("GET", "/v1/approvals", "/v1/approvals?runId=parked");
    return (list.json()["approvals"] as unknown[]).length > 0 ? true : undefined;
  });
  t.true(pending);
  t.is((await call("DELETE", "/v1/runs/{id}", "/v1/runs/parked")).status, 202);
  t.is((await parked).status, 200);
  t.is((await call("POST", "/v1/approvals/{id}", "/v1/approvals/a999", { body: { decision: "approve" } })).status, 404);
  t.is((await call("POST", "/v1/approvals/{id}", "/v1/approvals/a999", { body: { decision: "maybe" } })).status, 400);

  // Conversations: create, a turn whose approval is answered over REST (200 from the approvals route), list, read.
  const created = await call("POST", "/v1/conversations", "/v1/conversations", { body: {} });
  t.is(created.status, 201);
  const id = String(created.json()["id"]);
  t.is((await call("POST", "/v1/conversations", "/v1/conversations", { body: { check: "off" } })).status, 400);
  let answered = 0;
  const turn = await call("POST", "/v1/conversations/{id}/turns", `/v1/conversations/${id}/turns`, {
    body: { message: "write" },
    onEvent: async (text) => {
      const m = /event: approval_request\ndata: (.*)\n/.exec(text);
      if (m && answered === 0) {
        answered = (await call("POST", "/v1/approvals/{id}", `/v1/approvals/${String((JSON.parse(m[1] ?? "{}") as { id: string }).id)}`, { body: { decision: "approve" } })).status;
        t.is((await call("POST", "/v1/conversations/{id}/turns", `/v1/conversations/${id}/turns`, { body: { message: "again" } })).status, 409);
        t.is((await call("DELETE", "/v1/conversations/{id}/turns/current", "/v1/conversations/other/turns/current")).status, 404);
      }
    },
  });
  t.is(turn.status, 200);
  t.is(answered, 200);
  t.regex(turn.text, /event: final/);
  t.is((await call("POST", "/v1/conversations/{id}/turns", "/v1/conversations/nope/turns", { body: { message: "x" } })).status, 404);
  t.is((await call("GET", "/v1/conversations", "/v1/conversations?limit=1")).status, 200);
  t.is((await call("GET", "/v1/conversations", "/v1/conversations?cursor=@@")).status, 400);
  t.is((await call("GET", "/v1/conversations/{id}", `/v1/conversations/${id}`)).status, 200);
  t.is((await call("GET", "/v1/conversations/{id}", "/v1/conversations/nope")).status, 404);

  // A turn held open by a stalled model reply, aborted with DELETE (202).
  model.push(async (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('event: response.created\ndata: {"type":"response.created","response":{"id":"r","status":"in_progress"}}\n\n');
    await new Promise<void>((resolve) => res.once("close", () => resolve()));
  });
  let aborted = 0;
  const held = await call("POST", "/v1/conversations/{id}/turns", `/v1/conversations/${id}/turns`, {
    body: { message: "stall" },
    onEvent: async (text) => {
      if (aborted === 0 && text.includes("event: turn_start") && model.requests.length === 3) {
        aborted = (await call("DELETE", "/v1/conversations/{id}/turns/current", `/v1/conversations/${id}/turns/current`)).status;
      }
    },
  });
  t.is(aborted, 202);
  t.regex(held.text, /event: error/);

  t.deepEqual(problems, []);
  t.deepEqual(validator.operations().filter((op) => !validator.seen.has(op)), [], "every documented operation was exercised");
});

test("the document is served without a token and names the bearer scheme for the rest", async (t) => {
  const { base } = await startServer(t);
  const res = await fetch(`${base}/openapi.json`, { headers: { connection: "close" } });
  const doc = (await res.json()) as { security: unknown; components: { securitySchemes: Record<string, { scheme: string }> }; paths: Record<string, Record<string, { security?: unknown[] }>> };
  t.deepEqual(doc.security, [{ bearer: [] }]);
  t.is(doc.components.securitySchemes["bearer"]?.scheme, "bearer");
  t.deepEqual(doc.paths["/healthz"]?.["get"]?.security, []);
  t.is(doc.paths["/v1/runs"]?.["post"]?.security, undefined, "authenticated routes inherit the document's bearer requirement");
  const docs = await fetch(`${base}/docs`, { headers: { connection: "close" } });
  t.is(docs.status, 200);
  t.regex(docs.headers.get("content-type") ?? "", /text\/html/);
});
