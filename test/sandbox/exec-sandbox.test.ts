import test from "ava";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { AbortedError, SandboxError, ToolError } from "../../src/errors/index.js";
import { createExecTool } from "../../src/tools/handlers/exec.js";
import type { SandboxSettings } from "../../src/sandbox/index.js";
import { workspace } from "../tools/helpers.js";
import { pidsWith, uniqueSleep, until } from "./helpers.js";

const settings = (s: Partial<SandboxSettings> = {}): SandboxSettings => ({ mode: "workspace-write", network: false, envKeep: [], ...s });
const exec = createExecTool({ killGraceMs: 200 });

/** A directory outside both the workspace and /tmp (which is private inside the sandbox). */
function outsideDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join("/var/tmp", "cody-outside-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a write outside the workspace fails with SandboxError naming the rule and the flag, and leaves nothing", async (t) => {
  const ctx = workspace(t);
  const target = path.join(outsideDir(t), "escaped.txt");
  const e = await t.throwsAsync(exec.handler({ command: ["sh", "-c", `echo x > ${target}`] }, ctx), { instanceOf: SandboxError });
  t.is(e?.code, "CODY_TOOL_SANDBOX");
  t.is(e?.details["rule"], "filesystem");
  t.is(e?.details["mode"], "workspace-write");
  t.regex(e?.message ?? "", /workspace-write.*--sandbox danger-full-access/);
  t.regex(String(e?.details["stderr"]), /Read-only file system/);
  t.false(fs.existsSync(target));
});

test("a write inside the workspace works and the result names the mode", async (t) => {
  const ctx = workspace(t);
  const r = await exec.handler({ command: ["sh", "-c", "mkdir -p out && echo hello > out/f.txt"] }, ctx);
  t.is(r.exitCode, 0);
  t.is(r.sandbox, "workspace-write");
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "out", "f.txt"), "utf8"), "hello\n");
});

test("/tmp inside the sandbox is private and fresh: writable, and nothing reaches the host's /tmp", async (t) => {
  const ctx = workspace(t);
  const name = `cody-private-${process.pid}-${Date.now()}`;
  fs.writeFileSync(path.join(os.tmpdir(), `${name}-host`), "host");
  t.teardown(() => fs.rmSync(path.join(os.tmpdir(), `${name}-host`), { force: true }));
  const r = await exec.handler({ command: ["sh", "-c", `echo x > /tmp/${name}; cat /tmp/${name}; ls /tmp/${name}-host 2>&1 || true`] }, ctx);
  t.is(r.exitCode, 0);
  t.true(r.stdout.startsWith("x\n"));
  t.regex(r.stdout, /No such file/);
  t.false(fs.existsSync(path.join(os.tmpdir(), name)));
});

test(".cody/ and .git/hooks stay read-only inside a writable workspace (and .cody/ is made when missing)", async (t) => {
  const ctx = workspace(t, { ".git/HEAD": "ref: refs/heads/main\n", "src/a.txt": "a" });
  const cody = await t.throwsAsync(exec.handler({ command: ["sh", "-c", "echo '{}' > .cody/config.json"] }, ctx), { instanceOf: SandboxError });
  t.is(cody?.details["rule"], "protected-path");
  t.regex(cody?.message ?? "", /\.cody/);
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, ".cody", "config.json")));
  const hook = await t.throwsAsync(
    exec.handler({ command: ["sh", "-c", "echo 'rm -rf ~' > .git/hooks/pre-commit"] }, ctx),
    { instanceOf: SandboxError },
  );
  t.is(hook?.details["rule"], "protected-path");
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, ".git", "hooks", "pre-commit")));
  // The rest of .git and the workspace stay writable.
  const ok = await exec.handler({ command: ["sh", "-c", "echo b > src/a.txt && echo x > .git/description"] }, ctx);
  t.is(ok.exitCode, 0);
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "src", "a.txt"), "utf8"), "b\n");
});

test("read-only mode writes nothing in the workspace but may use /tmp", async (t) => {
  const ctx = { ...workspace(t), sandbox: settings({ mode: "read-only" }) };
  const e = await t.throwsAsync(exec.handler({ command: ["sh", "-c", "echo x > made.txt"] }, ctx), { instanceOf: SandboxError });
  t.is(e?.details["rule"], "filesystem");
  t.regex(e?.message ?? "", /read-only.*--sandbox workspace-write/);
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, "made.txt")));
  const r = await exec.handler({ command: ["sh", "-c", "echo x > /tmp/t && cat /tmp/t && ls"] }, ctx);
  t.is(r.exitCode, 0);
  t.is(r.sandbox, "read-only");
});

