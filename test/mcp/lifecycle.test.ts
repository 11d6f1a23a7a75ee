// Serial: these tests count this process's child processes, which concurrent tests in the file would disturb.
import test from "ava";
import { InvalidOptionError, McpError } from "../../src/errors/index.js";
import { McpManager } from "../../src/tools/index.js";
import { TEST_START_TIMEOUT_MS, childPids, everythingServer, isAlive, tempDir, waitFor } from "./helpers.js";

const signal = () => new AbortController().signal;

test.serial("after the server process is killed, the next call starts a new one and succeeds", async (t) => {
  const m = new McpManager({ servers: { everything: everythingServer() }, cwd: tempDir(t), startTimeoutMs: TEST_START_TIMEOUT_MS });
  t.teardown(() => m.close());
  await m.callTool("everything", "echo", { message: "one" }, signal());
  const first = m.status("everything").pid;
  t.is(typeof first, "number");
  process.kill(first!, "SIGKILL");
  t.true(await waitFor(() => m.status("everything").state === "exited"), "the manager noticed the exit");
  t.is(m.status("everything").pid, undefined);
  const result = await m.callTool("everything", "echo", { message: "two" }, signal());
  t.deepEqual(result.content, [{ type: "text", text: "Echo: two" }]);
  const status = m.status("everything");
  t.is(status.state, "running");
  t.is(status.starts, 2);
  t.not(status.pid, first);
});

test.serial("a command that does not exist fails with McpError naming the server", async (t) => {
  const m = new McpManager({ servers: { ghost: { command: "cody-no-such-command-xyz" } }, cwd: tempDir(t) });
  t.teardown(() => m.close());
  const error = await t.throwsAsync(m.listToolDefinitions(), { instanceOf: McpError });
  t.is(error?.details["server"], "ghost");
  t.regex(error?.message ?? "", /"ghost" failed to start .*command not found/);
  t.is(m.status("ghost").state, "failed");
});

test.serial("a server that exits before the handshake fails with its stderr tail in the error", async (t) => {
  const script = "console.error('boom: API_KEY is not set'); process.exit(3)";
  const m = new McpManager({ servers: { early: { command: process.execPath, args: ["-e", script] } }, cwd: tempDir(t) });
  t.teardown(() => m.close());
  const error = await t.throwsAsync(m.callTool("early", "x", {}, signal()), { instanceOf: McpError });
  t.is(error?.details["server"], "early");
  t.regex(error?.message ?? "", /exited before completing the MCP handshake/);
  t.regex(error?.message ?? "", /boom: API_KEY is not set/);
  t.is(error?.details["stderr"], "boom: API_KEY is not set");
});

test.serial("a server that never answers the handshake fails after startTimeoutMs and is killed", async (t) => {
  const script = "setInterval(() => {}, 1000)";
  const m = new McpManager({
    servers: { mute: { command: process.execPath, args: ["-e", script] } },
    cwd: tempDir(t),
    startTimeoutMs: 500,
  });
  const error = await t.throwsAsync(m.listToolDefinitions(), { instanceOf: McpError });
  t.regex(error?.message ?? "", /handshake/);
  t.is(error?.details["server"], "mute");
  await m.close();
  t.deepEqual(childPids(), []);
});

test.serial("one failing server fails the listing but the others still start and close cleanly", async (t) => {
  const m = new McpManager({
    servers: { good: everythingServer(), bad: { command: "cody-no-such-command-xyz" } },
    cwd: tempDir(t),
    startTimeoutMs: TEST_START_TIMEOUT_MS,
  });
  const error = await t.throwsAsync(m.listToolDefinitions(), { instanceOf: McpError });
  t.is(error?.details["server"], "bad");
  t.is(m.status("good").state, "running");
  t.true((await m.listServerToolDefinitions("good")).length > 0);
  await m.close();
  t.deepEqual(childPids(), []);
});

test.serial("close() kills every server and leaves no child processes; later use throws McpError", async (t) => {
  const m = new McpManager({ servers: { a: everythingServer(), b: everythingServer() }, cwd: tempDir(t), startTimeoutMs: TEST_START_TIMEOUT_MS });
  await m.listToolDefinitions();
  const pids = [m.status("a").pid, m.status("b").pid];
  t.true(pids.every((pid) => typeof pid === "number" && isAlive(pid)));
  await m.close();
  t.true(pids.every((pid) => !isAlive(pid!)));
  t.deepEqual(childPids(), []);
  await t.throwsAsync(m.callTool("a", "echo", { message: "x" }, signal()), { instanceOf: McpError });
  await m.close(); // idempotent
});

test.serial("close() during a start settles that start with McpError and leaves no process behind", async (t) => {
  const m = new McpManager({ servers: { slow: everythingServer() }, cwd: tempDir(t), startTimeoutMs: TEST_START_TIMEOUT_MS });
  const listing = m.listToolDefinitions();
  await m.close();
  await t.throwsAsync(listing, { instanceOf: McpError });
  t.deepEqual(childPids(), []);
});

test.serial("close() stops a start that is still waiting for the handshake instead of waiting for its timeout", async (t) => {
  const m = new McpManager({
    servers: { mute: { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] } },
    cwd: tempDir(t),
    startTimeoutMs: 50_000,
  });
  const listing = m.listToolDefinitions();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await m.close();
  const error = await t.throwsAsync(listing, { instanceOf: McpError });
  t.regex(error?.message ?? "", /is closed/);
  t.deepEqual(childPids(), []);
});

test.serial("an unknown server name is an McpError listing the configured ones", async (t) => {
  const m = new McpManager({ servers: { a: everythingServer() }, cwd: tempDir(t) });
  const error = await t.throwsAsync(m.callTool("zzz", "echo", {}, signal()), { instanceOf: McpError });
  t.deepEqual(error?.details["known"], ["a"]);
  t.is(m.status("a").state, "idle");
});

test.serial("timeouts accept 1 ms and refuse 0; server names must be usable name segments", (t) => {
  const cwd = tempDir(t);
  t.notThrows(() => new McpManager({ servers: {}, cwd, startTimeoutMs: 1, callTimeoutMs: 1 }));
  const start = t.throws(() => new McpManager({ servers: {}, cwd, startTimeoutMs: 0 }), { instanceOf: InvalidOptionError });
  t.is(start?.details["path"], "mcp.startTimeoutMs");
  t.is(start?.details["value"], 0);
  t.throws(() => new McpManager({ servers: {}, cwd, callTimeoutMs: 0 }), { instanceOf: InvalidOptionError, message: /callTimeoutMs/ });
  t.throws(() => new McpManager({ servers: {}, cwd, callTimeoutMs: 1.5 }), { instanceOf: InvalidOptionError });
  t.notThrows(() => new McpManager({ servers: { "my-server_2": everythingServer() }, cwd }));
  t.throws(() => new McpManager({ servers: { "my.server": everythingServer() }, cwd }), { instanceOf: InvalidOptionError });
  t.throws(() => new McpManager({ servers: { "9lives": everythingServer() }, cwd }), { instanceOf: InvalidOptionError });
});
