import test from "ava";
import fs from "node:fs";
import path from "node:path";
import { request, startServer } from "../server/helpers.js";

interface RunBody {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}
interface Err {
  error: { code: string; message: string };
}

const writeScript = [
  "try {",
  "  const r = await tools.exec({ command: ['sh', '-c', 'echo hi > made.txt'] });",
  "  return 'wrote in ' + r.sandbox;",
  "} catch (e) {",
  "  if (e instanceof SandboxError) return e.code + ' ' + JSON.stringify(e.details).includes('\"rule\":\"filesystem\"');",
  "  throw e;",
  "}",
].join("\n");

test("a REST request may tighten the server's sandbox (read-only blocks the write the server's mode allows)", async (t) => {
  const { base, cwd, harness } = await startServer(t, { harness: { policy: { policy: "never", allowTools: ["exec"] } } });
  t.is(harness.sandbox.mode, "workspace-write");
  const tight = await request<RunBody>(base, "POST", "/v1/runs", { source: writeScript, sandbox: "read-only" });
  t.is(tight.status, 200);
  t.is(tight.body.value, "CODY_TOOL_SANDBOX true");
  t.false(fs.existsSync(path.join(cwd, "made.txt")));
  const same = await request<RunBody>(base, "POST", "/v1/runs", { source: writeScript, sandbox: { mode: "workspace-write", network: false } });
  t.is(same.body.value, "wrote in workspace-write");
  t.true(fs.existsSync(path.join(cwd, "made.txt")));
});

test("a REST request may not loosen the server's sandbox, and a malformed one is a 400", async (t) => {
  const { base } = await startServer(t, { harness: { sandbox: { mode: "read-only" } } });
  const looser = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: "workspace-write" });
  t.is(looser.status, 400);
  t.is(looser.body.error.code, "CODY_INVALID_OPTION");
  t.regex(looser.body.error.message, /may only tighten the server's mode `read-only`/);
  const network = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: { network: true } });
  t.is(network.status, 400);
  t.regex(network.body.error.message, /no network/);
  const unknown = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: { mode: "read-only", bogus: 1 } });
  t.is(unknown.status, 400);
  t.regex(unknown.body.error.message, /unknown fields: bogus/);
  const bad = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: "sideways" });
  t.is(bad.status, 400);
  t.regex(bad.body.error.message, /must be one of read-only, workspace-write, danger-full-access/);
  const edge = await request<RunBody>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: "read-only" });
  t.is(edge.status, 200);
  t.true(edge.body.ok);
});