test("danger-full-access runs unconfined: a write outside the workspace succeeds", async (t) => {
  const ctx = { ...workspace(t), sandbox: settings({ mode: "danger-full-access" }) };
  const target = path.join(outsideDir(t), "allowed.txt");
  const r = await exec.handler({ command: ["sh", "-c", `echo x > ${target}`] }, ctx);
  t.is(r.exitCode, 0);
  t.is(r.sandbox, "danger-full-access");
  t.true(fs.existsSync(target));
});

test("a command that merely fails is an ordinary result, not a SandboxError", async (t) => {
  const ctx = workspace(t);
  const r = await exec.handler({ command: ["sh", "-c", "echo 'Permission denied, or so I say' >&2; ls /definitely-missing; exit 4"] }, ctx);
  t.is(r.exitCode, 4);
  t.regex(r.stderr, /definitely-missing/);
  // EROFS text from a command that then succeeds is not a denial either.
  const ok = await exec.handler({ command: ["sh", "-c", "echo 'Read-only file system' >&2"] }, ctx);
  t.is(ok.exitCode, 0);
});

test("a missing program inside the sandbox is the usual ToolError (ENOENT), not a sandbox error", async (t) => {
  const ctx = workspace(t);
  const e = await t.throwsAsync(exec.handler({ command: ["no-such-program-xyz"] }, ctx), { instanceOf: ToolError });
  t.is(e?.details["errno"], "ENOENT");
});

async function loopbackServer(t: { teardown(fn: () => void): void }): Promise<number> {
  const server = net.createServer((socket) => socket.end("hello from the host\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

const connect = (port: number): string[] => [
  process.execPath,
  "-e",
  `require("net").connect(${port}, "127.0.0.1").on("data", (d) => process.stdout.write(d)).on("error", (e) => { console.error(e.message); process.exit(1); })`,
];

test("a TCP connect to a server on the host's loopback is blocked by default and works with network: true", async (t) => {
  const ctx = workspace(t);
  const port = await loopbackServer(t);
  const e = await t.throwsAsync(exec.handler({ command: connect(port) }, ctx), { instanceOf: SandboxError });
  t.is(e?.details["rule"], "network");
  t.regex(e?.message ?? "", /"network": true/);
  const r = await exec.handler({ command: connect(port) }, { ...ctx, sandbox: settings({ network: true }) });
  t.is(r.exitCode, 0);
  t.is(r.stdout, "hello from the host\n");
});

test("a secret-looking variable is dropped inside the sandbox unless kept; exec's own env always applies", async (t) => {
  const ctx = workspace(t);
  const base = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: "/root", MY_SECRET_TOKEN: "s3cret", OTHER: "o" };
  const tool = createExecTool({ baseEnv: base });
  const vars = (out: string) => new Map(out.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const plain = vars((await tool.handler({ command: ["env"], env: { API_KEY: "given" } }, ctx)).stdout);
  t.false(plain.has("MY_SECRET_TOKEN"));
  t.is(plain.get("API_KEY"), "given");
  const kept = vars((await tool.handler({ command: ["env"] }, { ...ctx, sandbox: settings({ envKeep: ["MY_SECRET_TOKEN"] }) })).stdout);
  t.is(kept.get("MY_SECRET_TOKEN"), "s3cret");
  t.false(kept.has("OTHER"));
});

test("a timeout kills every descendant inside the sandbox, even one that left the process group", async (t) => {
  const ctx = workspace(t);
  const marker = uniqueSleep();
  const r = await exec.handler({ command: ["sh", "-c", `sleep ${marker} & setsid sleep ${marker} & sleep ${marker}`], timeoutMs: 500 }, ctx);
  t.true(r.timedOut);
  t.true(await until(() => pidsWith(marker).length === 0), `left running: ${pidsWith(marker).join(", ")}`);
});

test("an abort kills every descendant inside the sandbox and rejects with AbortedError", async (t) => {
  const controller = new AbortController();
  const ctx = workspace(t, {}, controller.signal);
  const marker = uniqueSleep();
  const call = exec.handler({ command: ["sh", "-c", `sleep ${marker} & setsid sleep ${marker} & sleep ${marker}`] }, ctx);
  t.true(await until(() => pidsWith(marker, "sleep").length === 3), "the sleeps never started");
  controller.abort();
  await t.throwsAsync(call, { instanceOf: AbortedError });
  t.true(await until(() => pidsWith(marker).length === 0), `left running: ${pidsWith(marker).join(", ")}`);
});

test("background jobs left by a command that exits die with the sandbox", async (t) => {
  const ctx = workspace(t);
  const marker = uniqueSleep();
  const r = await exec.handler({ command: ["sh", "-c", `setsid sleep ${marker} & echo started`] }, ctx);
  t.is(r.exitCode, 0);
  t.true(await until(() => pidsWith(marker).length === 0));
});

test("a missing bwrap is a SandboxError (rule unavailable) and the command does not run unconfined", async (t) => {
  const ctx = workspace(t);
  const tool = createExecTool({ bwrapPath: path.join(ctx.workspaceRoot, "no-such-bwrap") });
  const e = await t.throwsAsync(tool.handler({ command: ["touch", "ran.txt"] }, ctx), { instanceOf: SandboxError });
  t.is(e?.details["rule"], "unavailable");
  t.regex(e?.message ?? "", /was not found: install bubblewrap.*danger-full-access/);
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, "ran.txt")));
  // danger-full-access needs no bwrap.
  const r = await tool.handler({ command: ["touch", "ran.txt"] }, { ...ctx, sandbox: settings({ mode: "danger-full-access" }) });
  t.is(r.exitCode, 0);
});

