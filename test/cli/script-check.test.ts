import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { CODY_BIN, runCody, type CliRun } from "../helpers/cli.js";

/** Spawn the real CLI (`node bin/cody.js script check …`) in `cwd`. */
function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(["script", "check", ...args], { cwd });
}

const GOOD = 'const r = await tools.readFile({ path: "README.md" });\nreturn { lines: r.totalLines };\n';
const BAD = 'const r = await tools.readFile({ path: "README.md" });\nconst n: string = r.totalLines;\nreturn n;\n';

/** A workspace with one clean and one broken script (and a nested clean one for globs). */
function workspace(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cody-check-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "scripts", "nested"), { recursive: true });
  writeFileSync(path.join(dir, "scripts", "good.ts"), GOOD);
  writeFileSync(path.join(dir, "scripts", "nested", "deep.ts"), "return 42;\n");
  writeFileSync(path.join(dir, "bad.ts"), BAD);
  return dir;
}

test("clean scripts exit 0 and say so", async (t) => {
  const dir = workspace(t);
  const r = await cody(["scripts/good.ts"], dir);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /No problems found/);
});

test("human format prints tsc-style headings with a code frame and exits 1", async (t) => {
  const dir = workspace(t);
  const r = await cody(["bad.ts", "scripts/good.ts"], dir);
  t.is(r.code, 1);
  t.regex(r.stdout, /^bad\.ts\(2,7\): error TS2322: Type 'number' is not assignable to type 'string'\./m);
  t.regex(r.stdout, /> 2 \| const n: string = r\.totalLines;\n\s+\| +\^/);
  t.regex(r.stdout, /Found 1 error in 1 file\./);
});

test("globs expand without a shell, recursively, and all files are checked together", async (t) => {
  const dir = workspace(t);
  const r = await cody(["scripts/**/*.ts", "--format", "json"], dir);
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { files: string[]; errorCount: number };
  t.deepEqual(report.files, ["scripts/good.ts", "scripts/nested/deep.ts"]);
  t.is(report.errorCount, 0);
});

test("a glob matching nothing is a usage error (exit 2)", async (t) => {
  const dir = workspace(t);
  const r = await cody(["nothing/**/*.ts"], dir);
  t.is(r.code, 2);
  t.regex(r.stderr, /No files match `nothing\/\*\*\/\*\.ts`/);
});

test("json format lists diagnostics with positions and counts", async (t) => {
  const dir = workspace(t);
  const r = await cody(["--format", "json", "bad.ts"], dir);
  t.is(r.code, 1);
  const report = JSON.parse(r.stdout) as { diagnostics: { file: string; line: number; column: number; code: number }[]; errorCount: number };
  t.is(report.errorCount, 1);
  t.like(report.diagnostics[0], { file: "bad.ts", line: 2, column: 7, code: 2322 });
});

test("github format prints workflow annotations", async (t) => {
  const dir = workspace(t);
  const r = await cody(["--format", "github", "bad.ts", "scripts/good.ts"], dir);
  t.is(r.code, 1);
  t.is(
    r.stdout,
    "::error file=bad.ts,line=2,col=7,endLine=2,endColumn=8,title=TS2322::Type 'number' is not assignable to type 'string'.\n",
  );
});

test("sarif format is a valid SARIF 2.1.0 log with one result per diagnostic", async (t) => {
  const dir = workspace(t);
  const r = await cody(["--format", "sarif", "bad.ts"], dir);
  t.is(r.code, 1);
  const log = JSON.parse(r.stdout) as {
    version: string;
    $schema: string;
    runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: Record<string, unknown>[] }[];
  };
  t.is(log.version, "2.1.0");
  t.regex(log.$schema, /sarif-2\.1\.0/);
  const run = log.runs[0]!;
  t.is(run.tool.driver.name, "cody");
  t.deepEqual(run.tool.driver.rules.map((r) => r.id), ["TS2322"]);
  t.is(run.results.length, 1);
  t.like(run.results[0], {
    ruleId: "TS2322",
    ruleIndex: 0,
    level: "error",
    locations: [{ physicalLocation: { artifactLocation: { uri: "bad.ts" }, region: { startLine: 2, startColumn: 7 } } }],
  });
});

test("sarif for clean files has an empty results array and exits 0", async (t) => {
  const dir = workspace(t);
  const r = await cody(["--format", "sarif", "scripts/good.ts"], dir);
  t.is(r.code, 0);
  t.deepEqual((JSON.parse(r.stdout) as { runs: { results: unknown[] }[] }).runs[0]?.results, []);
});

