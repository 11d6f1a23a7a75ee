// Remote MCP servers: a real Streamable HTTP (and HTTP+SSE) server started in this process by test/mcp/http-server.ts.
import test from "ava";
import { InvalidOptionError, McpDisconnectedError, McpError } from "../../src/errors/index.js";
import { McpManager } from "../../src/tools/index.js";
import { TEST_START_TIMEOUT_MS, context, tempDir } from "./helpers.js";
import { startHttpMcpServer, type HttpMcpServer } from "./http-server.js";

const signal = () => new AbortController().signal;

async function serve(t: { teardown(fn: () => Promise<void>): void }, options: Parameters<typeof startHttpMcpServer>[0] = {}): Promise<HttpMcpServer> {
  const server = await startHttpMcpServer(options);
  t.teardown(() => server.close());
  return server;
}

function manager(t: Parameters<typeof tempDir>[0], servers: ConstructorParameters<typeof McpManager>[0]["servers"], extra: Partial<ConstructorParameters<typeof McpManager>[0]> = {}) {
  const m = new McpManager({ servers, cwd: tempDir(t), startTimeoutMs: TEST_START_TIMEOUT_MS, reconnectBackoffMs: 20, ...extra });
  t.teardown(() => m.close());
  return m;
}

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]?.text;

test("a remote server over Streamable HTTP lists its tools and answers calls", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } });
  const names = (await m.listServerToolDefinitions("remote")).map((d) => d.name);
  t.deepEqual(names.sort(), ["mcp.remote.big", "mcp.remote.drop", "mcp.remote.echo", "mcp.remote.readResource"]);
  t.is(text(await m.callTool("remote", "echo", { text: "hi" }, signal())), "echo:hi");
  t.like(m.status("remote"), { state: "running", transport: "streamable-http", pid: undefined, starts: 1 });
});

test("headers are sent with ${ENV} references resolved at connect time; without them the server's 401 is an McpError", async (t) => {
  const server = await serve(t, { token: "s3cret" });
  const config = { url: server.url, headers: { Authorization: "Bearer ${TEST_MCP_TOKEN}" } };
  const env: Record<string, string | undefined> = { TEST_MCP_TOKEN: "s3cret" };
  const m = manager(t, { remote: config }, { env });
  t.is(text(await m.callTool("remote", "echo", { text: "a" }, signal())), "echo:a");
  t.true(server.authorizations.every((a) => a === "Bearer s3cret"));
  t.is(config.headers.Authorization, "Bearer ${TEST_MCP_TOKEN}", "the config keeps the reference, never the value");

  const wrong = manager(t, { remote: config }, { env: { TEST_MCP_TOKEN: "nope" } });
  const refused = await t.throwsAsync(wrong.listServerToolDefinitions("remote"), { instanceOf: McpError });
  t.regex(refused?.message ?? "", /refused the connection: HTTP 401 Unauthorized/);
  t.is(refused?.details["status"], 401);
  t.false(refused?.message.includes("nope"), "the token value is never in the message");

  const none = manager(t, { remote: { url: server.url } });
  await t.throwsAsync(none.listServerToolDefinitions("remote"), { instanceOf: McpError, message: /HTTP 401/ });

  const unset = manager(t, { remote: config }, { env: {} });
  const missing = await t.throwsAsync(unset.listServerToolDefinitions("remote"), { instanceOf: McpError });
  t.regex(missing?.message ?? "", /headers\.Authorization refers to \$\{TEST_MCP_TOKEN\}, which is not set/);
  t.is(missing?.details["variable"], "TEST_MCP_TOKEN");
});

test("a server that drops the connection mid-call fails that call with McpDisconnectedError; the next call reconnects", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } });
  t.is(text(await m.callTool("remote", "echo", { text: "1" }, signal())), "echo:1");
  const error = await t.throwsAsync(m.callTool("remote", "drop", {}, signal()), { instanceOf: McpDisconnectedError });
  t.is(error?.code, "CODY_MCP_DISCONNECTED");
  t.like(error?.details, { server: "remote", tool: "mcp.remote.drop" });
  t.is(text(await m.callTool("remote", "echo", { text: "2" }, signal())), "echo:2");
  t.is(m.status("remote").starts, 2);
  t.is(server.sessions, 2);
});

test("a server that forgot the session (404) gets a new session and the call is sent again, once", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } });
  t.is(text(await m.callTool("remote", "echo", { text: "1" }, signal())), "echo:1");
  server.forgetSessions();
  t.is(text(await m.callTool("remote", "echo", { text: "2" }, signal())), "echo:2");
  t.is(server.sessions, 2);
  t.is(m.status("remote").starts, 2);
});

