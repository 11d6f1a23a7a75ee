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
  t.regex(unknown.body.error.message, /Unknown field `sandbox\.bogus`/);
  const bad = await request<Err>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: "sideways" });
  t.is(bad.status, 400);
  t.regex(bad.body.error.message, /must be one of read-only, workspace-write, danger-full-access/);
  const edge = await request<RunBody>(base, "POST", "/v1/runs", { source: "return 1;", sandbox: "read-only" });
  t.is(edge.status, 200);
  t.true(edge.body.ok);
});

test("over REST with on-request, a sandbox-blocked exec asks again with the denial, and approving re-runs it unsandboxed", async (t) => {
  const { base } = await startServer(t, { approvals: true });
  const outside = fs.mkdtempSync(path.join("/var/tmp", "cody-rest-outside-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  const target = path.join(outside, "f.txt");
  const run = request<RunBody>(base, "POST", "/v1/runs", {
    source: `const r = await tools.exec({ command: ["sh", "-c", "echo out > ${target}"] });\nreturn r.sandbox;`,
  });
  const pending = async (): Promise<{ id: string; reason: string; sandboxDenial?: string }[]> =>
    (await request<{ approvals: { id: string; reason: string; sandboxDenial?: string }[] }>(base, "GET", "/v1/approvals")).body.approvals;
  const until = async <T>(get: () => Promise<T | undefined>): Promise<T | undefined> => {
    for (let i = 0; i < 400; i++) {
      const v = await get();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  };
  // First the ordinary question: may exec run at all?
  const first = await until(async () => (await pending())[0]);
  t.is(first?.sandboxDenial, undefined);
  await request(base, "POST", `/v1/approvals/${first?.id ?? ""}`, { decision: "approve" });
  // Then the sandbox blocks it and the second question carries the denial.
  const second = await until(async () => (await pending()).find((a) => a.sandboxDenial !== undefined));
  t.regex(second?.reason ?? "", /blocked by the sandbox \(filesystem\)/);
  t.regex(second?.sandboxDenial ?? "", /workspace-write/);
  t.false(fs.existsSync(target));
  await request(base, "POST", `/v1/approvals/${second?.id ?? ""}`, { decision: "approve" });
  const result = await run;
  t.true(result.body.ok, JSON.stringify(result.body.error));
  t.is(result.body.value, "danger-full-access");
  t.is(fs.readFileSync(target, "utf8"), "out\n");
});
