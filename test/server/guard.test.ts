import http from "node:http";
import test from "ava";
import { hostName, isLoopback } from "../../src/server/index.js";
import { AUTH, startServer } from "./helpers.js";

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with exactly these headers (fetch may not set Host). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection each time, never one the server is closing for being idle.
    const req = http.request({ host: url.hostname, port: Number(url.port), method, path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const code = (r: Raw): string | undefined => (r.body ? (JSON.parse(r.body) as { error?: { code: string } }).error?.code : undefined);

test("Host names that only begin like a loopback name are refused with 403 (DNS rebinding)", async (t) => {
  const { base } = await startServer(t);
  const port = new URL(base).port;
  for (const host of [
    "127.0.0.1.attacker.example",
    `127.0.0.1.attacker.example:${port}`,
    "127.evil.example",
    `localhost.attacker.example:${port}`,
    "127.0.0.2",
    "evil.example",
  ]) {
    const res = await raw(base, "GET", "/v1/tools", { host, ...AUTH });
    t.is(res.status, 403, host);
    t.is(code(res), "CODY_HTTP_FORBIDDEN_HOST", host);
  }
  // Not even a well-formed Host: the HTTP layer refuses it before the guard.
  for (const host of [`localhost:${port}@evil.example`, `localhost:${port}x`, "[::1].evil.example"]) {
    t.is((await raw(base, "GET", "/v1/tools", { host, ...AUTH })).status, 400, host);
  }
  for (const host of ["localhost", `localhost:${port}`, `LOCALHOST:${port}`, "127.0.0.1", `127.0.0.1:${port}`, `[::1]:${port}`, "[::1]"]) {
    t.is((await raw(base, "GET", "/v1/tools", { host, ...AUTH })).status, 200, host);
  }
});

test("names given with allowedHosts are answered besides the loopback names", async (t) => {
  const { base } = await startServer(t, { server: { allowedHosts: ["cody.internal", "proxy.example:8443"] } });
  const port = new URL(base).port;
  t.is((await raw(base, "GET", "/v1/tools", { host: `cody.internal:${port}`, ...AUTH })).status, 200);
  t.is((await raw(base, "GET", "/v1/tools", { host: "CODY.internal", ...AUTH })).status, 200);
  t.is((await raw(base, "GET", "/v1/tools", { host: "cody.internal.evil.example", ...AUTH })).status, 403);
  t.is((await raw(base, "GET", "/v1/tools", { host: `localhost:${port}`, ...AUTH })).status, 200);
  t.is((await raw(base, "GET", "/v1/tools", { host: "proxy.example", ...AUTH })).status, 200);
});

test("a browser request from an origin not allowed answers 403 even with the token, and no CORS headers are sent", async (t) => {
  const { base, harness } = await startServer(t);
  const post = await raw(
    base,
    "POST",
    "/v1/runs",
    { origin: "https://evil.example", "content-type": "application/json", ...AUTH },
    JSON.stringify({ source: "return 1;" }),
  );
  t.is(post.status, 403);
  t.is(code(post), "CODY_HTTP_FORBIDDEN_ORIGIN");
  t.deepEqual(harness.audit.listRuns(5), []);
  // The server's own address as an origin is still a page the operator did not allow.
  t.is((await raw(base, "GET", "/v1/tools", { origin: base, ...AUTH })).status, 403);
  t.is((await raw(base, "GET", "/v1/tools", { origin: "null", ...AUTH })).status, 403);
  const preflight = await raw(base, "OPTIONS", "/v1/runs", {
    origin: "https://evil.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
  });
  t.is(preflight.status, 403);
  const plain = await raw(base, "GET", "/v1/tools", AUTH);
  t.is(plain.status, 200);
  for (const r of [post, preflight, plain]) {
    t.false(Object.keys(r.headers).some((h) => h.startsWith("access-control-")), JSON.stringify(r.headers));
  }
});

test("with corsOrigins, preflights from those origins are answered without a token and their requests get CORS headers", async (t) => {
  const app = "https://app.example:8443";
  const { base } = await startServer(t, { server: { corsOrigins: [app] } });
  const preflight = await raw(base, "OPTIONS", "/v1/runs", {
    origin: app,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers["access-control-allow-origin"], app);
  t.regex(String(preflight.headers["access-control-allow-headers"]), /authorization/i);
  t.regex(String(preflight.headers["access-control-allow-methods"]), /POST/);
  const run = await raw(base, "POST", "/v1/runs", { origin: app, "content-type": "application/json", ...AUTH }, JSON.stringify({ source: "return 7;" }));
  t.is(run.status, 200);
  t.is(run.headers["access-control-allow-origin"], app);
  t.is((JSON.parse(run.body) as { value: number }).value, 7);
  // Still no way in without the token, and other origins are still refused.
  const anonymous = await raw(base, "GET", "/v1/tools", { origin: app });
  t.is(anonymous.status, 401);
  t.is(anonymous.headers["access-control-allow-origin"], app);
  t.is((await raw(base, "GET", "/v1/tools", { origin: "https://app.example", ...AUTH })).status, 403);
  t.is((await raw(base, "OPTIONS", "/v1/runs", { origin: "https://evil.example", "access-control-request-method": "POST" })).status, 403);
});

test("only exact loopback addresses count as loopback, and Host headers are parsed strictly", (t) => {
  for (const a of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) t.true(isLoopback(a), a);
  for (const a of ["0.0.0.0", "::", "127.0.0.1.evil.example", "127.evil", "10.0.0.1", "example.com"]) t.false(isLoopback(a), a);
  t.is(hostName("LocalHost:7077"), "localhost");
  t.is(hostName("[::1]:7077"), "[::1]");
  t.is(hostName("127.0.0.1.attacker.example"), "127.0.0.1.attacker.example");
  t.is(hostName("a:b"), undefined);
  t.is(hostName("localhost:7077/x"), undefined);
});
