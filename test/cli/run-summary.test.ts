import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(args, { cwd, env: { ...process.env, CODY_DB: "" } });
}

const runIdOf = (r: CliRun): string => /\(run ([0-9a-f-]{36})\)/.exec(r.stderr)?.[1] ?? "";

test("a run that succeeds still lists the calls that were not ok, as runs show does (a spawned call denied by policy)", async (t) => {
  const cwd = tempWorkspace(t, {
    "s.ts": 'tools.spawn.writeFile({ path: "x.txt", content: "y" });\nconst l = await tools.listDir({ path: "." });\nreturn l.entries.length;\n',
  });
  const r = await cody(["script", "run", "-q", "s.ts"], cwd);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /c1 writeFile not run \(denied\)/);
  t.regex(r.stderr, /c2 listDir completed/);
  t.regex(r.stderr, /✔ ok in .*2 tool calls \(1 not ok\)/);
  const show = await cody(["runs", "show", runIdOf(r)], cwd);
  t.is(show.code, 0, show.stderr);
  t.regex(show.stdout, /c1 +writeFile +forbid \(policy\) +denied .* not run/);
  t.regex(show.stdout, /c2 +listDir .* ok .* completed/);
});

test("a run whose calls were all ok lists none of them", async (t) => {
  const cwd = tempWorkspace(t, { "ok.ts": 'const l = await tools.listDir({ path: "." });\nreturn l.entries.length;\n' });
  const r = await cody(["script", "run", "-q", "ok.ts"], cwd);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stderr, /tool calls:/);
});

test("script run on a type error shows each diagnostic once with its code frame, and its run id is one runs show finds", async (t) => {
  const cwd = tempWorkspace(t, { "t.ts": 'await tools.writeFile({ path: 1, content: "x" });\nconst a: string = 2;\nreturn a;\n' });
  const r = await cody(["script", "run", "-q", "t.ts"], cwd);
  t.is(r.code, 1);
  t.is(r.stderr.split("\n").filter((l) => /error TS2322/.test(l)).length, 2, r.stderr);
  t.regex(r.stderr, /t\.ts\(1,25\): error TS2322: Type 'number' is not assignable to type 'string'\.\n\n> 1 \| await tools\.writeFile/);
  t.regex(r.stderr, /Found 2 errors in 1 file\./);
  const show = await cody(["runs", "show", runIdOf(r)], cwd);
  t.is(show.code, 0, show.stderr);
  t.regex(show.stdout, /outcome +error +CODY_SCRIPT_TYPE/);
  t.regex(show.stdout, /script +t\.ts +hash [0-9a-f]{64}/);
});

test("runs ls columns line up for real run ids", async (t) => {
  const cwd = tempWorkspace(t, { "a.ts": 'await tools.listDir({ path: "." });\nreturn 1;\n', "b.ts": "return 2;\n" });
  t.is((await cody(["script", "run", "-q", "a.ts"], cwd)).code, 0);
  t.is((await cody(["script", "run", "-q", "b.ts"], cwd)).code, 0);
  const r = await cody(["runs", "ls"], cwd);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  t.is(lines.length, 3);
  for (const column of ["STARTED", "OUTCOME", "CALLS", "SCRIPT"]) {
    const at = (lines[0] ?? "").indexOf(column);
    // Every row has a cell starting exactly under the header, preceded by a space.
    for (const line of lines.slice(1)) t.regex(line.slice(at - 1, at + 1), /^ \S$/, `${column} in ${line}`);
  }
});
