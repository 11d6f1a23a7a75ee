import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { generateToolsDts } from "../../src/compiler/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

function cody(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "tools", "dts", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("cody tools dts prints exactly the declarations scripts are checked against", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await cody([], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, (await generateToolsDts(BUILTIN_SPECS)).text);
  t.regex(r.stdout, /declare const tools: \{/);
});

test("cody tools dts --out writes the file (creating directories) and prints nothing", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await cody(["--out", "types/tools.d.ts"], dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, "");
  t.is(readFileSync(path.join(dir, "types", "tools.d.ts"), "utf8"), (await generateToolsDts(BUILTIN_SPECS)).text);
});

test("cody tools dts --out under a path that is a file is an I/O error (exit 2)", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-dts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "afile"), "x");
  const r = await cody(["--out", "afile/tools.d.ts"], dir);
  t.is(r.code, 2);
  t.regex(r.stderr, /cannot write/);
});
