import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { CODY_BIN, runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

const ROOT = path.resolve(path.dirname(CODY_BIN), "..");

/** ES modules a spawned `cody` loads (main thread and workers), as file paths relative to the package root. */
async function loadedModules(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; files: string[]; stderr: string }> {
  // A module-loading hook that names each module loaded, on stderr.
  writeFileSync(path.join(cwd, "hook.mjs"), 'export async function load(url, context, next) { console.error(`LOADED ${url}`); return next(url, context); }\n');
  writeFileSync(path.join(cwd, "register.mjs"), 'import { register } from "node:module";\nregister("./hook.mjs", import.meta.url);\n');
  const child = spawn(process.execPath, ["--import", "./register.mjs", CODY_BIN, ...args], { cwd, env: { ...process.env, CODY_DB: "", ...env } });
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
  // The module hook sees ES modules only: dist/cli/cody.cjs (a script bin/cody.js compiles) is seen through its report.
  const r = await loadedModules(["script", "run", "-q", "c.ts"], cwd, { CODY_CODE_CACHE_REPORT: "1" });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^code cache run: accepted$/m);
  t.false(r.files.includes(path.join("dist", "cli", "cody.js")), r.files.join("\n"));
  t.false(r.files.includes(path.join("dist", "cli", "runtime-worker.js")), r.files.join("\n"));
  t.deepEqual(r.files.filter((f) => f.startsWith(path.join("dist", "src"))), []);
});

test("the bundles' source maps lead to the TypeScript sources", (t) => {
  for (const file of ["cody.js.map", "cody.cjs.map"]) {
    const map = JSON.parse(readFileSync(path.join(ROOT, "dist", "cli", file), "utf8")) as { sources: string[] };
    t.true(map.sources.some((s) => s.endsWith("src/cli/main.ts")), `${file}: ${map.sources.join("\n")}`);
  }
});

test("script run, script check and --version compile the CLI with a code cache V8 accepts", async (t) => {
  const cwd = tempWorkspace(t, { "hello.txt": "hi\n", "c.ts": 'return (await tools.readFile({ path: "hello.txt" })).totalLines;\n' });
  const env = { ...process.env, CODY_DB: "", CODY_CODE_CACHE_REPORT: "1" };
  for (const [args, kind] of [[["script", "run", "-q", "c.ts"], "run"], [["script", "check", "c.ts"], "check"], [["--version"], "main"]] as const) {
    const r = await runCody(args, { cwd, env });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`^code cache ${kind}: accepted$`, "m"), args.join(" "));
  }
});

test("with --enable-source-maps the CLI runs its ES module bundle, whose stacks Node maps to src/", async (t) => {
  const cwd = tempWorkspace(t, { "c.ts": "return 1;\n" });
  const child = spawn(process.execPath, ["--enable-source-maps", CODY_BIN, "script", "run", "-q", "c.ts"], {
    cwd,
    env: { ...process.env, CODY_DB: "", CODY_CODE_CACHE_REPORT: "1" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(code, 0, out);
  t.notRegex(out, /code cache/);
});

test("a code cache made for another build of dist/cli/cody.cjs (even one of the same length) is not used", async (t) => {
  // A copy of the launcher and the script bundle, so the script can be replaced without touching the shared build.
  const root = tempWorkspace(t);
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  for (const f of ["bin/cody.js", "bin/package.json", "dist/cli/cody.cjs"]) copyFileSync(path.join(ROOT, f), path.join(root, f));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
  const script = path.join(root, "dist", "cli", "cody.cjs");
  const version = async (env: NodeJS.ProcessEnv = { CODY_CODE_CACHE_REPORT: "1" }): Promise<{ code: number | null; out: string }> => {
    const child = spawn(process.execPath, [path.join(root, "bin", "cody.js"), "--version"], { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    return { code: await new Promise<number | null>((resolve) => child.on("close", resolve)), out };
  };
  t.is((await version({ CODY_WRITE_CODE_CACHE: "1" })).code, 0); // as the build's warm-up writes it
  const same = await version();
  t.is(same.code, 0, same.out);
  t.regex(same.out, /^code cache main: accepted$/m);
  // Another build: other text of the same length, with its own id. V8 alone would run the cached functions for it.
  const text = readFileSync(script, "utf8");
  const id = /cody-build ([0-9a-f]{64})\n$/.exec(text)?.[1] ?? "";
  t.is(id.length, 64);
  const other = text.replace("Run type-checked TypeScript scripts", "Run type-checked TypeScript scriptz").replace(id, "0".repeat(64));
  t.is(other.length, text.length);
  writeFileSync(script, other);
  const changed = await version();
  t.is(changed.code, 0, changed.out);
  t.regex(changed.out, /^code cache main: stale$/m);
});
