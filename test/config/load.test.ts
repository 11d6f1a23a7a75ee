import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, loadConfigFile, parseConfig } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors/index.js";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-config-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const server = { command: "node", args: ["server.js"], env: { TOKEN: "x" }, readOnly: ["read"] };

test("a valid cody.json is loaded with its servers and unknown top-level sections kept", async (t) => {
  const dir = tempDir(t);
  const data = { mcpServers: { fs: server, "my-tool_2": { command: "x" } }, provider: { name: "future" }, limits: { timeoutMs: 100 } };
  writeFileSync(path.join(dir, "cody.json"), JSON.stringify(data, null, 2));
  const loaded = await loadConfigFile(dir);
  t.is(loaded.file, path.join(dir, "cody.json"));
  t.deepEqual(loaded.config, data);
});

test(".cody/config.json is used when cody.json does not exist", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, ".cody"));
  writeFileSync(path.join(dir, ".cody", "config.json"), JSON.stringify({ mcpServers: { fallback: server } }));
  const loaded = await loadConfigFile(dir);
  t.is(loaded.file, path.join(dir, ".cody", "config.json"));
  t.deepEqual(Object.keys(loaded.config.mcpServers), ["fallback"]);
});

test("cody.json wins over .cody/config.json, and an invalid cody.json does not fall through", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, ".cody"));
  writeFileSync(path.join(dir, ".cody", "config.json"), JSON.stringify({ mcpServers: { fallback: server } }));
  writeFileSync(path.join(dir, "cody.json"), JSON.stringify({ mcpServers: { primary: server } }));
  t.deepEqual(Object.keys((await loadConfig(dir)).mcpServers), ["primary"]);
  writeFileSync(path.join(dir, "cody.json"), "{");
  await t.throwsAsync(loadConfig(dir), { instanceOf: ConfigError });
});

test("no config file gives an empty configuration", async (t) => {
  const dir = tempDir(t);
  t.deepEqual(await loadConfigFile(dir), { config: { mcpServers: {} }, file: undefined });
  t.deepEqual(await loadConfig(path.join(dir, "does-not-exist")), { mcpServers: {} });
});

test("a file without mcpServers gets an empty mcpServers section", (t) => {
  t.deepEqual(parseConfig('{"approval": "on-request"}', "c.json"), { approval: "on-request", mcpServers: {} });
  t.deepEqual(parseConfig('\uFEFF{"mcpServers": {}}', "c.json"), { mcpServers: {} });
});

test("invalid JSON is a ConfigError with the file, line and column", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "cody.json");
  writeFileSync(file, '{\n  "mcpServers": {\n    "fs": { "command": "x", }\n  }\n}\n');
  const error = await t.throwsAsync(loadConfig(dir), { instanceOf: ConfigError });
  t.deepEqual(error?.details, { file, line: 3, column: 29 });
  t.deepEqual(error?.location, { file, line: 3, column: 29 });
  t.is(error?.message, `${file}:3:29: invalid JSON: expected a double-quoted property name, got character "}"`);
});

test("the JSON error position is right where JSON.parse gives none", (t) => {
  const cases: [string, number, number][] = [
    ['{"a":}', 1, 6],
    ['{"a": tru}', 1, 7],
    ["", 1, 1],
    ['{"a": 1}\n  x', 2, 3],
    ['{"a": "line\nbreak"}', 1, 12],
    ['{"a": [1, 2,]}', 1, 13],
    ['{"a": -}', 1, 7],
    ['{"a": "\\q"}', 1, 8],
  ];
  for (const [text, line, column] of cases) {
    const error = t.throws(() => parseConfig(text, "c.json"), { instanceOf: ConfigError }, JSON.stringify(text));
    t.deepEqual([error?.details["line"], error?.details["column"]], [line, column], JSON.stringify(text));
  }
});

test("a top level that is not an object is refused", (t) => {
  t.throws(() => parseConfig("[]", "c.json"), { instanceOf: ConfigError, message: /must be a JSON object, got \[\] \(array\)/ });
  t.throws(() => parseConfig("null", "c.json"), { instanceOf: ConfigError, message: /got null \(null\)/ });
});

