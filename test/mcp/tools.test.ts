import test from "ava";
import { Ajv } from "ajv";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { AbortedError, McpError, ToolError } from "../../src/errors/index.js";
import { McpManager, ToolRegistry, mcpRisk } from "../../src/tools/index.js";
import { TEST_START_TIMEOUT_MS, childPids, context, everythingServer, tempDir } from "./helpers.js";

// One server shared by the tests that only read or call tools (each start costs a Node process; the machine is small).
const sharedCwd = mkdtempSync(path.join(os.tmpdir(), "cody-mcp-shared-"));
const shared = new McpManager({ servers: { everything: everythingServer() }, cwd: sharedCwd, startTimeoutMs: TEST_START_TIMEOUT_MS });
test.after.always(async () => {
  await shared.close();
  rmSync(sharedCwd, { recursive: true, force: true });
});

function manager(t: Parameters<typeof tempDir>[0], extra: Partial<ConstructorParameters<typeof McpManager>[0]> = {}) {
  const cwd = tempDir(t);
  const m = new McpManager({ servers: { everything: everythingServer() }, cwd, startTimeoutMs: TEST_START_TIMEOUT_MS, ...extra });
  t.teardown(() => m.close());
  return { m, cwd };
}

test("no server process exists until a tool is first listed or called", async (t) => {
  const before = childPids();
  const { m } = manager(t);
  t.deepEqual(m.status("everything"), { name: "everything", state: "idle", pid: undefined, starts: 0, transport: "stdio" });
  t.deepEqual(childPids(), before);
  await m.listToolDefinitions();
  const status = m.status("everything");
  t.is(status.state, "running");
  t.is(status.starts, 1);
  t.true(typeof status.pid === "number" && childPids().includes(status.pid));
});

test("each server tool becomes a ToolDefinition named mcp.<server>.<tool> with the server's schemas", async (t) => {
  const m = shared;
  const defs = await m.listToolDefinitions();
  const byName = new Map(defs.map((d) => [d.name, d]));
  for (const name of ["echo", "get-sum", "get-structured-content", "get-env"]) {
    t.true(byName.has(`mcp.everything.${name}`), `missing mcp.everything.${name}`);
  }
  t.true(defs.every((d) => d.name.startsWith("mcp.everything.")));
  // Task-only tools cannot be called by this harness and are left out.
  t.false(byName.has("mcp.everything.simulate-research-query"));

  const echo = byName.get("mcp.everything.echo");
  t.is(echo?.description, "Echoes back the input string");
  t.deepEqual(echo?.argsSchema, {
    type: "object",
    properties: { message: { type: "string", description: "Message to echo" } },
    required: ["message"],
    $schema: "http://json-schema.org/draft-07/schema#",
  });
  t.is((echo?.resultSchema as { type?: string }).type, "array");
  t.is(echo?.risk, "read-only");
  t.is(byName.get("mcp.everything.toggle-simulated-logging")?.risk, "executes");

  const structured = byName.get("mcp.everything.get-structured-content");
  t.deepEqual((structured?.resultSchema as { required?: string[] }).required, ["temperature", "conditions", "humidity"]);
  t.is((structured?.resultSchema as { additionalProperties?: boolean }).additionalProperties, false);

  const ajv = new Ajv({ strict: false, logger: false });
  for (const d of defs) {
    t.notThrows(() => ajv.compile(d.argsSchema), `${d.name} argsSchema`);
    t.notThrows(() => ajv.compile(d.resultSchema), `${d.name} resultSchema`);
  }
});

test("echo and get-sum run end to end through the registry and return the content array", async (t) => {
  const m = shared;
  const cwd = sharedCwd;
  const registry = new ToolRegistry();
  await m.registerInto(registry);
  const echo = await registry.get("mcp.everything.echo").handler({ message: "hi there" }, context(cwd));
  t.deepEqual(echo, [{ type: "text", text: "Echo: hi there" }]);
  const sum = await registry.get("mcp.everything.get-sum").handler({ a: 2, b: 3 }, context(cwd));
  t.deepEqual(sum, [{ type: "text", text: "The sum of 2 and 3 is 5." }]);
  const validate = new Ajv({ strict: false, logger: false }).compile(registry.get("mcp.everything.get-sum").resultSchema);
  t.true(validate(sum));
});

test("a tool with an outputSchema returns its structuredContent", async (t) => {
  const m = shared;
  const cwd = sharedCwd;
  const defs = await m.listToolDefinitions();
  const tool = defs.find((d) => d.name === "mcp.everything.get-structured-content");
  const result = await tool?.handler({ location: "Chicago" }, context(cwd));
  t.deepEqual(result, { temperature: 36, conditions: "Light rain / drizzle", humidity: 82 });
});

test("an isError result becomes a ToolError naming the tool and server with the server's text", async (t) => {
  const m = shared;
  const cwd = sharedCwd;
  const defs = await m.listToolDefinitions();
  const echo = defs.find((d) => d.name === "mcp.everything.echo");
  // Bypasses argument validation on purpose, so the server itself rejects the call.
  const error = await t.throwsAsync(echo!.handler({ message: 3 }, context(cwd)), { instanceOf: ToolError });
  t.is(error?.details["tool"], "mcp.everything.echo");
  t.is(error?.details["server"], "everything");
  t.regex(error?.message ?? "", /Input validation error/);
  const raw = await m.callTool("everything", "no-such-tool", {}, new AbortController().signal);
  t.true(raw.isError);
});

