import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { createHarness } from "../../src/harness.js";

function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(["tools", "dts", ...args], { cwd, env: { ...process.env, CODY_DB: "" } });
}

/** What `harness.run` and `harness.check` check scripts in `cwd` against. */
async function harnessDts(cwd: string): Promise<string> {
  const harness = await createHarness({ cwd, dbPath: ":memory:" });
  try {
    return (await harness.toolsDts()).text;
  } finally {
    await harness.close();
  }
}

test("cody tools dts prints exactly the declarations scripts are checked against", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await cody([], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, await harnessDts(dir));
  t.regex(r.stdout, /declare const tools: \{/);
});

test("cody tools dts --out writes the file (creating directories) and prints nothing on stdout", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await cody(["--out", "types/tools.d.ts"], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, "");
  t.is(readFileSync(path.join(dir, "types", "tools.d.ts"), "utf8"), await harnessDts(dir));
});

test("cody tools dts --out under a path that is a file is an I/O error (exit 2)", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "afile"), "x");
  const r = await cody(["--out", "afile/tools.d.ts"], dir);
  t.is(r.code, 2);
  t.regex(r.stderr, /cannot write/);
});