test("schema errors name the file, the JSON path and the value received", (t) => {
  const cases: [unknown, string, unknown, string][] = [
    [{ mcpServers: { fs: { command: "x", args: "x" } } }, "mcpServers.fs.args", "x", 'mcpServers.fs.args must be array, got "x" (string)'],
    [{ mcpServers: { fs: { args: [] } } }, "mcpServers.fs.command", null, "mcpServers.fs.command is required"],
    [{ mcpServers: { fs: { command: "" } } }, "mcpServers.fs.command", "", "mcpServers.fs.command must NOT have fewer than 1 characters"],
    [{ mcpServers: { fs: { command: "x", args: ["a", 2] } } }, "mcpServers.fs.args[1]", 2, "mcpServers.fs.args[1] must be string, got 2 (number)"],
    [{ mcpServers: { fs: { command: "x", env: { A: 1 } } } }, "mcpServers.fs.env.A", 1, "mcpServers.fs.env.A must be string, got 1 (number)"],
    [{ mcpServers: { fs: { command: "x", arg: [] } } }, "mcpServers.fs.arg", [], "mcpServers.fs.arg is not a known field"],
    [{ mcpServers: { fs: { command: "x", readOnly: "yes" } } }, "mcpServers.fs.readOnly", "yes", "mcpServers.fs.readOnly must be true, false or an array of tool names"],
    [{ mcpServers: { fs: { command: "x", type: "ws" } } }, "mcpServers.fs.type", "ws", 'mcpServers.fs.type must be one of "stdio", "http", "streamable-http", "sse", got "ws"'],
    [{ mcpServers: { fs: { command: "x", type: "sse" } } }, "mcpServers.fs.type", "sse", 'mcpServers.fs.type "sse" is for a remote server (url)'],
    [{ mcpServers: { gh: { command: "x", url: "https://h/mcp" } } }, "mcpServers.gh", "command+url", "mcpServers.gh has both command and url"],
    [{ mcpServers: { gh: { url: "https://h/mcp", args: [] } } }, "mcpServers.gh.args", [], "mcpServers.gh.args is only for a local server"],
    [{ mcpServers: { gh: { command: "x", headers: {} } } }, "mcpServers.gh.headers", {}, "mcpServers.gh.headers is only for a remote server (url)"],
    [{ mcpServers: { gh: { headers: { A: "b" } } } }, "mcpServers.gh.url", null, "mcpServers.gh.url is required for a remote server"],
    [{ mcpServers: { gh: { url: "https://h/mcp", headers: { A: 1 } } } }, "mcpServers.gh.headers.A", 1, "mcpServers.gh.headers.A must be string, got 1 (number)"],
    [{ mcpIndexThreshold: -1 }, "mcpIndexThreshold", -1, "mcpIndexThreshold must be >= 0"],
    [{ mcpIndexThreshold: 1.5 }, "mcpIndexThreshold", 1.5, "mcpIndexThreshold must be integer"],
    [{ mcpServers: { "my.server": { command: "x" } } }, 'mcpServers["my.server"]', "my.server", 'mcpServers has an invalid server name "my.server"'],
    [{ mcpServers: [] }, "mcpServers", [], "mcpServers must be object, got [] (array)"],
    [{ mcpServers: { fs: "node x" } }, "mcpServers.fs", "node x", 'mcpServers.fs must be object, got "node x" (string)'],
  ];
  for (const [data, pathText, value, message] of cases) {
    const error = t.throws(() => parseConfig(JSON.stringify(data), "/w/cody.json"), { instanceOf: ConfigError }, pathText);
    t.is(error?.details["file"], "/w/cody.json");
    t.is(error?.details["path"], pathText);
    t.deepEqual(error?.details["value"], value, pathText);
    t.true(error?.message.startsWith(`/w/cody.json: ${message}`), error?.message);
  }
});

test("a remote server entry (url, headers with ${ENV} references) loads with its references kept unresolved", (t) => {
  const text = JSON.stringify({
    mcpServers: { github: { type: "http", url: "https://api.example/mcp", headers: { Authorization: "Bearer ${GITHUB_TOKEN}" } } },
    mcpIndexThreshold: 0,
  });
  const config = parseConfig(text, "c.json");
  t.deepEqual(config.mcpServers["github"], {
    type: "http",
    url: "https://api.example/mcp",
    headers: { Authorization: "Bearer ${GITHUB_TOKEN}" },
  });
  t.is(config.mcpIndexThreshold, 0);
});

test("limits are checked by normalizeLimits: the minimum is accepted and one below is refused", (t) => {
  t.notThrows(() => parseConfig('{"limits": {"timeoutMs": 1}}', "c.json"));
  const error = t.throws(() => parseConfig('{"limits": {"timeoutMs": 0}}', "c.json"), { instanceOf: ConfigError });
  t.like(error?.details, { file: "c.json", path: "limits.timeoutMs", value: 0 });
  t.throws(() => parseConfig('{"limits": {"nope": 1}}', "c.json"), { instanceOf: ConfigError, message: /limits\.nope/ });
  t.throws(() => parseConfig('{"limits": 5}', "c.json"), { instanceOf: ConfigError, message: /limits must be object/ });
});

test("a config path that cannot be read as a file is a ConfigError, not a silent fallback", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, "cody.json"));
  const error = await t.throwsAsync(loadConfig(dir), { instanceOf: ConfigError });
  t.is(error?.details["file"], path.join(dir, "cody.json"));
});

test("a config file's limits may not name keys inherited from Object.prototype", (t) => {
  t.throws(() => parseConfig('{"limits": {"constructor": 1}}', "c.json"), { instanceOf: ConfigError, message: /limits\.constructor/ });
});

test("comments are allowed (// and /* */), a // inside a string is kept, and error positions still point at the line", (t) => {
  const text = '// top\n{\n  /* limits\n     here */ "limits": { "timeoutMs": 100 }, // one\n  "note": "http://x // y"\n}\n';
  const config = parseConfig(text, "cody.json");
  t.is(config.limits?.timeoutMs, 100);
  t.is(config["note"], "http://x // y");
  const error = t.throws(() => parseConfig('// c\n{\n  "a": 1 // c\n  "b": 2\n}\n', "cody.json"), { instanceOf: ConfigError });
  t.regex(error.message, /^cody\.json:4:3: invalid JSON/);
});
