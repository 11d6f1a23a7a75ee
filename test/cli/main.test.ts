import { execFileSync } from "node:child_process";
import os from "node:os";
import test from "ava";
import { isLimitError } from "../../src/errors/index.js";
import { buildProgram } from "../../src/cli/main.js";
import { runCody } from "../helpers/cli.js";

test("cody --help lists every command even though commands are loaded only when named", async (t) => {
  const r = await runCody(["--help"], { cwd: os.tmpdir() });
  t.is(r.code, 0, r.stderr);
  for (const name of ["init", "script", "tools", "cache", "runs", "conversations", "exec", "serve"]) t.regex(r.stdout, new RegExp(`\\n  ${name}\\b`));
  const script = await runCody(["script", "--help"], { cwd: os.tmpdir() });
  for (const name of ["check", "compile", "ls", "run"]) t.regex(script.stdout, new RegExp(`\\n  ${name}\\b`));
});

test("help built from the command summaries (no command module loaded) is exactly the loaded commands' help", async (t) => {
  const loaded = await buildProgram(["frobnicate"]); // an unrecognised word loads every command module
  const light = await buildProgram(["--help"]);
  t.is(light.helpInformation(), loaded.helpInformation());
  for (const group of ["script", "tools"]) {
    const help = (p: typeof loaded): string | undefined => p.commands.find((c) => c.name() === group)?.helpInformation();
    t.is(help(light), help(loaded));
  }
  t.is(light.commands.find((c) => c.name() === "cache")?.commands.length, 0, "summaries register no subcommands");
});

test("cody --version prints the version and exits 0", async (t) => {
  const r = await runCody(["--version"], { cwd: os.tmpdir() });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), "0.1.0");
});

test("an unknown command is a usage error with exit code 2", async (t) => {
  const r = await runCody(["frobnicate"], { cwd: os.tmpdir() });
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown command 'frobnicate'/);
});

test("limit errors are the CODY_LIMIT_* codes, an oversized script and a full pool queue", (t) => {
  t.true(isLimitError({ code: "CODY_LIMIT_TIMEOUT" }));
  t.true(isLimitError({ code: "CODY_SCRIPT_TOO_LARGE" }));
  t.true(isLimitError({ code: "CODY_POOL_QUEUE_FULL" }));
  t.false(isLimitError({ code: "CODY_SCRIPT_RUNTIME" }));
  t.false(isLimitError(undefined));
});

test("a cached run's modules load neither esbuild nor ajv (the harness, and a built-in tool's argument check)", (t) => {
  const dist = new URL("../../src/", import.meta.url).href;
  const code = `
    import { createRequire } from "node:module";
    await import(${JSON.stringify(`${dist}harness.js`)});
    const { validateToolArgs } = await import(${JSON.stringify(`${dist}tools/validation/validate.js`)});
    const { readFileTool } = await import(${JSON.stringify(`${dist}tools/handlers/read-file.js`)});
    validateToolArgs(readFileTool, { path: "a.txt" });
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ esbuild: loaded.some((f) => f.includes("/node_modules/esbuild/lib/")), ajv: loaded.some((f) => f.includes("/node_modules/ajv/dist/ajv.js")) }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  t.deepEqual(JSON.parse(out), { esbuild: false, ajv: false });
});