test("a server that goes away fails calls with typed errors until it is back; then calls work again", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } }, { connectAttempts: 2 });
  await m.callTool("remote", "echo", { text: "1" }, signal());
  await server.stop();
  const error = await t.throwsAsync(m.callTool("remote", "echo", { text: "2" }, signal()));
  t.true(error instanceof McpDisconnectedError || error instanceof McpError, String(error));
  const down = await t.throwsAsync(m.callTool("remote", "echo", { text: "3" }, signal()), { instanceOf: McpError });
  t.regex(down?.message ?? "", /"remote" failed to connect \(http:\/\/127\.0\.0\.1:\d+\/mcp\): cannot reach the server \(ECONNREFUSED\)/);
  await server.restart();
  t.is(text(await m.callTool("remote", "echo", { text: "4" }, signal())), "echo:4");
});

test("connection attempts are retried with backoff: connections reset twice, the third attempt connects", async (t) => {
  const server = await serve(t);
  server.resetConnections(2);
  const m = manager(t, { remote: { url: server.url } }, { connectAttempts: 3 });
  t.is(text(await m.callTool("remote", "echo", { text: "x" }, signal())), "echo:x");
  t.is(server.sessions, 1);

  const other = await serve(t);
  other.resetConnections(2);
  const once = manager(t, { remote: { url: other.url } }, { connectAttempts: 2 });
  await t.throwsAsync(once.callTool("remote", "echo", { text: "x" }, signal()), { instanceOf: McpError, message: /cannot reach the server/ });
});

test("a server that only speaks the old HTTP+SSE transport is reached through the fallback", async (t) => {
  const server = await serve(t, { sseOnly: true, token: "t" });
  const m = manager(t, { old: { url: server.url, headers: { Authorization: "Bearer t" } } });
  t.is(text(await m.callTool("old", "echo", { text: "sse" }, signal())), "echo:sse");
  t.is(m.status("old").transport, "sse");
  const direct = manager(t, { old: { url: server.url, type: "sse", headers: { Authorization: "Bearer t" } } });
  t.is(text(await direct.callTool("old", "echo", { text: "direct" }, signal())), "echo:direct");
});

test("an invalid or non-http url is an McpError naming the field", async (t) => {
  const m = manager(t, { a: { url: "not a url" }, b: { url: "ftp://h/x" } });
  await t.throwsAsync(m.listServerToolDefinitions("a"), { instanceOf: McpError, message: /invalid url \(mcpServers\.a\.url\)/ });
  await t.throwsAsync(m.listServerToolDefinitions("b"), { instanceOf: McpError, message: /must be http: or https:/ });
});

test("text results are capped at maxTextBytes with the built-in tools' marker: at the cap whole, one byte past it cut", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } }, { maxTextBytes: 1000 });
  const big = (await m.listServerToolDefinitions("remote")).find((d) => d.name === "mcp.remote.big");
  const at = (await big?.handler({ chars: 1000 }, context(tempDir(t)))) as { text: string }[];
  t.is(at[0]?.text, "x".repeat(1000));
  const past = (await big?.handler({ chars: 1001 }, context(tempDir(t)))) as { text: string }[];
  t.is(past[0]?.text, `${"x".repeat(1000)}\n[output truncated at 1000 bytes]`);
});

test("a multi-byte character is never split by the cap", async (t) => {
  const { capText } = await import("../../src/tools/mcp/cap.js");
  t.is(capText("ab€", 4), "ab\n[output truncated at 4 bytes]");
  t.is(capText("ab€", 5), "ab€");
});

test("a server's resources are read through mcp.<server>.readResource({ uri }), read-only", async (t) => {
  const server = await serve(t);
  const m = manager(t, { remote: { url: server.url } });
  const read = (await m.listServerToolDefinitions("remote")).find((d) => d.name === "mcp.remote.readResource");
  t.is(read?.risk, "read-only");
  t.deepEqual(await read?.handler({ uri: "file:///readme.md" }, context(tempDir(t))), {
    contents: [{ uri: "file:///readme.md", mimeType: "text/markdown", text: "# Remote readme" }],
  });
  await t.throwsAsync(read!.handler({ uri: "file:///nope" }, context(tempDir(t))), { message: /mcp\.remote\.readResource failed: .*nope/ });
});

test("maxTextBytes, connectAttempts and reconnectBackoffMs accept 1 and refuse 0", (t) => {
  for (const field of ["maxTextBytes", "connectAttempts", "reconnectBackoffMs"] as const) {
    t.notThrows(() => new McpManager({ servers: {}, cwd: "/", [field]: 1 }));
    const error = t.throws(() => new McpManager({ servers: {}, cwd: "/", [field]: 0 }), { instanceOf: InvalidOptionError });
    t.is(error?.details["path"], `mcp.${field}`);
  }
});