test("a bwrap that fails before starting the program is a SandboxError carrying its message", async (t) => {
  const ctx = workspace(t);
  const fake = path.join(ctx.workspaceRoot, "fake-bwrap");
  fs.writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", { mode: 0o755 });
  const tool = createExecTool({ bwrapPath: fake });
  const e = await t.throwsAsync(tool.handler({ command: ["true"] }, ctx), { instanceOf: SandboxError });
  t.is(e?.details["rule"], "unavailable");
  t.regex(e?.message ?? "", /No permissions to create new namespace.*user namespaces/);
});

test("a sandbox whose setup fails after bwrap forked (no exit-code report) is a SandboxError, not the command's result", async (t) => {
  const ctx = workspace(t);
  const fake = path.join(ctx.workspaceRoot, "fake-bwrap");
  // What bwrap 0.8 does when a mount or chdir inside the new namespace fails: child-pid reported, then exit 1.
  fs.writeFileSync(fake, '#!/bin/sh\necho \'{ "child-pid": 1 }\' >&3\necho "bwrap: Can\'t chdir to /x: No such file or directory" >&2\nexit 1\n', { mode: 0o755 });
  const tool = createExecTool({ bwrapPath: fake });
  const e = await t.throwsAsync(tool.handler({ command: ["true"] }, ctx), { instanceOf: SandboxError });
  t.is(e?.details["rule"], "unavailable");
  t.regex(e?.message ?? "", /Can't chdir/);
});

test("CODY_BWRAP_PATH points exec at another bwrap (test and debug hook)", async (t) => {
  const ctx = workspace(t);
  const tool = createExecTool({ baseEnv: { PATH: process.env["PATH"] ?? "", CODY_BWRAP_PATH: "/nonexistent/bwrap" } });
  const e = await t.throwsAsync(tool.handler({ command: ["true"] }, ctx), { instanceOf: SandboxError });
  t.regex(e?.message ?? "", /\/nonexistent\/bwrap/);
});

test("a dangling .cody symlink does not break exec (nothing to bind, and nothing the command can create through it)", async (t) => {
  const ctx = workspace(t);
  fs.symlinkSync(path.join(ctx.workspaceRoot, "missing-target"), path.join(ctx.workspaceRoot, ".cody"));
  const r = await exec.handler({ command: ["sh", "-c", "echo ok"] }, ctx);
  t.is(r.exitCode, 0);
  t.is(r.stdout, "ok\n");
});

test("the call's env reaches only the command: bwrap, which runs outside the sandbox, never sees it (LD_PRELOAD)", async (t) => {
  const ctx = workspace(t);
  const r = await exec.handler({ command: ["true"], env: { LD_PRELOAD: "/nonexistent-cody-preload.so" } }, ctx);
  t.is(r.exitCode, 0);
  // glibc's loader complains once per process image that got the variable: the command, and (before) bwrap too.
  t.is(r.stderr.split("\n").filter((l) => l.includes("nonexistent-cody-preload.so")).length, 1, r.stderr);
});
