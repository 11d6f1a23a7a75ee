import test from "ava";
import { runCody, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], cwd: string): Promise<CliRun> {
  return runCody(args, { cwd, env: { ...process.env, CODY_DB: "" } });
}

test("an unknown flag is one line and a pointer to the command's help, not the whole help", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": "return 1;\n" });
  const r = await cody(["script", "run", "--bogus", "s.ts"], cwd);
  t.is(r.code, 2);
  t.is(r.stderr, "error: unknown option '--bogus'\nsee `cody script run --help`\n");
  const missing = await cody(["runs", "show"], cwd);
  t.is(missing.code, 2);
  t.is(missing.stderr, "error: missing required argument 'id'\nsee `cody runs show --help`\n");
});

test("--timeout 0 is refused as not positive; --approval on-failure says what the policies are and what to use", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": "return 1;\n" });
  const zero = await cody(["script", "run", "--timeout", "0", "s.ts"], cwd);
  t.is(zero.code, 2);
  t.is(zero.stderr, "cody: UsageError: --timeout must be a positive integer (milliseconds), got `0`\n");
  const policy = await cody(["script", "run", "--approval", "on-failure", "s.ts"], cwd);
  t.is(policy.code, 2);
  t.regex(policy.stderr, /no sandbox for a call to fail in: use on-request\. Policies: untrusted \(.*\), on-request \(.*\), never \(.*\)\.\nsee `cody script run --help`\n$/);
});

test("--allow with a name that is not a tool is refused at start, with the tool probably meant", async (t) => {
  const cwd = tempWorkspace(t, { "w.ts": 'await tools.writeFile({ path: "x.txt", content: "x" });\n' });
  const typo = await cody(["script", "run", "--allow", "writefile", "w.ts"], cwd);
  t.is(typo.code, 2);
  t.regex(typo.stderr, /^cody: UsageError: --allow writefile: no tool of that name \(did you mean writeFile\?\); tools: applyPatch, .*writeFile\n$/);
  const unknown = await cody(["script", "run", "--allow", "nosuchtool", "w.ts"], cwd);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /--allow nosuchtool: no tool of that name; tools: /);
  const right = await cody(["script", "run", "-q", "--allow", "writeFile", "w.ts"], cwd);
  t.is(right.code, 0, right.stderr);
});

test("a script over the size limit is one code, one exit status and one message from run, check and compile", async (t) => {
  const cwd = tempWorkspace(t, { "big.ts": `return 1;\n// ${"a".repeat(25 * 1024)}\n` });
  const expected = /^cody: ScriptTooLargeError: big\.ts: script is 25\.0 KB \(25614 bytes\), over the 20 KB limit\n {2}raise it with limits\.maxSourceBytes in cody\.json\n$/;
  for (const command of ["run", "check", "compile"]) {
    const r = await cody(["script", command, "big.ts"], cwd);
    t.is(r.code, 3, `${command}: ${r.stderr}`);
    t.regex(r.stderr, expected, command);
  }
});

test("limit errors say the limit in MB and name the flag and config key; a denial under never names the --allow that would allow it", async (t) => {
  const cwd = tempWorkspace(t, {
    "mem.ts": "const a: number[][] = [];\nfor (let i = 0; i < 1e7; i++) a.push([i, i, i]);\nreturn a.length;\n",
    "calls.ts": 'for (let i = 0; i < 3; i++) await tools.listDir({ path: "." });\n',
    "ex.ts": 'await tools.exec({ command: ["git", "commit", "-m", "x"] });\n',
    "w.ts": 'await tools.writeFile({ path: "x.txt", content: "x" });\n',
  });
  const mem = await cody(["script", "run", "-q", "--timeout", "60000", "mem.ts"], cwd);
  t.is(mem.code, 3, mem.stderr);
  t.regex(mem.stderr, /MemoryLimitError \[CODY_LIMIT_MEMORY\]: Script exceeded its memory limit of 16 MB\n {2}raise it with --memory <MB> or limits\.memoryBytes in cody\.json\n/);
  const calls = await cody(["script", "run", "-q", "--max-tool-calls", "2", "calls.ts"], cwd);
  t.is(calls.code, 3, calls.stderr);
  t.regex(calls.stderr, /raise it with --max-tool-calls <n> or limits\.maxToolCalls in cody\.json/);
  const ex = await cody(["script", "run", "-q", "ex.ts"], cwd);
  t.is(ex.code, 1);
  t.regex(ex.stderr, /approval policy is `never` \(no allow rule matches; allow it with --allow-exec "git commit", or every command with --allow exec\)/);
  const w = await cody(["script", "run", "-q", "w.ts"], cwd);
  t.regex(w.stderr, /\(no allow rule matches; allow it with --allow writeFile\)/);
});

test("provider.apiKey in cody.json is refused by every command, pointing at the environment", async (t) => {
  const cwd = tempWorkspace(t, { "cody.json": '{ "provider": { "apiKey": "sk-secret-123" } }\n', "s.ts": "return 1;\n" });
  for (const args of [["script", "run", "s.ts"], ["exec", "hi"]]) {
    const r = await cody(args, cwd);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /provider\.apiKey is not allowed \(config files get committed\): put the key in the environment \(CODY_API_KEY or OPENAI_API_KEY\), or name the variable that holds it with provider\.apiKeyEnv/);
    t.notRegex(r.stderr, /sk-secret-123/);
  }
});
