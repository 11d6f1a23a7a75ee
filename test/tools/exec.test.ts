import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { AbortedError, PathOutsideWorkspaceError, ToolError } from "../../src/errors/index.js";
import {
  createExecTool,
  EXEC_INHERITED_ENV,
  EXEC_MAX_OUTPUT_BYTES,
  execTool,
  truncationMarker,
} from "../../src/tools/handlers/exec.js";
import type { ToolContext } from "../../src/tools/types.js";
import { realWorkspaceRoot } from "../../src/tools/workspace.js";

function workspace(t: { teardown(fn: () => void): void }, signal = new AbortController().signal): ToolContext {
  const root = realWorkspaceRoot(fs.mkdtempSync(path.join(os.tmpdir(), "cody-exec-")));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return { workspaceRoot: root, signal };
}

/** Alive means signalable and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Poll until the process is gone; a liveness check, not a timing assertion. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!isAlive(pid)) return true;
    await delay(50);
  }
  return false;
}

// The process-group tests read host PIDs from `$!`: outside the sandbox (test/sandbox/ covers the confined modes).
const fastKill = createExecTool({ killGraceMs: 200, sandbox: { mode: "danger-full-access", network: true, envKeep: [] } });

test("a command's output, exit code and duration come back; the workspace root is the default cwd", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["bash", "-c", "echo out; echo err >&2; pwd"] }, ctx);
  t.is(r.exitCode, 0);
  t.is(r.signal, null);
  t.is(r.stdout, `out\n${ctx.workspaceRoot}\n`);
  t.is(r.stderr, "err\n");
  t.false(r.timedOut);
  t.false(r.truncated);
  t.true(r.durationMs >= 0);
});

test("arguments are passed as argv without a shell", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["printf", "%s|", "a b", "$HOME", "*"] }, ctx);
  t.is(r.stdout, "a b|$HOME|*|");
});

test("a nonzero exit code is a result, not an error", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["bash", "-c", "echo partial; exit 3"] }, ctx);
  t.is(r.exitCode, 3);
  t.is(r.signal, null);
  t.is(r.stdout, "partial\n");
});

test("stdin is written to the process and closed", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["cat"], stdin: "line one\nline two" }, ctx);
  t.is(r.stdout, "line one\nline two");
  const noStdin = await execTool.handler({ command: ["cat"] }, ctx);
  t.is(noStdin.stdout, "");
});

test("a program that exits without reading its stdin does not break the call", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["true"], stdin: "x".repeat(1024 * 1024) }, ctx);
  t.is(r.exitCode, 0);
});

test("env is merged over a minimal inherited environment", async (t) => {
  const ctx = workspace(t);
  const tool = createExecTool({ baseEnv: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: "/h", SECRET_TOKEN: "s" } });
  const r = await tool.handler({ command: ["env"], env: { FOO: "bar", HOME: "/override" } }, ctx);
  const vars = new Map(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  t.is(vars.get("FOO"), "bar");
  t.is(vars.get("HOME"), "/override");
  t.true(vars.has("PATH"));
  t.false(vars.has("SECRET_TOKEN"));
  t.true(EXEC_INHERITED_ENV.includes("PATH"));
});

test("cwd is resolved inside the workspace and must be an existing directory", async (t) => {
  const ctx = workspace(t);
  fs.mkdirSync(path.join(ctx.workspaceRoot, "sub"));
  fs.writeFileSync(path.join(ctx.workspaceRoot, "file.txt"), "x");
  const r = await execTool.handler({ command: ["pwd"], cwd: "sub" }, ctx);
  t.is(r.stdout, `${path.join(ctx.workspaceRoot, "sub")}\n`);
  await t.throwsAsync(execTool.handler({ command: ["pwd"], cwd: ".." }, ctx), { instanceOf: PathOutsideWorkspaceError });
  await t.throwsAsync(execTool.handler({ command: ["pwd"], cwd: "/" }, ctx), { instanceOf: PathOutsideWorkspaceError });
  await t.throwsAsync(execTool.handler({ command: ["pwd"], cwd: "missing" }, ctx), {
    instanceOf: ToolError,
    message: /does not exist/,
  });
  await t.throwsAsync(execTool.handler({ command: ["pwd"], cwd: "file.txt" }, ctx), {
    instanceOf: ToolError,
    message: /not a directory/,
  });
});

test("a cwd reached through a symlink pointing outside is refused", async (t) => {
  const ctx = workspace(t);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "cody-exec-out-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "escape"));
  await t.throwsAsync(execTool.handler({ command: ["pwd"], cwd: "escape" }, ctx), {
    instanceOf: PathOutsideWorkspaceError,
  });
});

test("a missing program is a ToolError naming it, not a crash", async (t) => {
  const ctx = workspace(t);
  const e = await t.throwsAsync(execTool.handler({ command: ["definitely-not-a-program-xyz"] }, ctx), {
    instanceOf: ToolError,
    message: /definitely-not-a-program-xyz.*not found/,
  });
  t.is(e?.details["errno"], "ENOENT");
  t.is(e?.details["tool"], "exec");
});

test("an argument with a NUL byte is refused as a ToolError", async (t) => {
  const ctx = workspace(t);
  await t.throwsAsync(execTool.handler({ command: ["echo", "a\0b"] }, ctx), { instanceOf: ToolError });
});

test("on timeout the whole process group is killed and no grandchild survives", async (t) => {
  const ctx = workspace(t);
  const r = await fastKill.handler({ command: ["bash", "-c", "sleep 30 & echo $!; sleep 30"], timeoutMs: 300 }, ctx);
  t.true(r.timedOut);
  t.is(r.exitCode, null);
  t.is(r.signal, "SIGTERM");
  const grandchild = Number(r.stdout.trim());
  t.true(grandchild > 0);
  t.true(await gone(grandchild), `grandchild ${grandchild} is still running`);
});

test("a process group that ignores SIGTERM is killed with SIGKILL after the grace period", async (t) => {
  const ctx = workspace(t);
  const r = await fastKill.handler(
    { command: ["bash", "-c", "trap '' TERM; sleep 30 & echo $!; wait"], timeoutMs: 300 },
    ctx,
  );
  t.true(r.timedOut);
  t.is(r.signal, "SIGKILL");
  t.true(await gone(Number(r.stdout.trim())));
});

test("background jobs left behind by a command that exits are cleaned up", async (t) => {
  const ctx = workspace(t);
  const r = await fastKill.handler({ command: ["bash", "-c", "sleep 30 & echo $!"] }, ctx);
  t.is(r.exitCode, 0);
  t.false(r.timedOut);
  t.true(await gone(Number(r.stdout.trim())));
});

test("aborting the signal kills the process group and rejects with AbortedError", async (t) => {
  const controller = new AbortController();
  const ctx = workspace(t, controller.signal);
  const pidFile = path.join(ctx.workspaceRoot, "pids");
  const call = fastKill.handler({ command: ["bash", "-c", "sleep 30 & echo $! $$ > pids; sleep 30"] }, ctx);
  for (let i = 0; i < 200 && !fs.existsSync(pidFile); i++) await delay(25);
  let pids: number[] = [];
  for (let i = 0; i < 100 && pids.length < 2; i++) {
    pids = fs.readFileSync(pidFile, "utf8").trim().split(" ").filter(Boolean).map(Number);
    if (pids.length < 2) await delay(25);
  }
  t.is(pids.length, 2);
  controller.abort();
  await t.throwsAsync(call, { instanceOf: AbortedError });
  for (const pid of pids) t.true(await gone(pid), `process ${pid} is still running`);
});

test("an already aborted signal starts nothing", async (t) => {
  const controller = new AbortController();
  controller.abort();
  const ctx = workspace(t, controller.signal);
  await t.throwsAsync(execTool.handler({ command: ["touch", "made"] }, ctx), { instanceOf: AbortedError });
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, "made")));
});

test("output exactly at the 1 MiB cap is kept whole", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler(
    { command: ["bash", "-c", `head -c ${EXEC_MAX_OUTPUT_BYTES} /dev/zero | tr '\\0' a`] },
    ctx,
  );
  t.false(r.truncated);
  t.is(r.stdout.length, EXEC_MAX_OUTPUT_BYTES);
  t.false(r.stdout.includes("truncated"));
});

test("output one byte past the cap is cut with a marker and truncated is set", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler(
    { command: ["bash", "-c", `head -c ${EXEC_MAX_OUTPUT_BYTES + 1} /dev/zero | tr '\\0' a`] },
    ctx,
  );
  t.true(r.truncated);
  t.is(r.stdout, "a".repeat(EXEC_MAX_OUTPUT_BYTES) + truncationMarker(EXEC_MAX_OUTPUT_BYTES));
  t.is(r.exitCode, 0);
});

test("each stream has its own cap", async (t) => {
  const ctx = workspace(t);
  const tool = createExecTool({ maxOutputBytes: 10 });
  const r = await tool.handler({ command: ["bash", "-c", "printf 0123456789; printf 0123456789X >&2"] }, ctx);
  t.is(r.stdout, "0123456789");
  t.is(r.stderr, `0123456789${truncationMarker(10)}`);
  t.true(r.truncated);
});

test("a timeout too large for a timer is clamped rather than firing at once", async (t) => {
  const ctx = workspace(t);
  const r = await execTool.handler({ command: ["echo", "ok"], timeoutMs: 1e12 }, ctx);
  t.false(r.timedOut);
  t.is(r.stdout, "ok\n");
});

test("an empty program name is a ToolError", async (t) => {
  const ctx = workspace(t);
  await t.throwsAsync(execTool.handler({ command: [""] }, ctx), { instanceOf: ToolError, message: /program/ });
});
