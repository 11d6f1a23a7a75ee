/**
 * The typed client (`cody-script-harness/client`): its committed types match what the server documents, the package
 * export resolves, and it drives a real server — typed calls, the run stream, refusals as ApiError.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { generateClientTypes } from "../../src/client/generate.js";
import { ApiError, createClient, type RunEvent } from "../../src/client/index.js";
import { currentDocument } from "../../src/client/write-types.js";
import { TEST_TOKEN, startServer } from "../server/helpers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

test("src/client/api.ts is what the server's document generates (run `npm run client:types` after changing a schema)", async (t) => {
  const committed = readFileSync(path.join(root, "src/client/api.ts"), "utf8");
  t.is(generateClientTypes(await currentDocument()), committed);
});

test("the package exports the client as cody-script-harness/client, and `.` still resolves", async (t) => {
  const client = (await import("cody-script-harness/client")) as typeof import("../../src/client/index.js");
  t.is(typeof client.createClient, "function");
  t.is(import.meta.resolve("cody-script-harness/client"), new URL("dist/src/client/index.js", `file://${root}/`).href);
  t.is(import.meta.resolve("cody-script-harness"), new URL("dist/src/index.js", `file://${root}/`).href);
  t.is(import.meta.resolve("cody-script-harness/dist/src/harness.js"), new URL("dist/src/harness.js", `file://${root}/`).href, "deep imports the docs show keep working");
});

test("typed calls, the run stream and refusals against a real server", async (t) => {
  const { base } = await startServer(t, { files: { "notes.txt": "hello\n" } });
  const cody = createClient({ baseUrl: base, token: TEST_TOKEN, headers: { connection: "close" } });

  const tools = await cody.GET("/v1/tools");
  t.is(tools.response.status, 200);
  t.true(tools.data?.tools.some((tool) => tool.name === "readFile" && tool.risk === "read-only"));

  const run = await cody.POST("/v1/runs", { body: { source: 'const f = await tools.readFile({ path: "notes.txt" });\nreturn f.content;', runId: "typed-1" } });
  t.true(run.data?.ok);
  t.is(run.data?.value, "hello\n");
  const record = await cody.GET("/v1/runs/{id}", { params: { path: { id: "typed-1" } } });
  t.is(record.data?.run.outcome, "ok");
  const page = await cody.GET("/v1/runs", { params: { query: { limit: "1", outcome: "ok" } } });
  t.deepEqual(page.data?.runs.map((r) => r.runId), ["typed-1"]);

  const events: RunEvent[] = [];
  for await (const e of cody.runEvents({ source: 'console.log("streamed");\nreturn 2;' })) events.push(e);
  t.deepEqual(events.map((e) => ("type" in e ? e.type : "approval_request")), ["start", "console", "end"]);
  const end = events.at(-1);
  t.true(end !== undefined && "type" in end && end.type === "end" && end.result.ok);

  const missing = await cody.GET("/v1/runs/{id}", { params: { path: { id: "nope" } } });
  t.is(missing.response.status, 404);
  t.is(missing.error?.error.code, "CODY_HTTP_NOT_FOUND");

  const refused = await t.throwsAsync(async () => {
    for await (const _ of cody.runEvents({ source: "return missing;" })) t.fail("a refused run streams nothing");
  }, { instanceOf: ApiError });
  t.is(refused?.status, 422);
  t.is(refused?.code, "CODY_SCRIPT_TYPE");

  const anonymous = createClient({ baseUrl: base, headers: { connection: "close" } });
  const denied = await anonymous.GET("/v1/tools");
  t.is(denied.response.status, 401);
  t.is(denied.error?.error.code, "CODY_HTTP_UNAUTHORIZED");
  t.is((await anonymous.GET("/healthz")).data?.status, "ok");
});
