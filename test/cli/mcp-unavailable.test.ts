import { createRequire } from "node:module";
import path from "node:path";
import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(args, { cwd, env: { ...process.env, CODY_DB: "" } });
}

const CONFIG = JSON.stringify({ mcpServers: { broken: { command: "cody-no-such-mcp-server-xyz" } } });
const WARNING = /^cody: warning: MCP server "broken" failed to start \(cody-no-such-mcp-server-xyz\): command not found; its tools \(tools\.mcp\.broken\.\*\) are left out until it starts$/m;
const count = (text: string, re: RegExp): number => text.split("\n").filter((l) => re.test(l)).length;

test("a broken MCP server is one warning for script run, script check and tools dts of scripts that do not use it", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": CONFIG, "a.ts": 'const l = await tools.listDir({ path: "." });\nreturn l.entries.length > 0;\n' });
  const run = await cody(["script", "run", "-q", "a.ts"], cwd);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout.trim(), "true");
  t.is(count(run.stderr, /MCP server "broken"/), 1);
  t.regex(run.stderr, WARNING);

  const check = await cody(["script", "check", "a.ts"], cwd);
  t.is(check.code, 0, check.stderr);
  t.regex(check.stderr, WARNING);

  const dts = await cody(["tools", "dts"], cwd);
  t.is(dts.code, 0, dts.stderr);
  t.regex(dts.stderr, WARNING);
  t.regex(dts.stdout, /declare const tools/);
  t.notRegex(dts.stdout, /broken/);
});

test("only a script that uses the broken server fails, with CODY_MCP_UNAVAILABLE at the line that uses it", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": CONFIG, "b.ts": 'const n = 1;\nreturn await tools.mcp.broken.read({ n });\n' });
  const run = await cody(["script", "run", "-q", "b.ts"], cwd);
  t.is(run.code, 1);
  t.regex(run.stderr, /McpUnavailableError \[CODY_MCP_UNAVAILABLE\]: tools\.mcp\.broken is unavailable: MCP server "broken" failed to start .*command not found \(b\.ts:2:20\)/);
  // Without the type-check the same typed error comes first (not a TypeError from an undefined property).
  const unchecked = await cody(["script", "run", "-q", "--no-check", "b.ts"], cwd);
  t.is(unchecked.code, 1);
  t.regex(unchecked.stderr, /CODY_MCP_UNAVAILABLE/);
});

const require = createRequire(import.meta.url);
const EVERYTHING = path.join(path.dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")), "dist/index.js");

test("beside a broken server a working one serves its tools, and the banner counts MCP tools per server on one line", async (t) => {
  const config = JSON.stringify({
    mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, "stdio"] }, broken: { command: "cody-no-such-mcp-server-xyz" } },
  });
  const cwd = tempWorkspace(t, { "cody.json": config, "e.ts": 'return await tools.mcp.everything.echo({ message: "hi" });\n' });
  const r = await cody(["script", "run", "--allow", "mcp.everything.echo", "e.ts"], cwd);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /hi/);
  t.regex(r.stderr, WARNING);
  const toolsLine = r.stderr.split("\n").find((l) => l.startsWith("  tools: ")) ?? "";
  t.regex(toolsLine, /^ {2}tools: applyPatch, describe, exec, glob, listDir, readFile, search, writeFile; mcp: everything \d+$/);
});