for (const [name, setup, message] of [
  ["a missing file", (_dir: string) => "missing.ts", /missing\.ts: cannot read script: no such file/],
  ["a directory", (_dir: string) => "scripts", /scripts: is a directory/],
  [
    "a binary file",
    (dir: string) => {
      writeFileSync(path.join(dir, "bin.ts"), Buffer.from([1, 2, 0, 3]));
      return "bin.ts";
    },
    /bin\.ts: file looks binary/,
  ],
  [
    "invalid UTF-8",
    (dir: string) => {
      writeFileSync(path.join(dir, "latin1.ts"), Buffer.from("return 'caf\xe9';", "latin1"));
      return "latin1.ts";
    },
    /latin1\.ts: file is not valid UTF-8/,
  ],
  [
    "an empty file",
    (dir: string) => {
      writeFileSync(path.join(dir, "empty.ts"), "\n  // only a comment\n");
      return "empty.ts";
    },
    /empty\.ts: script is empty/,
  ],
  [
    "a file one byte over 20 KB",
    (dir: string) => {
      writeFileSync(path.join(dir, "big.ts"), "return 1;\n// " + "a".repeat(20481 - 14) + "\n");
      return "big.ts";
    },
    /big\.ts: script is 20\.0 KB \(20481 bytes\), over the 20 KB limit/,
  ],
] as const) {
  // Over the size limit is a limit (exit 3, as `script run`); the other input problems are usage errors (exit 2).
  const exit = name.includes("over 20 KB") ? 3 : 2;
  test(`${name} is an input error: exit ${exit} with a clear message, in every format`, async (t) => {
    const dir = workspace(t);
    const file = setup(dir);
    for (const format of ["human", "json", "github", "sarif"]) {
      const r = await cody(["--format", format, file, "scripts/good.ts"], dir);
      t.is(r.code, exit, `${format}: ${r.stdout}${r.stderr}`);
      t.regex(r.stderr, message);
      if (format === "json") t.is((JSON.parse(r.stdout) as { inputErrors: unknown[] }).inputErrors.length, 1);
      if (format === "sarif") {
        const inv = (JSON.parse(r.stdout) as { runs: { invocations: { executionSuccessful: boolean }[] }[] }).runs[0]?.invocations[0];
        t.false(inv?.executionSuccessful);
      }
      if (format === "github") t.regex(r.stdout, /^::error file=/m);
    }
  });
}

test("a file of exactly 20480 bytes is accepted", async (t) => {
  const dir = workspace(t);
  writeFileSync(path.join(dir, "edge.ts"), "return 1;\n// " + "a".repeat(20480 - 14) + "\n");
  const r = await cody(["edge.ts"], dir);
  t.is(r.code, 0, r.stderr);
});

test("an unknown format and a missing --cwd directory are usage errors (exit 2)", async (t) => {
  const dir = workspace(t);
  const bad = await cody(["--format", "xml", "bad.ts"], dir);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /Allowed choices are human, json, github, sarif/);
  const cwd = await cody(["--cwd", "nowhere", "bad.ts"], dir);
  t.is(cwd.code, 2);
  t.regex(cwd.stderr, /is not a directory/);
});

test("--cwd only names the workspace: files resolve against the shell's directory and are named relative to the workspace", async (t) => {
  const dir = workspace(t);
  const r = await cody(["--cwd", dir, "--format", "json", path.join(dir, "bad.ts")], os.tmpdir());
  t.is(r.code, 1);
  t.is((JSON.parse(r.stdout) as { diagnostics: { file: string }[] }).diagnostics[0]?.file, "bad.ts");
  const relative = await cody(["--cwd", dir, "bad.ts"], os.tmpdir());
  t.is(relative.code, 2);
  t.regex(relative.stderr, /no such file/);
});

test("the shipped examples check clean and the broken example fails", async (t) => {
  const root = path.resolve(path.dirname(CODY_BIN), "..");
  const ok = await cody(["examples/*.ts"], root);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  const broken = await cody(["examples/broken/type-error.ts"], root);
  t.is(broken.code, 1);
  t.regex(broken.stdout, /examples\/broken\/type-error\.ts\(3,7\): error TS2322/);
});

test("check caches the generated declarations beside the database and a later check reuses them", async (t) => {
  const cwd = workspace(t);
  const first = await cody(["scripts/good.ts"], cwd);
  t.is(first.code, 0, first.stderr);
  const dtsDir = path.join(cwd, ".cody", "dts");
  const cached = readdirSync(dtsDir).filter((f) => f.endsWith(".d.ts"));
  t.is(cached.length, 1);
  const printed = await runCody(["tools", "dts"], { cwd });
  t.is(readFileSync(path.join(dtsDir, cached[0]!), "utf8"), printed.stdout);
  const again = await cody(["bad.ts"], cwd);
  t.is(again.code, 1);
  t.regex(again.stdout, /TS2322/);
});
