import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { createHarness } from "../../src/harness.js";
import { tempWorkspace } from "../helpers/workspace.js";

const require = createRequire(import.meta.url);
const EVERYTHING = path.join(path.dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")), "dist/index.js");
const CODY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");
const CONFIG = JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, "stdio"], readOnly: false } } });

test("a script calls a real MCP server's tool through tools.mcp.<server>.<tool>, type-checked against its schema", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": CONFIG });
  const harness = await createHarness({ cwd, pool: { workers: 1, vmsPerWorker: 1 }, policy: { policy: "never", allowTools: ["mcp.everything.echo"] } });
  t.teardown(() => harness.close());
  t.true(harness.toolNames().includes("mcp.everything.echo"));
  t.true(harness.toolNames().includes("mcp.everything.get-sum"));

  const ok = await harness.run({
    source: 'const r = await tools.mcp.everything.echo({ message: "hi" });\nreturn r;',
    filename: "mcp.ts",
  });
  t.true(ok.ok, JSON.stringify(ok.error));
  t.deepEqual(ok.value, [{ type: "text", text: "Echo: hi" }]);

  const wrongType = await harness.run({ source: "return await tools.mcp.everything.echo({ message: 42 });", filename: "bad.ts" });
  t.is(wrongType.error?.code, "CODY_SCRIPT_TYPE");

  // readOnly: false ignores the server's hints, so get-sum is not read-only and not allowed: denied under `never`, and the script sees it as ApprovalDeniedError.
  const denied = await harness.run({
    source: 'try { await tools.mcp.everything["get-sum"]({ a: 1, b: 2 }); return "ran"; } catch (e) { return e instanceof ApprovalDeniedError ? "denied" : String(e); }',
    filename: "deny.ts",
  });
  t.is(denied.value, "denied");
});

test("cody tools dts includes the configured MCP server's tools", (t) => {
  const cwd = tempWorkspace(t, { "cody.json": CONFIG });
  const r = spawnSync(process.execPath, [CODY, "tools", "dts"], { cwd, encoding: "utf8", timeout: 60_000 });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /readonly everything: \{/);
  t.regex(r.stdout, /echo\(args: McpEverythingEchoArgs\): Promise<McpEverythingEchoResult>;/);
  t.regex(r.stdout, /readFile\(args: ReadFileArgs\): Promise<ReadFileResult>;/);
});
