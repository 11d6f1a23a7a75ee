/**
 * Settings are resolved once per command, from flags over cody.json over the defaults, and every command that reads
 * a script applies the same resolved limits (docs/limits-and-errors.md).
 */
import test from "ava";
import { runCody, type CliOptions, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], opts: Omit<CliOptions, "env">): Promise<CliRun> {
  return runCody(args, { ...opts, env: { ...process.env, CODY_DB: "" } });
}

/** A valid script of exactly `bytes` bytes (comment padding, then `return 1;`), larger than the 20 KB default. */
function scriptOf(bytes: number): string {
  const tail = "return 1;\n";
  const line = `// ${"x".repeat(97)}\n`;
  let text = line.repeat(Math.floor((bytes - tail.length) / line.length));
  text += `//${"y".repeat(bytes - tail.length - text.length - 3)}\n`;
  return text + tail;
}

const LIMIT = 30_000;

test("script run and script check take limits.maxSourceBytes from cody.json: at the limit runs, one byte past is refused", async (t) => {
  const cwd = tempWorkspace(t, {
    "cody.json": JSON.stringify({ limits: { maxSourceBytes: LIMIT } }),
    "edge.ts": scriptOf(LIMIT),
    "past.ts": scriptOf(LIMIT + 1),
  });
  t.is(Buffer.byteLength(scriptOf(LIMIT)), LIMIT);
  for (const command of ["run", "check"]) {
    const edge = await cody(["script", command, "edge.ts"], { cwd });
    t.is(edge.code, 0, `script ${command} at the limit: ${edge.stderr}`);
    const past = await cody(["script", command, "past.ts"], { cwd });
    t.is(past.code, 3, `script ${command} past the limit: ${past.stderr}`);
    t.regex(past.stderr, /ScriptTooLargeError: past\.ts: script is .* \(30001 bytes\), over the 29\.3 KB limit/);
  }
});

test("script run reads a script from stdin under cody.json's limits.maxSourceBytes", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": JSON.stringify({ limits: { maxSourceBytes: LIMIT } }) });
  const edge = await cody(["script", "run", "-q", "-"], { cwd, input: scriptOf(LIMIT) });
  t.is(edge.code, 0, edge.stderr);
  t.is(edge.stdout.trim(), "1");
  const past = await cody(["script", "run", "-q", "-"], { cwd, input: scriptOf(LIMIT + 1) });
  t.is(past.code, 3, past.stderr);
});

test("a flag wins over cody.json, which wins over the default (limits.timeoutMs)", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": JSON.stringify({ limits: { timeoutMs: 400 } }), "spin.ts": "while (true) {}\n" });
  const fromConfig = await cody(["script", "run", "-q", "spin.ts"], { cwd });
  t.is(fromConfig.code, 3, fromConfig.stderr);
  t.regex(fromConfig.stderr, /400 ms/);
  const fromFlag = await cody(["script", "run", "-q", "spin.ts", "--timeout", "500"], { cwd });
  t.is(fromFlag.code, 3, fromFlag.stderr);
  t.regex(fromFlag.stderr, /500 ms/);
});
