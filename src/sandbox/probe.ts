/** Does the sandbox work here? Runs `true` inside it exactly as exec would (`cody doctor`, the bench). */
import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bwrapArgs, resolveBwrapPath } from "./bwrap.js";
import { DEFAULT_SANDBOX } from "./mode.js";

export interface SandboxProbe {
  ok: boolean;
  /** The binary tried. */
  bwrap: string;
  /** `bubblewrap 0.8.0`, when it answered `--version`. */
  version?: string | undefined;
  /** Why the sandbox cannot be used, when `ok` is false. */
  reason?: string | undefined;
}

function run(file: string, args: string[]): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? ((error as NodeJS.ErrnoException).code ?? 1) : 0;
      resolve({ code: code as number | string, stdout, stderr });
    });
  });
}

/** Why bwrap cannot be used, in words a person can act on. */
export function unavailableReason(bwrap: string, code: number | string | null, stderr: string): string {
  if (code === "ENOENT") {
    return `\`${bwrap}\` was not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)`;
  }
  if (code === "EACCES") return `\`${bwrap}\` is not executable`;
  const said = stderr.trim().split("\n").slice(-3).join(" ");
  const hint = /namespace|uid map|permission|operation not permitted/i.test(said)
    ? " (user namespaces are probably disabled: see kernel.unprivileged_userns_clone / user.max_user_namespaces, or an AppArmor profile for bwrap)"
    : "";
  return `\`${bwrap}\` failed to start a sandbox (exit ${String(code)}): ${said || "no message"}${hint}`;
}

/** Try the sandbox: `bwrap --version`, then `true` in a workspace-write sandbox over a temporary directory. */
export async function probeSandbox(opts: { bwrapPath?: string | undefined } = {}): Promise<SandboxProbe> {
  const bwrap = resolveBwrapPath(opts.bwrapPath);
  if (process.platform !== "linux") {
    return { ok: false, bwrap, reason: `the sandbox needs Linux (bubblewrap); this is ${process.platform}` };
  }
  const version = await run(bwrap, ["--version"]);
  if (version.code !== 0) return { ok: false, bwrap, reason: unavailableReason(bwrap, version.code, version.stderr) };
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "cody-probe-")));
  try {
    const args = bwrapArgs({ settings: DEFAULT_SANDBOX, workspaceRoot: dir, cwd: dir, argv: ["true"], env: {} });
    // No status pipe here: drop `--json-status-fd 3`.
    const at = args.indexOf("--json-status-fd");
    args.splice(at, 2);
    const tried = await run(bwrap, args);
    const v = version.stdout.trim();
    if (tried.code !== 0) return { ok: false, bwrap, version: v, reason: unavailableReason(bwrap, tried.code, tried.stderr) };
    return { ok: true, bwrap, version: v };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
