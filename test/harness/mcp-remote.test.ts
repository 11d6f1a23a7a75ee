// A harness with a remote MCP server (test/mcp/http-server.ts, in this process).
import test from "ava";
import { Agent, createProvider, resolveProviderConfig } from "../../src/agent/index.js";
import { createHarness, type Harness, type ToolsChange } from "../../src/harness.js";
import { reply, startModelServer } from "../agent/helpers/model-server.js";
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

test("a script reads a remote server's resource through tools.mcp.<server>.readResource, type-checked", async (t) => {
  const { harness } = await setup(t);
  const result = await harness.run({
    filename: "res.ts",
    source: 'const r = await tools.mcp.remote.readResource({ uri: "file:///readme.md" });\nreturn r.contents[0]?.text;',
  });
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.value, "# Remote readme");
  const wrong = await harness.run({ filename: "bad.ts", source: "return await tools.mcp.remote.readResource({ url: 1 });" });
  t.is(wrong.error?.code, "CODY_SCRIPT_TYPE");
});

/** Resolves with the next tool set change of `harness` (event-driven: no polling, no timer). */
function nextChange(harness: Harness): Promise<ToolsChange> {
  return new Promise((resolve) => {
    const off = harness.onToolsChanged((change) => {
      off();
      resolve(change);
    });
  });
}

test("tools/list_changed: the registry and .d.ts are rebuilt, and a cached script compiled against the old tools never runs", async (t) => {
  const { server, harness } = await setup(t);
  const source = 'return await tools.mcp.remote.echo({ text: "a" });';
  const first = await harness.run({ source, filename: "echo.ts" });
  t.true(first.ok, JSON.stringify(first.error));
  const cached = await harness.run({ source, filename: "echo.ts" });
  t.is(cached.cache, "hit");
  const oldHash = (await harness.toolsDts()).hash;
  const oldKey = await harness.hashOf({ source, filename: "echo.ts" });

  const removed = nextChange(harness);
  server.removeTool("echo");
  t.like(await removed, { server: "remote", added: [], removed: ["mcp.remote.echo"], version: 1 });
  t.false(harness.toolNames().includes("mcp.remote.echo"));
  const dts = await harness.toolsDts();
  t.not(dts.hash, oldHash);
  t.false(dts.text.includes("echo("));
  t.not(await harness.hashOf({ source, filename: "echo.ts" }), oldKey, "the artifact key follows the .d.ts hash");
  const stale = await harness.run({ source, filename: "echo.ts" });
  t.false(stale.ok);
  t.is(stale.cache, "miss", "the bytecode cached under the old key is not looked up");
  t.is(stale.error?.code, "CODY_SCRIPT_TYPE");

  const added = nextChange(harness);
  server.addTool("fresh");
  t.like(await added, { added: ["mcp.remote.fresh"], removed: [], version: 2 });
  const fresh = await harness.run({ source: "return await tools.mcp.remote.fresh({ n: 1 });", filename: "fresh.ts" });
  t.true(fresh.ok, JSON.stringify(fresh.error));
  t.deepEqual(fresh.value, [{ type: "text", text: "added:fresh" }]);
});

test("a running conversation's next turn is told that the tools changed, with a rebuilt system prompt", async (t) => {
  const { server, harness } = await setup(t);
  const model = await startModelServer([
    async (res, req) => {
      // The tool list changes while the model is answering turn 1.
      const changed = nextChange(harness);
      server.addTool("fresh");
      await changed;
      await reply({ text: "<tool-calls>\nreturn 1;\n</tool-calls>\n" })(res, req);
    },
    reply({ text: "done" }),
  ]);
  t.teardown(() => model.close());
  const dts = await harness.toolsDts();
  const agent = new Agent({
    provider: createProvider(resolveProviderConfig({ api: "responses", baseUrl: model.url, model: "m", retryBaseMs: 1 }, {})),
    executor: {
      runScript: (source, o) => harness.run({ source, filename: o.filename }, { signal: o.signal, turnSignal: o.turnSignal }),
      checkScript: (source, filename) => harness.check([{ source, filename }]),
      toolNames: () => harness.toolNames(),
    },
    toolsDts: dts.text,
    currentTools: () => harness.promptTools(),
  });
  const result = await agent.run("go");
  t.is(result.text, "done");
  const [turn1, turn2] = model.requests.map((r) => r.body as { instructions: string; input: { role?: string; content?: unknown }[] });
  t.false(turn1?.instructions.includes("fresh("));
  t.true(turn2?.instructions.includes("fresh("), "turn 2's prompt declares the new tool");
  const notes = (turn2?.input ?? []).filter((i) => i.role === "user" && String(i.content).startsWith("[cody]"));
  t.is(notes.length, 1);
  t.regex(String(notes[0]?.content), /tools changed since the last turn: added tools\.mcp\.remote\.fresh\./);
  t.false((turn1?.input ?? []).some((i) => String(i.content).startsWith("[cody]")), "the first turn gets no note");
});
