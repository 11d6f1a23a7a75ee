import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { reply, startModelServer, statusReply, type ModelServer } from "../agent/helpers/model-server.js";
import { isAlive, waitForPidFile, waitUntilGone } from "../helpers/processes.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/cody.js");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cody(args: string[], env: NodeJS.ProcessEnv = {}, onStderr?: (chunk: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<Result> {
  return new Promise((resolve) => {
    const base = { ...process.env };
    for (const k of ["OPENAI_API_KEY", "CODY_API_KEY", "OPENAI_BASE_URL", "CODY_BASE_URL", "CODY_MODEL", "CODY_API", "CODY_DB"]) delete base[k];
    const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(d.toString(), (sig) => child.kill(sig));
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function workspace(t: import("ava").ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-exec-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "demo-pkg", version: "1.2.3" }));
  return dir;
}

async function server(t: import("ava").ExecutionContext, replies: Parameters<typeof startModelServer>[0]): Promise<ModelServer> {
  const s = await startModelServer(replies);
  t.teardown(() => s.close());
  return s;
}

const flags = (s: ModelServer, cwd: string) => ["--base-url", s.url, "--model", "test-model", "--cwd", cwd, "--db", path.join(cwd, ".cody", "test.db"), "--approval", "never"];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function outputs(body: any): string[] {
  return body.input.filter((i: { type: string }) => i.type === "function_call_output").map((i: { output: string }) => i.output);
}

const BLOCK = "Let me read it.\n<tool-calls>\n```ts\nconst file = await tools.readFile({ path: \"package.json\" });\nconsole.log(\"read\", file.totalLines, \"line\");\nreturn JSON.parse(file.content).name;\n```\n</tool-calls>\n";

test.serial("exec runs a script block in the real runtime, streams prose to stdout and the banner to stderr", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [reply({ text: BLOCK }), reply({ text: "The package is demo-pkg." })]);
  const r = await cody(["exec", "What is the package name?", ...flags(s, cwd)], { CODY_API_KEY: "sk-cli" });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, "Let me read it.\n\nThe package is demo-pkg.\n");
  t.regex(r.stderr, /── script <tool-calls#1> · hash [0-9a-f]{12} · tools: .*readFile/);
  t.regex(r.stderr, /│ read 1 line/);
  t.regex(r.stderr, /→ readFile \{"path":"package.json"\}/);
  t.regex(r.stderr, /── ok in \d+ ms · run /);
  t.regex(r.stderr, /conversation conv_\w+ · 2 turn\(s\) · tokens 20 in \/ 10 out/);
  t.is(s.requests[0]?.headers["authorization"], "Bearer sk-cli");
  t.regex(s.requests[0]?.body.instructions, /readFile\(/);
  const [out] = outputs(s.requests[1]?.body);
  t.regex(out ?? "", /^ok: block #1 finished in \d+ ms\nresult \(string\):\ndemo-pkg\nconsole:\nread 1 line\ntool calls \(1\): readFile ok/);
});

test.serial("exec --json prints one JSON event per line, ending with final", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [reply({ text: BLOCK }), reply({ text: "demo-pkg" })]);
  const r = await cody(["exec", "name?", "--json", "--api", "chat", ...flags(s, cwd)]);
  t.is(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  const types = events.map((e) => e.type);
  for (const type of ["turn_start", "assistant_text", "script_start", "tool_call", "tool_result", "console", "script_end", "turn_end", "final"]) {
    t.true(types.includes(type), type);
  }
  const final = events[events.length - 1];
  t.is(final?.type, "final");
  t.is(final?.["text"], "demo-pkg");
  t.is(final?.["stopReason"], "done");
  t.is(s.requests[0]?.url, "/v1/chat/completions");
  t.is(s.requests[0]?.headers["authorization"], undefined, "no key configured for a local server: no header");
});

test.serial("exec --resume continues the stored conversation in the same database", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [reply({ text: "First answer." }), reply({ text: "Second answer." })]);
  const first = await cody(["exec", "one", "--json", ...flags(s, cwd)]);
  t.is(first.code, 0, first.stderr);
  const final = JSON.parse(first.stdout.trim().split("\n").pop() ?? "{}") as { conversationId: string };
  const second = await cody(["exec", "two", "--resume", final.conversationId, ...flags(s, cwd)]);
  t.is(second.code, 0, second.stderr);
  t.is(second.stdout, "Second answer.\n");
  t.deepEqual(s.requests[1]?.body.input, [
    { type: "message", role: "user", content: "one" },
    { type: "message", role: "assistant", content: "First answer." },
    { type: "message", role: "user", content: "two" },
  ]);
  const missing = await cody(["exec", "x", "--resume", "conv_missing", ...flags(s, cwd)]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /No conversation `conv_missing`/);
});

