import test from "ava";
import { UsageError } from "../../src/errors/index.js";
import { createServer, tokenMatches } from "../../src/server/index.js";
import { TEST_TOKEN, request, startServer } from "./helpers.js";

type Err = { error: { code: string; name: string; message: string; details: Record<string, unknown> } };

/** Every route the server has (and one it has not): each needs the token. */
const ROUTES: [string, string, unknown?][] = [
  ["GET", "/metrics"],
  ["GET", "/v1/tools"],
  ["GET", "/v1/tools/dts"],
  ["POST", "/v1/tools/readFile/call", { args: { path: "a.txt" } }],
  ["POST", "/v1/scripts/check", { files: [{ source: "return 1;" }] }],
  ["POST", "/v1/scripts/compile", { source: "return 1;" }],
  ["POST", "/v1/runs", { source: "return 1;", runId: "no-token" }],
  ["DELETE", "/v1/runs/no-token"],
  ["GET", "/v1/runs/no-token"],
  ["GET", "/v1/runs"],
  ["GET", "/v1/approvals"],
  ["POST", "/v1/approvals/a1", { decision: "approve" }],
  ["GET", "/v1/no-such-route"],
];

test("without the bearer token every route but /healthz answers 401 with a Bearer challenge and runs nothing", async (t) => {
  const { base, harness } = await startServer(t, { files: { "a.txt": "hi\n" } });
  for (const [method, path, body] of ROUTES) {
    const res = await request<Err>(base, method, path, body, { authorization: "" });
    t.is(res.status, 401, `${method} ${path}`);
    t.is(res.headers.get("www-authenticate"), 'Bearer realm="cody"', `${method} ${path}`);
    t.is(res.body.error.code, "CODY_HTTP_UNAUTHORIZED", `${method} ${path}`);
    t.is(res.body.error.name, "UnauthorizedError");
  }
  t.deepEqual(harness.audit.listRuns(5), [], "no run was started and no tool was called");
  const health = await request(base, "GET", "/healthz", undefined, { authorization: "" });
  t.is(health.status, 200);
});

test("a wrong token, one of another length, another scheme or a token with junk after it answers 401 invalid_token", async (t) => {
  const { base } = await startServer(t);
  for (const header of [`Bearer ${TEST_TOKEN.slice(0, -1)}x`, `Bearer ${TEST_TOKEN}x`, "Bearer x", `Basic ${TEST_TOKEN}`, `Bearer ${TEST_TOKEN} extra`, `Bearer${TEST_TOKEN}`]) {
    const res = await request<Err>(base, "GET", "/v1/tools", undefined, { authorization: header });
    t.is(res.status, 401, header);
    t.true(/^Bearer /.test(res.headers.get("www-authenticate") ?? ""), header);
    t.is(res.body.error.details["reason"], "invalid", header);
  }
  t.is(
    (await request<Err>(base, "GET", "/v1/tools", undefined, { authorization: "Bearer nope" })).headers.get("www-authenticate"),
    'Bearer realm="cody", error="invalid_token"',
  );
});

test("the right token is accepted, whatever the case of the scheme", async (t) => {
  const { base } = await startServer(t);
  t.is((await request(base, "GET", "/v1/tools")).status, 200);
  t.is((await request(base, "GET", "/v1/tools", undefined, { authorization: `bearer ${TEST_TOKEN}` })).status, 200);
  t.is((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status, 200);
});

test("tokens are compared by value whatever their lengths", (t) => {
  t.true(tokenMatches(TEST_TOKEN, TEST_TOKEN));
  t.false(tokenMatches(TEST_TOKEN.slice(1), TEST_TOKEN));
  t.false(tokenMatches(`${TEST_TOKEN}a`, TEST_TOKEN));
  t.false(tokenMatches("", TEST_TOKEN));
});

test("a server made without a token makes a random one, and a short or spaced token is refused", async (t) => {
  const { harness } = await startServer(t);
  const a = createServer(harness);
  const b = createServer(harness);
  t.true(a.token.length >= 40);
  t.not(a.token, b.token);
  const res = await a.app.fetch(new Request("http://localhost/v1/tools", { headers: { authorization: `Bearer ${a.token}` } }));
  t.is(res.status, 200);
  t.is((await b.app.fetch(new Request("http://localhost/v1/tools", { headers: { authorization: `Bearer ${a.token}` } }))).status, 401);
  t.throws(() => createServer(harness, { token: "x".repeat(15) }), { instanceOf: UsageError, message: /at least 16/ });
  t.notThrows(() => createServer(harness, { token: "x".repeat(16) }));
  t.throws(() => createServer(harness, { token: "has a space in it!!" }), { instanceOf: UsageError, message: /printable ASCII/ });
});
