/**
 * The bubblewrap command line for a confined command. The whole host filesystem is bound read-only, then a fresh
 * /dev, /proc (in a new PID namespace) and /tmp are mounted, then the workspace (writable in `workspace-write`), and
 * last the paths inside it that stay read-only — bwrap applies mounts in order, so later binds win.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import type { SandboxSettings } from "./mode.js";
import { hasNetwork } from "./mode.js";

/** Environment variable naming the bwrap binary (tests and debugging; normally `bwrap` on PATH). */
const BWRAP_PATH_ENV = "CODY_BWRAP_PATH";

/** Paths inside the workspace a `workspace-write` command may not change: cody's state and git's hooks run code later. */
export const PROTECTED_WORKSPACE_PATHS: readonly string[] = [".cody", path.join(".git", "hooks")];

/** The file descriptor bwrap reports the child's start and exit on (`--json-status-fd`). */
const BWRAP_STATUS_FD = 3;

/** The bwrap binary to run: the explicit option, else `$CODY_BWRAP_PATH`, else `bwrap` from PATH. */
export function resolveBwrapPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? (env[BWRAP_PATH_ENV] || "bwrap");
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The protected paths of `root` that exist, creating the ones that are missing but whose parent is a real directory
 * (`.cody/` always, `.git/hooks` when `.git` is a directory): a path that does not exist cannot be bound read-only,
 * and the command could then create it (a `.cody/config.json` starting an MCP server, a git hook).
 */
function protectedPaths(root: string): string[] {
  const out: string[] = [];
  for (const rel of PROTECTED_WORKSPACE_PATHS) {
    const abs = path.join(root, rel);
    if (!isDirectory(path.dirname(abs))) continue;
    try {
      mkdirSync(abs, { recursive: true });
    } catch {
      // A file in the way is bound read-only as it is; a directory we may not create, the command cannot create either.
    }
    // bwrap refuses to bind a source that does not exist (e.g. a dangling symlink), which would fail every call.
    if (existsSync(abs)) out.push(abs);
  }
  return out;
}

export interface BwrapCommand {
  settings: SandboxSettings;
  /** Real path of the workspace root. */
  workspaceRoot: string;
  /** Absolute working directory inside the workspace. */
  cwd: string;
  argv: readonly string[];
  /**
   * The command's whole environment, set inside the sandbox (`--clearenv --setenv …`). bwrap itself must be started
   * with an environment the script cannot choose: as root, an `LD_PRELOAD` reaching bwrap would run code outside it.
   */
  env: Record<string, string>;
}

/** Arguments for bwrap (not including the binary) that run `argv` confined by `settings` (a confined mode). */
export function bwrapArgs(cmd: BwrapCommand): string[] {
  const { settings, workspaceRoot: root } = cmd;
  const args = [
    // SIGKILL the sandbox when bwrap (or cody) dies; a PID namespace so that killing bwrap kills every descendant,
    // even one that left the process group; a new session so the command cannot reach a terminal (TIOCSTI).
    "--die-with-parent",
    "--unshare-pid",
    "--new-session",
    ...(hasNetwork(settings) ? [] : ["--unshare-net"]),
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    "--tmpfs", "/tmp",
  ];
  if (settings.mode === "workspace-write") {
    args.push("--bind", root, root);
    for (const p of protectedPaths(root)) args.push("--ro-bind", p, p);
  } else {
    // Bound again so a workspace under /tmp is not hidden by the fresh /tmp.
    args.push("--ro-bind", root, root);
  }
  args.push("--clearenv");
  for (const [name, value] of Object.entries(cmd.env)) args.push("--setenv", name, value);
  args.push("--chdir", cmd.cwd, "--json-status-fd", String(BWRAP_STATUS_FD), "--", ...cmd.argv);
  return args;
}
