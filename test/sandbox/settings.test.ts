import test from "ava";
import { formatApprovalRequest } from "../../src/approval/index.js";
import { parseConfig } from "../../src/config/index.js";
import { ConfigError, InvalidOptionError } from "../../src/errors/index.js";
import {
  DEFAULT_SANDBOX,
  bwrapArgs,
  commandEnv,
  detectDenial,
  isSecretEnvName,
  resolveSandbox,
  tightenSandbox,
} from "../../src/sandbox/index.js";

test("the default sandbox is workspace-write without network; a mode string or an object resolves over it", (t) => {
  t.deepEqual(DEFAULT_SANDBOX, { mode: "workspace-write", network: false, envKeep: [] });
  t.deepEqual(resolveSandbox("read-only"), { mode: "read-only", network: false, envKeep: [] });
  t.deepEqual(resolveSandbox({ network: true, env: { keep: ["GH_TOKEN"] } }), { mode: "workspace-write", network: true, envKeep: ["GH_TOKEN"] });
  // A flag's mode over the config's settings keeps the config's network and keep list.
  t.deepEqual(resolveSandbox({ mode: "read-only" }, resolveSandbox({ network: true })), { mode: "read-only", network: true, envKeep: [] });
  const e = t.throws(() => resolveSandbox({ mode: "sideways" as never }), { instanceOf: InvalidOptionError });
  t.is(e?.details["path"], "sandbox.mode");
});

test("a run may tighten the sandbox (equal is the edge) but not loosen it", (t) => {
  const server = resolveSandbox("workspace-write");
  t.is(tightenSandbox(server, { mode: "workspace-write" }).mode, "workspace-write");
  t.is(tightenSandbox(server, { mode: "read-only" }).mode, "read-only");
  t.throws(() => tightenSandbox(server, { mode: "danger-full-access" }), { instanceOf: InvalidOptionError, message: /may only tighten/ });
  t.false(tightenSandbox(server, { network: false }).network);
  t.throws(() => tightenSandbox(server, { network: true }), { instanceOf: InvalidOptionError, message: /no network/ });
  const open = resolveSandbox({ network: true });
  t.true(tightenSandbox(open, { network: true }).network);
  t.false(tightenSandbox(open, { network: false }).network);
});

test("secret-looking names are dropped from the inherited environment unless kept; the call's env is never filtered", (t) => {
  for (const name of ["OPENAI_API_KEY", "github_token", "DB_Password", "MY_SECRET", "KEYRING"]) t.true(isSecretEnvName(name), name);
  for (const name of ["PATH", "HOME", "LANG", "TERM"]) t.false(isSecretEnvName(name), name);
  const base = { PATH: "/bin", AWS_SECRET_ACCESS_KEY: "s", GOPATH: "/go", NPM_TOKEN: "n" };
  t.deepEqual(commandEnv(base, ["PATH", "AWS_SECRET_ACCESS_KEY"], [], undefined), { PATH: "/bin" });
  t.deepEqual(commandEnv(base, ["PATH"], ["NPM_TOKEN", "GOPATH", "UNSET"], { API_KEY: "given" }), {
    PATH: "/bin",
    NPM_TOKEN: "n",
    GOPATH: "/go",
    API_KEY: "given",
  });
});

test("bwrap binds the workspace after the read-only root and the protected paths after the workspace", (t) => {
  const root = "/nonexistent-ws-for-args";
  const args = bwrapArgs({ settings: DEFAULT_SANDBOX, workspaceRoot: root, cwd: root, argv: ["true"], env: {} });
  const at = (flag: string, value: string) => args.findIndex((a, i) => a === flag && args[i + 1] === value);
  t.true(at("--ro-bind", "/") < at("--tmpfs", "/tmp"));
  t.true(at("--tmpfs", "/tmp") < at("--bind", root));
  t.true(args.includes("--unshare-net") && args.includes("--unshare-pid") && args.includes("--die-with-parent") && args.includes("--new-session"));
  t.deepEqual(args.slice(-2), ["--", "true"]);
  const net = bwrapArgs({ settings: { ...DEFAULT_SANDBOX, network: true }, workspaceRoot: root, cwd: root, argv: ["true"], env: {} });
  t.false(net.includes("--unshare-net"));
  const ro = bwrapArgs({ settings: { ...DEFAULT_SANDBOX, mode: "read-only" }, workspaceRoot: root, cwd: root, argv: ["true"], env: {} });
  t.true(ro.some((a, i) => a === "--ro-bind" && ro[i + 1] === root));
  t.false(ro.some((a, i) => a === "--bind" && ro[i + 1] === root));
});

test("only clear evidence is a denial: a non-zero exit plus the sandbox's own error text", (t) => {
  const ww = DEFAULT_SANDBOX;
  const erofs = { exitCode: 1, stdout: "", stderr: "touch: cannot touch '/etc/x': Read-only file system\n" };
  t.is(detectDenial(ww, erofs)?.rule, "filesystem");
  t.is(detectDenial(ww, { ...erofs, exitCode: 0 }), undefined);
  t.is(detectDenial({ ...ww, mode: "danger-full-access" }, erofs), undefined);
  t.is(detectDenial(ww, { exitCode: 1, stdout: "", stderr: "sh: 1: cannot create .cody/x: Read-only file system\n" })?.rule, "protected-path");
  t.is(detectDenial(ww, { exitCode: 7, stdout: "", stderr: "curl: (6) Could not resolve host: example.com\n" })?.rule, "network");
  t.is(detectDenial({ ...ww, network: true }, { exitCode: 7, stdout: "", stderr: "curl: (7) Connection refused\n" }), undefined);
  t.is(detectDenial(ww, { exitCode: 2, stdout: "", stderr: "ls: cannot access '/x': No such file or directory\n" }), undefined);
  t.is(detectDenial(ww, { exitCode: 1, stdout: "", stderr: "Permission denied\n" }), undefined);
});

test("cody.json's sandbox section: a mode or an object; anything else names the field", (t) => {
  t.is(parseConfig('{"sandbox": "read-only"}', "c.json").sandbox, "read-only");
  t.deepEqual(parseConfig('{"sandbox": {"mode": "danger-full-access", "network": true, "env": {"keep": ["A_TOKEN"]}}}', "c.json").sandbox, {
    mode: "danger-full-access",
    network: true,
    env: { keep: ["A_TOKEN"] },
  });
  for (const bad of ['"sideways"', '{"mode": "x"}', '{"network": "yes"}', '{"bogus": 1}', '{"env": {"keep": "A"}}', "3"]) {
    const e = t.throws(() => parseConfig(`{"sandbox": ${bad}}`, "c.json"), { instanceOf: ConfigError }, bad);
    t.regex(e?.message ?? "", /sandbox/, bad);
  }
});

test("the terminal prompt shows the sandbox denial when the question is a re-run", (t) => {
  const text = formatApprovalRequest({
    id: "a1",
    runId: "r",
    callId: "c1",
    source: "structured",
    tool: "exec",
    risk: "executes",
    args: { command: ["touch", "/etc/x"] },
    reason: "`exec` was blocked by the sandbox (filesystem); run it again without the sandbox (danger-full-access)?",
    sandboxDenial: "exec: `touch /etc/x` was blocked by the sandbox: sandbox mode `workspace-write` allows …",
  });
  t.regex(text, /denied {2}exec: `touch \/etc\/x` was blocked by the sandbox/);
});
