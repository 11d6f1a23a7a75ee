import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { nestedArrays } from "../helpers/hostile.js";
import { tempWorkspace } from "../helpers/workspace.js";

/** Live processes (zombies included) whose environment carries `tag`: the cody process's `tsgo` children inherit it. */
function processesTagged(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(`CODY_TEST_TAG=${tag}\0`)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function check(cwd: string, args: string[], tag: string): Promise<CliRun> {
  return runCody(["script", "check", ...args], {
    cwd,
    env: { ...process.env, CODY_DB: "", CODY_COMPILER_REPORT: "1", CODY_TEST_TAG: tag },
  });
}

test("a cold check uses the compiler worker bin/cody.js started before the CLI loaded (one worker, adopted), with the same output", async (t) => {
  const tag = randomUUID();
  const cwd = tempWorkspace(t, { "ok.ts": "return 1;\n" });
  const ok = await check(cwd, ["ok.ts"], tag);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stderr, /^compiler workers: started 1, prestarted 1$/m);
  // Written after the last verdict (an older file would be guessed to have one: bin/cody.js goes by file times).
  writeFileSync(path.join(cwd, "bad.ts"), "const x: string = 1;\nreturn x;\n");
  const bad = await check(cwd, ["bad.ts", "--format", "json"], tag);
  t.is(bad.code, 1, bad.stderr);
  t.regex(bad.stderr, /^compiler workers: started 1, prestarted 1$/m);
  const report = JSON.parse(bad.stdout) as { diagnostics: { code: number; line: number; column: number }[] };
  t.like(report.diagnostics, [{ code: 2322, line: 1, column: 7 }]);
  t.deepEqual(processesTagged(tag), [], "no tsgo child outlives the command");
});

test("a prestarted worker's tsgo child never outlives the command: past --check-timeout, with every verdict kept, and with a refused flag", async (t) => {
  const tag = randomUUID();
  const cwd = tempWorkspace(t, { "deep.ts": nestedArrays(250), "ok.ts": "return 1;\n" });
  const hostile = await check(cwd, ["deep.ts", "--check-timeout", "300"], tag);
  t.is(hostile.code, 3, hostile.stderr);
  t.regex(hostile.stderr, /CheckTimeoutError: Type-checking deep\.ts took longer than 300 ms/);
  t.deepEqual(processesTagged(tag), [], "killed at the deadline and reaped");
  t.is((await check(cwd, ["ok.ts"], tag)).code, 0);
  // Unchanged since its last check (and older than its verdict): the worker is not even prestarted.
  const kept = await check(cwd, ["ok.ts", "--check-timeout", "1"], tag);
  t.is(kept.code, 0, kept.stderr);
  t.regex(kept.stderr, /^compiler workers: started 0, prestarted 0$/m);
  // Touched, not changed: bin/cody.js guesses from file times and prestarts, the verdict answers, the worker goes unused.
  const later = new Date(Date.now() + 60_000);
  utimesSync(path.join(cwd, "ok.ts"), later, later);
  const touched = await check(cwd, ["ok.ts", "--check-timeout", "1"], tag);
  t.is(touched.code, 0, touched.stderr);
  t.regex(touched.stderr, /^compiler workers: started 0, prestarted 0$/m);
  t.deepEqual(processesTagged(tag), [], "the unused worker's child is killed");
  writeFileSync(path.join(cwd, "ok.ts"), "return 2;\n");
  const refused = await check(cwd, ["ok.ts", "--check-timeout", "0"], tag);
  t.is(refused.code, 2, refused.stderr);
  t.deepEqual(processesTagged(tag), []);
  const changed = await check(cwd, ["ok.ts"], tag);
  t.is(changed.code, 0, changed.stderr);
  t.regex(changed.stderr, /^compiler workers: started 1, prestarted 1$/m);
  t.deepEqual(processesTagged(tag), []);
});
