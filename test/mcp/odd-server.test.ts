import test from "ava";
import { mkdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { McpError, ToolError } from "../../src/errors/index.js";
import { McpManager, ToolRegistry, type McpWarning } from "../../src/tools/index.js";
import { TEST_START_TIMEOUT_MS, context, oddServer, tempDir, waitFor } from "./helpers.js";

function setup(t: Parameters<typeof tempDir>[0], cwdOfServer?: string) {
  const cwd = tempDir(t);
  const warnings: McpWarning[] = [];
  const server = cwdOfServer === undefined ? oddServer() : { ...oddServer(), cwd: cwdOfServer };
  const m = new McpManager({
    servers: { odd: server },
    cwd,
    startTimeoutMs: TEST_START_TIMEOUT_MS,
    onWarning: (w) => warnings.push(w),
  });
  t.teardown(() => m.close());
  return { m, cwd, warnings };
}

test("tools whose names cannot be a name segment, duplicates and task-only tools are skipped with a warning", async (t) => {
  const { m, warnings } = setup(t);
  const names = (await m.listToolDefinitions()).map((d) => d.name);
  t.deepEqual(names, [
    "mcp.odd.plain",
    "mcp.odd.fails",
    "mcp.odd.rpc-error",
    "mcp.odd.dies",
    "mcp.odd.where",
    "mcp.odd.no-structured",
  ]);
  t.deepEqual(
    warnings.map((w) => w.tool),
    ["2fa", "dotted.name", "task-only", "plain"],
  );
  t.true(warnings.every((w) => w.server === "odd" && w.message.startsWith("skipped: ")));
  const registry = new ToolRegistry();
  for (const d of await m.listToolDefinitions()) registry.register(d);
  t.is(registry.list().length, 6);
});

test("descriptions are trimmed and fall back to the title, then to a generated sentence", async (t) => {
  const { m } = setup(t);
  const byName = new Map((await m.listToolDefinitions()).map((d) => [d.name, d]));
  t.is(byName.get("mcp.odd.plain")?.description, "Says ok.");
  t.is(byName.get("mcp.odd.fails")?.description, "Fails politely");
  t.is(byName.get("mcp.odd.dies")?.description, 'Tool "dies" of MCP server "odd".');
  t.is(byName.get("mcp.odd.rpc-error")?.risk, "read-only");
  t.is(byName.get("mcp.odd.plain")?.risk, "executes");
});

test("an isError result's text blocks form the ToolError message and other blocks are named", async (t) => {
  const { m, cwd } = setup(t);
  const fails = (await m.listToolDefinitions()).find((d) => d.name === "mcp.odd.fails");
  const error = await t.throwsAsync(fails!.handler({}, context(cwd)), { instanceOf: ToolError });
  t.is(error?.message, "mcp.odd.fails failed: it broke\n[image]");
  t.like(error?.details, { tool: "mcp.odd.fails", server: "odd", mcpTool: "fails", text: "it broke\n[image]" });
});

test("a JSON-RPC error answer and a missing structuredContent are ToolErrors, not server failures", async (t) => {
  const { m, cwd } = setup(t);
  const defs = new Map((await m.listToolDefinitions()).map((d) => [d.name, d]));
  const rpc = await t.throwsAsync(defs.get("mcp.odd.rpc-error")!.handler({}, context(cwd)), { instanceOf: ToolError });
  t.regex(rpc?.message ?? "", /rpc says no/);
  t.is(rpc?.details["server"], "odd");
  const missing = await t.throwsAsync(defs.get("mcp.odd.no-structured")!.handler({}, context(cwd)), {
    instanceOf: ToolError,
  });
  t.regex(missing?.message ?? "", /structured content/i);
  t.is(m.status("odd").state, "running");
});

test("a server that exits during a call fails that call with its stderr tail, and the next call restarts it", async (t) => {
  const { m, cwd } = setup(t);
  const defs = new Map((await m.listToolDefinitions()).map((d) => [d.name, d]));
  const error = await t.throwsAsync(defs.get("mcp.odd.dies")!.handler({}, context(cwd)), { instanceOf: McpError });
  t.regex(error?.message ?? "", /exited during a call/);
  t.regex(String(error?.details["stderr"]), /the odd server gives up/);
  t.true(await waitFor(() => m.status("odd").state === "exited"));
  t.deepEqual(await defs.get("mcp.odd.plain")!.handler({}, context(cwd)), [{ type: "text", text: "ok" }]);
  t.is(m.status("odd").starts, 2);
});

test("a server's cwd in the config is resolved against the manager's cwd", async (t) => {
  const { m, cwd } = setup(t, "sub/dir");
  mkdirSync(path.join(cwd, "sub", "dir"), { recursive: true });
  const [block] = (await m.callTool("odd", "where", {}, new AbortController().signal)).content as { text: string }[];
  t.is(realpathSync(block?.text ?? ""), realpathSync(path.join(cwd, "sub", "dir")));
});
