import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { CODY_BIN } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

const ROOT = path.resolve(path.dirname(CODY_BIN), "..");

/** ES modules a spawned `cody` loads (main thread and workers), as file paths relative to the package root. */
async function loadedModules(args: string[], cwd: string): Promise<{ code: number | null; files: string[]; stderr: string }> {
  // A module-loading hook that names each module loaded, on stderr.
  writeFileSync(path.join(cwd, "hook.mjs"), 'export async function load(url, context, next) { console.error(`LOADED ${url}`); return next(url, context); }\n');
  writeFileSync(path.join(cwd, "register.mjs"), 'import { register } from "node:module";\nregister("./hook.mjs", import.meta.url);\n');
  const child = spawn(process.execPath, ["--import", "./register.mjs", CODY_BIN, ...args], { cwd, env: { ...process.env, CODY_DB: "" } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const files = [...stderr.matchAll(/^LOADED file:\/\/(\S+)$/gm)].map((m) => path.relative(ROOT, m[1]!));
  return { code, files, stderr };
}

test("a script run loads the bundled CLI, not the modules under dist/src/, and no worker (its one script runs in-thread)", async (t) => {
  const cwd = tempWorkspace(t, { "hello.txt": "hi\n", "c.ts": 'return (await tools.readFile({ path: "hello.txt" })).totalLines;\n' });
  const r = await loadedModules(["script", "run", "-q", "c.ts"], cwd);
  t.is(r.code, 0, r.stderr);
  t.true(r.files.includes(path.join("dist", "cli", "cody.js")), r.files.join("\n"));
  t.false(r.files.includes(path.join("dist", "cli", "runtime-worker.js")), r.files.join("\n"));
  t.deepEqual(r.files.filter((f) => f.startsWith(path.join("dist", "src"))), []);
});

test("the bundle's source map leads to the TypeScript sources", (t) => {
  const map = JSON.parse(readFileSync(path.join(ROOT, "dist", "cli", "cody.js.map"), "utf8")) as { sources: string[] };
  t.true(map.sources.some((s) => s.endsWith("src/cli/main.ts")), map.sources.join("\n"));
});
