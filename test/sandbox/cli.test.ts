import test from "ava";
import fs from "node:fs";
import path from "node:path";
import { runCody } from "../helpers/cli.js";
import { tempWorkspace } from "../helpers/workspace.js";

/** A script that tries to write `target`, catches SandboxError and returns what it learned. */
function writer(target: string): string {
  return [
    "try {",
    `  const r = await tools.exec({ command: ["sh", "-c", "echo hi > ${target}"] });`,
    "  return `wrote (${r.sandbox})`;",
    "} catch (e) {",
    "  if (e instanceof SandboxError) return `blocked ${e.code} ${JSON.stringify(e.details)}`;",
    "  throw e;",
    "}",
  ].join("\n");
}

function outsideFile(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join("/var/tmp", "cody-cli-outside-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, "f.txt");
}

/** The script's return value (printed as JSON). */
const value = (stdout: string): string => JSON.parse(stdout.trim()) as string;

const RUN = ["script", "run", "s.ts", "-q", "--approval", "never", "--allow", "exec", "--cwd", "."];

test("a script catches SandboxError by class; --sandbox danger-full-access lifts it; runs show records the mode", async (t) => {
  const target = outsideFile(t);
  const cwd = tempWorkspace(t, { "s.ts": writer(target) });
  const blocked = await runCody(RUN, { cwd });
  t.is(blocked.code, 0, blocked.stderr);
  t.regex(value(blocked.stdout), /blocked CODY_TOOL_SANDBOX .*"rule":"filesystem".*"mode":"workspace-write"/);
  t.false(fs.existsSync(target));

  const free = await runCody([...RUN, "--sandbox", "danger-full-access"], { cwd });
  t.is(free.code, 0, free.stderr);
  t.regex(value(free.stdout), /wrote \(danger-full-access\)/);
  t.true(fs.existsSync(target));

  const ls = await runCody(["runs", "ls", "--json"], { cwd });
  const runs = (JSON.parse(ls.stdout) as { runs: { runId: string }[] }).runs;
  const [latest, previous] = runs;
  const showFree = await runCody(["runs", "show", latest?.runId ?? ""], { cwd });
  t.regex(showFree.stdout, /sandbox danger-full-access/);
  const showBlocked = await runCody(["runs", "show", previous?.runId ?? ""], { cwd });
  t.regex(showBlocked.stdout, /sandbox workspace-write/);
  t.regex(showBlocked.stdout, /CODY_TOOL_SANDBOX/);
});

test("cody.json's sandbox mode applies and the flag overrides it; an invalid section is a usage error", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": writer("made.txt"), "cody.json": JSON.stringify({ sandbox: { mode: "read-only" } }) });
  const ro = await runCody(RUN, { cwd });
  t.regex(value(ro.stdout), /blocked CODY_TOOL_SANDBOX .*"mode":"read-only"/);
  t.false(fs.existsSync(path.join(cwd, "made.txt")));
  const ww = await runCody([...RUN, "--sandbox", "workspace-write"], { cwd });
  t.regex(value(ww.stdout), /wrote \(workspace-write\)/);
  t.true(fs.existsSync(path.join(cwd, "made.txt")));

  fs.writeFileSync(path.join(cwd, "cody.json"), JSON.stringify({ sandbox: { mode: "sideways" } }));
  const bad = await runCody(RUN, { cwd });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /sandbox/);
  const flag = await runCody([...RUN, "--sandbox", "sideways"], { cwd });
  t.is(flag.code, 2);
});

test("cody doctor reports a working sandbox, and says why not when bwrap is missing", async (t) => {
  const cwd = tempWorkspace(t);
  const ok = await runCody(["doctor"], { cwd });
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /node\s+\d+\.\d+/);
  t.regex(ok.stdout, /sandbox\s+works \(bubblewrap/);
  const env = { ...process.env, CODY_BWRAP_PATH: "/nonexistent/bwrap" };
  const missing = await runCody(["doctor", "--json"], { cwd, env });
  t.is(missing.code, 1);
  const report = JSON.parse(missing.stdout) as { ready: boolean; sandbox: { ok: boolean; reason: string } };
  t.false(report.ready);
  t.false(report.sandbox.ok);
  t.regex(report.sandbox.reason, /not found: install bubblewrap/);
  // Configured to run unconfined, the machine is ready without bwrap.
  fs.writeFileSync(path.join(cwd, "cody.json"), JSON.stringify({ sandbox: "danger-full-access" }));
  const unconfined = await runCody(["doctor"], { cwd, env });
  t.is(unconfined.code, 0);
  t.regex(unconfined.stdout, /NOT available/);
});

test("exec in a script refuses to run when bwrap is missing (CODY_BWRAP_PATH), with the typed error", async (t) => {
  const cwd = tempWorkspace(t, { "s.ts": writer("made.txt") });
  const r = await runCody(RUN, { cwd, env: { ...process.env, CODY_BWRAP_PATH: "/nonexistent/bwrap" } });
  t.regex(value(r.stdout), /blocked CODY_TOOL_SANDBOX .*"rule":"unavailable"/);
  t.false(fs.existsSync(path.join(cwd, "made.txt")));
});
