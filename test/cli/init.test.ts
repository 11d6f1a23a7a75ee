import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { CODY_BIN, runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

/** The project's own TypeScript 7 `tsc`, as an editor (or a person) would run it. */
const TSC = path.resolve(path.dirname(CODY_BIN), "..", "node_modules", "typescript7", "bin", "tsc");

function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(args, { cwd, env: { ...process.env, CODY_DB: "" } });
}

function tsc(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, ...args], { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Diag {
  file: string;
  line: number;
  column: number;
  code: number;
  message: string;
}

/** `file(line,col): error TSnnnn: message` lines of tsc's plain output. */
function parseTsc(out: string): Diag[] {
  return [...out.matchAll(/^(.+?)\((\d+),(\d+)\): error TS(\d+): (.*)$/gm)].map((m) => ({
    file: m[1] as string,
    line: Number(m[2]),
    column: Number(m[3]),
    code: Number(m[4]),
    message: m[5] as string,
  }));
}

test("cody init writes a commented cody.json that loads, .cody/.gitignore, tools.d.ts and a scripts tsconfig", async (t) => {
  const dir = tempWorkspace(t);
  const r = await cody(["init"], dir);
  t.is(r.code, 0, r.stderr);
  const config = readFileSync(path.join(dir, "cody.json"), "utf8");
  t.regex(config, /^\/\/ /m);
  t.regex(config, /"timeoutMs": 5000, +\/\/ flag --timeout <ms>/);
  t.regex(config, /"memoryBytes": 16777216, +\/\/ 16 MB; flag --memory <MB>/);
  t.regex(config, /--approval untrusted\|on-request\|never/);
  t.regex(config, /"mcpServers": \{\}/);
  t.regex(readFileSync(path.join(dir, ".cody", ".gitignore"), "utf8"), /^\*$/m);
  t.regex(readFileSync(path.join(dir, ".cody", "tools.d.ts"), "utf8"), /declare const tools/);
  t.true(existsSync(path.join(dir, "scripts", "tsconfig.json")));
  t.regex(r.stderr, /wrote {3}cody\.json/);

  // The commented file is a valid configuration: a run from inside scripts/ uses it (and the workspace above).
  writeFileSync(path.join(dir, "cody.json"), config.replace('"timeoutMs": 5000', '"timeoutMs": 4000'));
  writeFileSync(path.join(dir, "scripts", "one.ts"), "return 1;\n");
  const run = await cody(["script", "run", "one.ts"], path.join(dir, "scripts"));
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /limits: 4000 ms/);

  // Existing files are kept unless --force.
  const again = await cody(["init"], dir);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, /kept {4}cody\.json/);
  t.regex(readFileSync(path.join(dir, "cody.json"), "utf8"), /"timeoutMs": 4000/);
});

test("after cody init, TypeScript's own tsc reports the same type errors as cody script check", async (t) => {
  const dir = tempWorkspace(t);
  t.is((await cody(["init"], dir)).code, 0);
  writeFileSync(
    path.join(dir, "scripts", "bad.ts"),
    'const r = await tools.readFile({ path: "cody.json" });\nconst n: string = r.totalLines;\nconst e = await tools.glob({ pattern: 7 });\nprocess.exit(1);\nconsole.log(n, e);\n',
  );
  writeFileSync(path.join(dir, "scripts", "good.ts"), 'const l = await tools.listDir({ path: "." });\nconsole.log(l.entries.length);\n');

  const check = await cody(["script", "check", "--format", "json", "scripts/*.ts"], dir);
  t.is(check.code, 1, check.stderr);
  const ours = (JSON.parse(check.stdout) as { diagnostics: Diag[] }).diagnostics;
  const theirs = parseTsc((await tsc(["-p", "scripts/tsconfig.json"], dir)).stdout);
  t.true(ours.length >= 3);
  // Same files, positions and codes; the type errors' messages are identical too (the checker only rewords its bans).
  t.deepEqual(
    theirs.map((d) => [d.file, d.line, d.column, d.code]),
    ours.map((d) => [d.file, d.line, d.column, d.code]),
  );
  const byCode = (list: Diag[], code: number) => list.find((d) => d.code === code)?.message;
  t.is(byCode(theirs, 2322), byCode(ours, 2322));
  t.is(byCode(ours, 2322), "Type 'number' is not assignable to type 'string'.");
  t.regex(byCode(ours, 2591) ?? "", /`process` is not available in Cody scripts/);
});

test("the editor setup's one known difference: a top-level return is TS1108 to plain tsc and fine to the checker", async (t) => {
  const dir = tempWorkspace(t);
  t.is((await cody(["init"], dir)).code, 0);
  writeFileSync(path.join(dir, "scripts", "ret.ts"), 'const l = await tools.listDir({ path: "." });\nreturn l.entries.length;\n');
  const check = await cody(["script", "check", "scripts/ret.ts"], dir);
  t.is(check.code, 0, check.stdout);
  const plain = parseTsc((await tsc(["-p", "scripts/tsconfig.json"], dir)).stdout);
  t.deepEqual(plain.map((d) => [d.line, d.code]), [[2, 1108]]);
});