test("aborting the signal rejects a running call with AbortedError and the server stays usable", async (t) => {
  const m = shared;
  const cwd = sharedCwd;
  const defs = await m.listToolDefinitions();
  const slow = defs.find((d) => d.name === "mcp.everything.trigger-long-running-operation");
  const controller = new AbortController();
  const call = slow!.handler({ duration: 20, steps: 20 }, context(cwd, controller.signal));
  setTimeout(() => controller.abort(new Error("turn ended")), 100);
  const error = await t.throwsAsync(call, { instanceOf: AbortedError });
  t.regex(error?.message ?? "", /turn ended/);
  const echo = defs.find((d) => d.name === "mcp.everything.echo");
  t.deepEqual(await echo!.handler({ message: "still here" }, context(cwd)), [{ type: "text", text: "Echo: still here" }]);
});

test("a call slower than callTimeoutMs fails with McpError naming the limit", async (t) => {
  const { m } = manager(t, { callTimeoutMs: 200 });
  const error = await t.throwsAsync(
    m.callTool("everything", "trigger-long-running-operation", { duration: 5, steps: 5 }, new AbortController().signal),
    { instanceOf: McpError },
  );
  t.is(error?.details["timeoutMs"], 200);
  t.is(error?.details["server"], "everything");
});

test("readOnly in the config overrides or extends the server's readOnlyHint annotations", async (t) => {
  const { m } = manager(t, { servers: { listed: everythingServer({ readOnly: ["toggle-simulated-logging"] }) } });
  const risk = new Map((await m.listToolDefinitions()).map((d) => [d.name, d.risk]));
  t.is(risk.get("mcp.listed.toggle-simulated-logging"), "read-only");
  t.is(risk.get("mcp.listed.toggle-subscriber-updates"), "executes");
  t.is(risk.get("mcp.listed.echo"), "read-only");
  // The rule itself, for each form of readOnly, on the tools' own annotations:
  const hinted = { name: "a", inputSchema: { type: "object" as const }, annotations: { readOnlyHint: true } };
  const plain = { name: "b", inputSchema: { type: "object" as const } };
  t.is(mcpRisk(hinted, undefined), "read-only");
  t.is(mcpRisk(plain, undefined), "executes");
  t.is(mcpRisk(hinted, false), "executes");
  t.is(mcpRisk(plain, true), "read-only");
  t.is(mcpRisk(plain, ["b"]), "read-only");
  t.is(mcpRisk(plain, ["a"]), "executes");
});

test("servers configured in cody.json start with the configured env and only a minimal inherited one", async (t) => {
  const cwd = tempDir(t);
  const server = everythingServer({ env: { CODY_MCP_TEST_MARK: "from-config" } });
  writeFileSync(path.join(cwd, "cody.json"), JSON.stringify({ mcpServers: { "my-server": server } }));
  process.env["CODY_MCP_TEST_PARENT_ONLY"] = "secret";
  t.teardown(() => delete process.env["CODY_MCP_TEST_PARENT_ONLY"]);
  const config = await loadConfig(cwd);
  const m = new McpManager({ servers: config.mcpServers, cwd, startTimeoutMs: TEST_START_TIMEOUT_MS });
  t.teardown(() => m.close());
  const defs = await m.listToolDefinitions();
  const getEnv = defs.find((d) => d.name === "mcp.my-server.get-env");
  const [block] = (await getEnv!.handler({}, context(cwd))) as { type: string; text: string }[];
  const env = JSON.parse(block?.text ?? "{}") as Record<string, string>;
  t.is(env["CODY_MCP_TEST_MARK"], "from-config");
  // Only a minimal environment is inherited, so secrets in the parent's environment do not leak to servers.
  t.true("PATH" in env);
  t.false("CODY_MCP_TEST_PARENT_ONLY" in env);
});

test("many calls sharing one run's signal add no lasting abort listeners (no MaxListenersExceededWarning)", async (t) => {
  const m = shared;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on("warning", onWarning);
  t.teardown(() => process.off("warning", onWarning));
  const runSignal = new AbortController().signal;
  for (let i = 0; i < 12; i++) {
    const result = await m.callTool("everything", "echo", { message: String(i) }, runSignal);
    t.deepEqual(result.content, [{ type: "text", text: `Echo: ${i}` }]);
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.false(warnings.includes("MaxListenersExceededWarning"));
});

test("a caller that aborts while the server is starting gets AbortedError and the start carries on for others", async (t) => {
  const { m } = manager(t);
  const controller = new AbortController();
  const first = m.callTool("everything", "echo", { message: "never" }, controller.signal);
  const second = m.callTool("everything", "echo", { message: "later" }, new AbortController().signal);
  t.is(m.status("everything").state, "starting");
  controller.abort(new Error("gave up"));
  const error = await t.throwsAsync(first, { instanceOf: AbortedError });
  t.regex(error?.message ?? "", /Waiting for MCP server "everything" was aborted: gave up/);
  t.deepEqual((await second).content, [{ type: "text", text: "Echo: later" }]);
  t.is(m.status("everything").starts, 1);
  await t.throwsAsync(m.callTool("everything", "echo", { message: "x" }, controller.signal), { instanceOf: AbortedError });
});
