/**
 * `cody script run` runs its one script on the main thread (runtime/in-thread.ts), not in a worker thread. These spawn
 * the real CLI to show that every limit, Ctrl-C while the script computes, and live console output still hold there.
 */
import test from "ava";
import { runCody, type CliOptions, type CliRun } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

function cody(args: string[], opts: Omit<CliOptions, "env">): Promise<CliRun> {
  return runCody(args, { ...opts, env: { ...process.env, CODY_DB: "" } });
}

test("a computing script is stopped at --timeout, also when it loops after a tool call (exit 3)", async (t) => {
  const cwd = tempWorkspace(t, { "a.txt": "a\n", "loop.ts": 'await tools.readFile({ path: "a.txt" });\nfor (;;) { try { while (true) {} } catch {} }\n' });
  const r = await cody(["script", "run", "loop.ts", "-q", "--timeout", "300", "--json"], { cwd });
  t.is(r.code, 3, r.stderr);
  const end = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { result?: { error?: { code: string } } };
  t.is(end.result?.error?.code, "CODY_LIMIT_TIMEOUT");
});

test("--memory: a script within it succeeds; one past it fails with CODY_LIMIT_MEMORY (exit 3) even when it catches", async (t) => {
  const cwd = tempWorkspace(t, {
    "small.ts": "const a: string[] = []; for (let i = 0; i < 500; i++) a.push('x'.repeat(1000) + i); return a.length;\n",
    "bomb.ts": "const a: number[][] = []; for (;;) { try { a.push(new Array(100000).fill(1)); } catch { a.length = 0; } }\n",
  });
  const small = await cody(["script", "run", "small.ts", "-q", "--memory", "4"], { cwd });
  t.is(small.code, 0, small.stderr);
  t.is(small.stdout, "500\n");
  const bomb = await cody(["script", "run", "bomb.ts", "-q", "--memory", "4", "--timeout", "60000"], { cwd });
  t.is(bomb.code, 3, bomb.stderr);
  t.regex(bomb.stderr, /MemoryLimitError \[CODY_LIMIT_MEMORY\]: Script exceeded its memory limit of 4 MB/);
});

test("--max-tool-calls: exactly that many succeed; one more fails with CODY_LIMIT_TOOL_CALLS (exit 3)", async (t) => {
  const cwd = tempWorkspace(t, {
    "a.txt": "a\n",
    "two.ts": 'for (let i = 0; i < 2; i++) await tools.readFile({ path: "a.txt" });\nreturn "done";\n',
    "three.ts": 'for (let i = 0; i < 3; i++) await tools.readFile({ path: "a.txt" });\nreturn "done";\n',
  });
  const two = await cody(["script", "run", "two.ts", "-q", "--max-tool-calls", "2"], { cwd });
  t.is(two.code, 0, two.stderr);
  const three = await cody(["script", "run", "three.ts", "-q", "--max-tool-calls", "2"], { cwd });
  t.is(three.code, 3, three.stderr);
  t.regex(three.stderr, /ToolCallLimitError \[CODY_LIMIT_TOOL_CALLS\]: Script made more than 2 tool calls/);
});

test("console output streams while the script computes, and Ctrl-C then aborts it: exit 130, recorded as aborted", async (t) => {
  const cwd = tempWorkspace(t, { "spin.ts": 'console.log("spinning");\nwhile (true) {}\n' });
  let sent = false;
  // The signal is sent once the console line arrived, i.e. while the script is in its loop: the line must be written
  // while the guest computes, and the SIGINT must stop it long before the 60 s limit.
  const r = await cody(["script", "run", "spin.ts", "-q", "--timeout", "60000"], {
    cwd,
    onStdout: (text, child) => {
      if (!sent && text.includes("spinning")) {
        sent = true;
        child.kill("SIGINT");
      }
    },
  });
  t.true(sent);
  t.is(r.code, 130, r.stderr);
  t.regex(r.stderr, /\^C aborting the script and its tools/);
  t.regex(r.stderr, /AbortedError \[CODY_ABORTED\]/);
  const ls = await cody(["runs", "ls", "--json"], { cwd });
  t.is(ls.code, 0, ls.stderr);
  const runs = (JSON.parse(ls.stdout) as { runs: { runId: string; outcome: string }[] }).runs;
  t.is(runs.length, 1);
  t.is(runs[0]?.outcome, "aborted");
});