test.serial("exec stops at --max-turns with exit code 3 and says how to continue", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [reply({ text: "<tool-calls>return 1</tool-calls>" })]);
  const r = await cody(["exec", "loop", "--max-turns", "1", ...flags(s, cwd)]);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /Stopped after 1 model turn\(s\) \(maxTurns = 1\)/);
  t.is(s.requests.length, 1);
});

test.serial("exec reports a provider failure with exit code 1", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [statusReply(401, { error: { message: "bad key" } })]);
  const r = await cody(["exec", "hi", ...flags(s, cwd)]);
  t.is(r.code, 1);
  t.regex(r.stderr, /ProviderError: .*authentication failed .*bad key/);
});

test.serial("exec refuses bad flags and a missing API key with exit code 2 before starting anything", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, []);
  const bad = await cody(["exec", "hi", "--check", "sometimes", ...flags(s, cwd)]);
  t.is(bad.code, 2);
  const zero = await cody(["exec", "hi", "--max-turns", "0", ...flags(s, cwd)]);
  t.is(zero.code, 2);
  const noKey = await cody(["exec", "hi", "--cwd", cwd, "--db", path.join(cwd, "x.db")]);
  t.is(noKey.code, 2);
  t.regex(noKey.stderr, /No API key for api\.openai\.com/);
  t.false(fs.existsSync(path.join(cwd, "x.db")), "no database was created");
  t.is(s.requests.length, 0);
});

test.serial("exec --check block sends type errors back without running the script", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [
    reply({ text: "<tool-calls>\nconst n: number = \"x\";\nawait tools.writeFile({ path: \"out.txt\", content: \"no\" });\nreturn n;\n</tool-calls>" }),
    reply({ text: "ok" }),
  ]);
  const r = await cody(["exec", "go", "--check", "block", "--allow", "writeFile", ...flags(s, cwd)]);
  t.is(r.code, 0, r.stderr);
  t.false(fs.existsSync(path.join(cwd, "out.txt")));
  const [out] = outputs(s.requests[1]?.body);
  t.regex(out ?? "", /was not run: the type-check found 1 error/);
  t.regex(out ?? "", /<tool-calls#1>:1:7 error TS2322/);
});

test.serial("Ctrl-C (SIGINT) during a script cancels the turn, kills the exec's process group, audits the abort, exits 130", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [
    reply({ text: "<tool-calls>\nawait tools.exec({ command: [\"sh\", \"-c\", \"sleep 60 & echo $! > grandchild.pid; wait\"] });\nreturn 1;\n</tool-calls>" }),
  ]);
  let sent = false;
  let grandchild = 0;
  t.teardown(() => {
    if (grandchild > 0 && isAlive(grandchild)) process.kill(grandchild, "SIGKILL");
  });
  // SIGINT goes once the exec's grandchild has written its pid: the call is certainly running then.
  // Unsandboxed so the pid the shell writes is a host pid (see the same test in script-run.test.ts).
  const r = await cody(["exec", "wait", "--allow", "exec", "--timeout", "60000", "--sandbox", "danger-full-access", ...flags(s, cwd)], {}, (chunk, kill) => {
    if (!sent && chunk.includes("→ exec")) {
      sent = true;
      void waitForPidFile(path.join(cwd, "grandchild.pid")).then((pid) => {
        grandchild = pid;
        kill("SIGINT");
      });
    }
  });
  t.true(sent, r.stderr);
  t.is(r.code, 130, r.stderr);
  t.regex(r.stderr, /cancelling the turn/);
  t.regex(r.stderr, /AbortedError/);
  t.is(s.requests.length, 1);
  t.true(grandchild > 0);
  t.true(await waitUntilGone(grandchild), `the exec's grandchild ${grandchild} is still running`);

  const db = path.join(cwd, ".cody", "test.db");
  const ls = await cody(["runs", "ls", "--json", "--db", db]);
  t.is(ls.code, 0, ls.stderr);
  const runs = (JSON.parse(ls.stdout) as { runs: { runId: string }[] }).runs;
  t.is(runs.length, 1);
  const show = await cody(["runs", "show", runs[0]?.runId ?? "?", "--json", "--db", db]);
  t.is(show.code, 0, show.stderr);
  const audit = JSON.parse(show.stdout) as {
    run: { outcome: string; errorCode: string };
    calls: { tool: string; outcome: string; errorCode: string; sideEffect: string }[];
  };
  t.like(audit.run, { outcome: "aborted", errorCode: "CODY_ABORTED" });
  t.deepEqual(audit.calls.map((c) => [c.tool, c.outcome, c.errorCode, c.sideEffect]), [["exec", "aborted", "CODY_ABORTED", "cut-off"]]);
});

