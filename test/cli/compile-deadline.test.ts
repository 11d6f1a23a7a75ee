import { writeFileSync } from "node:fs";
import path from "node:path";
import test from "ava";
import { runCody, type CliOptions, type CliRun } from "../helpers/cli.js";
import { nestedArrays } from "../helpers/hostile.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], opts: Omit<CliOptions, "env">): Promise<CliRun> {
  return runCody(args, { ...opts, env: { ...process.env, CODY_DB: "" } });
}

test("script check exits 3 with CheckTimeoutError for a hostile script (default 2000 ms), and 0 for a normal one", async (t) => {
  const cwd = tempWorkspace(t, { "deep.ts": nestedArrays(250), "ok.ts": "return 1;\n" });
  const hostile = await cody(["script", "check", "deep.ts"], { cwd });
  t.is(hostile.code, 3, hostile.stderr);
  t.regex(hostile.stderr, /CheckTimeoutError: Type-checking deep\.ts took longer than 2000 ms \(limits\.checkTimeoutMs\)/);
  t.notRegex(hostile.stderr, /\n\s+at /, "one line, no stack");
  const ok = await cody(["script", "check", "ok.ts"], { cwd });
  t.is(ok.code, 0, ok.stderr);
});

test("script check takes the deadline from cody.json limits.checkTimeoutMs and from --check-timeout", async (t) => {
  const cwd = tempWorkspace(t, { "deep.ts": nestedArrays(250), "cody.json": JSON.stringify({ limits: { checkTimeoutMs: 300 } }) });
  const fromConfig = await cody(["script", "check", "deep.ts"], { cwd });
  t.is(fromConfig.code, 3, fromConfig.stderr);
  t.regex(fromConfig.stderr, /took longer than 300 ms/);
  const fromFlag = await cody(["script", "check", "deep.ts", "--check-timeout", "400"], { cwd });
  t.is(fromFlag.code, 3, fromFlag.stderr);
  t.regex(fromFlag.stderr, /took longer than 400 ms/);
  const bad = await cody(["script", "check", "deep.ts", "--check-timeout", "0"], { cwd });
  t.is(bad.code, 2, bad.stderr);
});

test("script run exits 3 with CODY_LIMIT_CHECK_TIMEOUT for a hostile script and runs a normal one", async (t) => {
  const cwd = tempWorkspace(t, { "deep.ts": nestedArrays(250), "ok.ts": "return 40 + 2;\n" });
  const hostile = await cody(["script", "run", "deep.ts", "--json", "--check-timeout", "500"], { cwd });
  t.is(hostile.code, 3, hostile.stderr);
  const end = JSON.parse(hostile.stdout.trim().split("\n").at(-1) ?? "{}") as {
    type: string;
    result: { error: { code: string; details: { limit: number }; stack?: string } };
  };
  t.is(end.type, "end");
  t.is(end.result.error.code, "CODY_LIMIT_CHECK_TIMEOUT");
  t.is(end.result.error.details.limit, 500);
  t.is(end.result.error.stack, undefined, "no host stack in --json events");
  const ok = await cody(["script", "run", "ok.ts", "-q"], { cwd });
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /42/);
  const bad = await cody(["script", "run", "ok.ts", "--check-timeout", "0"], { cwd });
  t.is(bad.code, 2, bad.stderr);
});

test("script run and check refuse invalid UTF-8 (also an encoded lone surrogate) with ScriptEncodingError, from a file and from stdin", async (t) => {
  const cwd = tempWorkspace(t);
  const invalid = Buffer.concat([Buffer.from('return "'), Buffer.from([0xff, 0xfe]), Buffer.from('";\n')]);
  // U+D800 encoded as if it were a code point (CESU-8 style): not UTF-8.
  const surrogate = Buffer.concat([Buffer.from('return "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('";\n')]);
  writeFileSync(path.join(cwd, "invalid.ts"), invalid);
  writeFileSync(path.join(cwd, "surrogate.ts"), surrogate);
  for (const file of ["invalid.ts", "surrogate.ts"]) {
    const run = await cody(["script", "run", file], { cwd });
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, /ScriptEncodingError: .*not valid UTF-8/);
    const check = await cody(["script", "check", file], { cwd });
    t.is(check.code, 2, check.stderr);
    t.regex(check.stderr, /not valid UTF-8/);
  }
  const stdin = await cody(["script", "run", "-"], { cwd, input: invalid });
  t.is(stdin.code, 2, stdin.stderr);
  t.regex(stdin.stderr, /ScriptEncodingError/);
});
