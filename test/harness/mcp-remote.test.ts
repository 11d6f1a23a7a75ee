// A harness with a remote MCP server (test/mcp/http-server.ts, in this process).
import test from "ava";
import { createHarness } from "../../src/harness.js";
import { startHttpMcpServer } from "../mcp/http-server.js";
import { tempWorkspace } from "../helpers/workspace.js";

async function setup(t: Parameters<typeof tempWorkspace>[0], token?: string) {
  const server = await startHttpMcpServer(token === undefined ? {} : { token });
  t.teardown(() => server.close());
  const config = { mcpServers: { remote: { url: server.url, readOnly: true } } };
  const cwd = tempWorkspace(t, { "cody.json": JSON.stringify(config) });
  const harness = await createHarness({ cwd, pool: { workers: 1, vmsPerWorker: 1 } });
  t.teardown(() => harness.close());
  return { server, harness };
}

test("a remote server dropping the connection fails that call in the script, not the run; the next call reconnects", async (t) => {
  const { harness } = await setup(t);
  const result = await harness.run({
    filename: "drop.ts",
    source: [
      "let failed = '';",
      "try { await tools.mcp.remote.drop(); } catch (e) { failed = e instanceof ToolError ? e.code : String(e); }",
      'const again = await tools.mcp.remote.echo({ text: "back" });',
      "return { failed, again };",
    ].join("\n"),
  });
  t.true(result.ok, JSON.stringify(result.error));
  t.deepEqual(result.value, { failed: "CODY_MCP_DISCONNECTED", again: [{ type: "text", text: "echo:back" }] });
});