test.serial("exec shows each script (first lines, whole with -v) and its result, with the hash runs show prints", async (t) => {
  const cwd = workspace(t);
  const long = Array.from({ length: 10 }, (_, i) => `const v${i} = ${i};`).join("\n");
  const script = `${long}\nconst file = await tools.readFile({ path: "package.json" });\nreturn JSON.parse(file.content).name;`;
  const s = await server(t, [reply({ text: `<tool-calls>\n${script}\n</tool-calls>` }), reply({ text: "done" })]);
  const r = await cody(["exec", "name?", ...flags(s, cwd)]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /┆ const v0 = 0;\n/);
  t.notRegex(r.stderr, /┆ const v9 = 9;/);
  t.regex(r.stderr, /┆ … 6 more line\(s\) \(-v shows all\)/);
  t.regex(r.stderr, /⇒ ok: block #1 finished in \d+ ms\n.*⇒ result \(string\):\n.*⇒ demo-pkg/);
  const banner = /· hash ([0-9a-f]{12}) ·/.exec(r.stderr)?.[1] ?? "none";
  const runId = /── ok in \d+ ms · run (\S+)/.exec(r.stderr)?.[1] ?? "none";
  const show = await cody(["runs", "show", runId, "--db", path.join(cwd, ".cody", "test.db")]);
  t.is(show.code, 0, show.stderr);
  t.regex(show.stdout, new RegExp(`hash ${banner}[0-9a-f]{52}`));

  const s2 = await server(t, [reply({ text: `<tool-calls>\n${script}\n</tool-calls>` }), reply({ text: "done" })]);
  const whole = await cody(["exec", "name?", "-v", ...flags(s2, cwd)]);
  t.is(whole.code, 0, whole.stderr);
  t.regex(whole.stderr, /┆ const v9 = 9;/);
  t.notRegex(whole.stderr, /more line/);
});

test.serial("exec --resume takes an id prefix, the turn count covers the whole conversation, and conversations ls lists it", async (t) => {
  const cwd = workspace(t);
  const s = await server(t, [reply({ text: "First answer." }), reply({ text: "Second answer.", usage: { input: 0, output: 0 } })]);
  const first = await cody(["exec", "first prompt", "--json", ...flags(s, cwd)]);
  t.is(first.code, 0, first.stderr);
  const id = (JSON.parse(first.stdout.trim().split("\n").pop() ?? "{}") as { conversationId: string }).conversationId;
  const second = await cody(["exec", "two", "--resume", id.slice(5, 12), ...flags(s, cwd)]);
  t.is(second.code, 0, second.stderr);
  t.is(second.stdout, "Second answer.\n");
  t.regex(second.stderr, new RegExp(`conversation ${id} · 2 turn\\(s\\)\n`));
  t.notRegex(second.stderr, /tokens 0 in/);
  const ls = await cody(["conversations", "ls", "--db", path.join(cwd, ".cody", "test.db")]);
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout, /^ID +UPDATED +TURNS +MODEL +FIRST PROMPT$/m);
  t.regex(ls.stdout, new RegExp(`^${id} +\\S+ \\S+ +2 +test-model +first prompt$`, "m"));
});
