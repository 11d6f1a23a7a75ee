import test from "ava";
import { nestedArrays } from "../helpers/hostile.js";
import { AUTH, request, startServer, waitFor } from "./helpers.js";

interface WireError {
  error: { code: string; message: string; details: Record<string, unknown>; stack?: string };
}

test("/healthz answers while a hostile type-check is in flight, which then ends with 422 CODY_LIMIT_CHECK_TIMEOUT", async (t) => {
  const { base, harness } = await startServer(t);
  // Warm the checker, so the hostile request is the one running when /healthz is asked.
  t.is((await request(base, "POST", "/v1/scripts/check", { files: [{ filename: "ok.ts", source: "return 1;" }] })).status, 200);
  const checksBefore = harness.metrics().compiler.checks;

  let settled = false;
  const hostile = request<WireError>(base, "POST", "/v1/scripts/check", { files: [{ filename: "deep.ts", source: nestedArrays(250) }] }).finally(
    () => (settled = true),
  );
  t.truthy(await waitFor(() => (harness.metrics().compiler.checks > checksBefore ? true : undefined)), "the hostile check started");

  const t0 = performance.now();
  const health = await request(base, "GET", "/healthz");
  const healthMs = performance.now() - t0;
  t.is(health.status, 200);
  t.false(settled, "/healthz answered while the check was still running");
  t.true(healthMs < 1000, `/healthz took ${healthMs} ms`);
  t.log(`/healthz during a hostile check: ${healthMs.toFixed(1)} ms`);

  const answer = await hostile;
  t.is(answer.status, 422);
  t.is(answer.body.error.code, "CODY_LIMIT_CHECK_TIMEOUT");
  t.is(answer.body.error.details["limit"], 2000);
  t.is(answer.body.error.stack, undefined);

  const next = await request<{ ok: boolean; diagnostics: unknown[] }>(base, "POST", "/v1/scripts/check", {
    files: [{ filename: "ok.ts", source: "return 2;" }],
  });
  t.is(next.status, 200);
  t.true(next.body.ok);
});

test("a hostile script posted as a run is refused with 422 CODY_LIMIT_CHECK_TIMEOUT and the next run is served", async (t) => {
  const { base } = await startServer(t, { harness: { limits: { checkTimeoutMs: 500 } } });
  const refused = await request<WireError>(base, "POST", "/v1/runs", { source: nestedArrays(250) });
  t.is(refused.status, 422);
  t.is(refused.body.error.code, "CODY_LIMIT_CHECK_TIMEOUT");
  const run = await request<{ ok: boolean; value: unknown }>(base, "POST", "/v1/runs", { source: "return 40 + 2;" });
  t.is(run.status, 200);
  t.is(run.body.value, 42);
});

async function postBytes(url: string, bytes: Uint8Array): Promise<{ status: number; body: WireError }> {
  const res = await fetch(url, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: bytes });
  return { status: res.status, body: (await res.json()) as WireError };
}

test("a body with invalid UTF-8 bytes is refused with CODY_SCRIPT_ENCODING instead of running with U+FFFD", async (t) => {
  const { base } = await startServer(t);
  // {"source":"return \"<FF FE>\";"} — bytes that are not UTF-8 inside the script's string literal.
  const bytes = Buffer.concat([Buffer.from('{"source":"return \\"'), Buffer.from([0xff, 0xfe]), Buffer.from('\\";"}')]);
  for (const path of ["/v1/runs", "/v1/scripts/compile"]) {
    const answer = await postBytes(base + path, bytes);
    t.is(answer.status, 400, path);
    t.is(answer.body.error.code, "CODY_SCRIPT_ENCODING", path);
    t.is(answer.body.error.stack, undefined);
  }
  // The same script, valid UTF-8, runs.
  const ok = await postBytes(`${base}/v1/runs`, Buffer.from('{"source":"return \\"\u00e9\\";"}'));
  t.is(ok.status, 200);
});

test("a lone surrogate in a script (JSON \\ud800) is refused cleanly with CODY_SCRIPT_ENCODING, then the server checks normally", async (t) => {
  const { base } = await startServer(t);
  const body = '{"source":"const s = \\"\\ud800\\";\\nreturn s;"}';
  const run = await request<WireError>(base, "POST", "/v1/runs", body);
  t.is(run.status, 400);
  t.is(run.body.error.code, "CODY_SCRIPT_ENCODING");
  t.regex(run.body.error.message, /lone UTF-16 surrogate/);
  t.is(run.body.error.stack, undefined);
  const check = await request<WireError>(base, "POST", "/v1/scripts/check", `{"files":[{"filename":"s.ts","source":"return \\"\\udc00\\";"}]}`);
  t.is(check.status, 400);
  t.is(check.body.error.code, "CODY_SCRIPT_ENCODING");
  const next = await request<{ ok: boolean }>(base, "POST", "/v1/scripts/check", { files: [{ filename: "ok.ts", source: "return '😀';" }] });
  t.is(next.status, 200);
  t.true(next.body.ok);
});
