/**
 * `cody script check` keeps each file's verdict in `.cody/checks/` (src/cli/check-verdicts.ts): a re-check of a file
 * whose text, declarations and compiler did not change is answered from it, without starting the compiler.
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function check(args: string[], cwd: string): Promise<CliRun> {
  return runCody(["script", "check", ...args], { cwd, env: { ...process.env, CODY_DB: "" } });
}

const GOOD = 'const r = await tools.readFile({ path: "README.md" });\nreturn { lines: r.totalLines };\n';
const BAD = 'const r = await tools.readFile({ path: "README.md" });\nconst n: string = r.totalLines;\nreturn n;\n';

test("a re-check of unchanged files prints exactly what the first check printed, in every format, with its exit code", async (t) => {
  const cwd = tempWorkspace(t, { "good.ts": GOOD, "bad.ts": BAD });
  for (const format of ["human", "json", "github", "sarif"]) {
    const first = await check(["bad.ts", "good.ts", "--format", format], cwd);
    const again = await check(["bad.ts", "good.ts", "--format", format], cwd);
    t.is(first.code, 1, first.stderr);
    t.deepEqual(again, first, format);
  }
});

test("a re-check of unchanged files does not reach the compiler: a 1 ms --check-timeout cannot expire", async (t) => {
  const cwd = tempWorkspace(t, { "good.ts": GOOD, "bad.ts": BAD });
  const first = await check(["good.ts", "bad.ts"], cwd);
  t.is(first.code, 1, first.stderr);
  // A check that reached the compiler with a 1 ms deadline would end in CheckTimeoutError (exit 3).
  const again = await check(["good.ts", "bad.ts", "--check-timeout", "1"], cwd);
  t.is(again.code, 1, again.stderr);
  t.is(again.stdout, first.stdout);
  t.is(readdirSync(path.join(cwd, ".cody", "checks")).length, 2);
});

test("a changed file is checked again (its slot is replaced), the unchanged one keeps its verdict", async (t) => {
  const cwd = tempWorkspace(t, { "a.ts": GOOD, "b.ts": "return 1;\n" });
  t.is((await check(["a.ts", "b.ts"], cwd)).code, 0);
  writeFileSync(path.join(cwd, "a.ts"), BAD);
  const broken = await check(["a.ts", "b.ts"], cwd);
  t.is(broken.code, 1, broken.stderr);
  t.regex(broken.stdout, /^a\.ts\(2,7\): error TS2322/m);
  writeFileSync(path.join(cwd, "a.ts"), GOOD);
  const fixed = await check(["a.ts", "b.ts"], cwd);
  t.is(fixed.code, 0, fixed.stdout);
  t.is(readdirSync(path.join(cwd, ".cody", "checks")).length, 2);
});

test("a verdict is per workspace declarations: changing the tools (cody.json's MCP servers) checks again", async (t) => {
  // The same file, checked against declarations without and with the `describe` tool MCP servers bring.
  const cwd = tempWorkspace(t, { "d.ts": 'const d = await tools.describe({ pattern: "readFile" });\nreturn d;\n' });
  const without = await check(["d.ts"], cwd);
  t.is(without.code, 1, without.stderr);
  t.regex(without.stdout, /describe/);
  writeFileSync(
    path.join(cwd, "cody.json"),
    JSON.stringify({ mcpServers: { none: { command: process.execPath, args: ["-e", "process.exit(1)"] } } }),
  );
  const withServers = await check(["d.ts"], cwd);
  t.is(withServers.code, 0, withServers.stdout + withServers.stderr);
});
