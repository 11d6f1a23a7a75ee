/**
 * exec: run a program with an argv (never a shell) inside the workspace. The child leads its own process group
 * so a timeout, an abort, or the leader exiting takes down everything it started; output is capped per stream.
 * In the confined sandbox modes the child is bubblewrap (see sandbox/), which runs the program in its own mount,
 * PID and (usually) network namespaces; killing bwrap's group then ends the whole PID namespace.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { AbortedError, SandboxError, ToolError } from "../../errors/index.js";
import {
  DEFAULT_SANDBOX,
  bwrapArgs,
  commandEnv,
  detectDenial,
  isConfined,
  resolveBwrapPath,
  unavailableReason,
  type SandboxMode,
  type SandboxSettings,
} from "../../sandbox/index.js";
import { execSpec } from "../schemas.js";
import type { ToolContext, ToolDefinition } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";

export interface ExecArgs {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  stdin?: string;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
  /** The sandbox mode the command ran under. */
  sandbox: SandboxMode;
}

/** Bytes kept per stream (stdout, stderr); the rest is drained and dropped. @default 1048576 (1 MiB) */
export const EXEC_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Timeout when the call gives none. @default 120000 (2 min) */
const EXEC_DEFAULT_TIMEOUT_MS = 120_000;
/** Time between SIGTERM and SIGKILL to the process group. @default 1000 */
const EXEC_KILL_GRACE_MS = 1_000;
/** Variables passed through from the host's environment; everything else must come from `env`. */
export const EXEC_INHERITED_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TMPDIR",
  "TZ",
];

/** The longest delay Node's timers accept. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ExecToolOptions {
  maxOutputBytes: number;
  defaultTimeoutMs: number;
  killGraceMs: number;
  /** The environment the inherited variables are taken from. @default process.env */
  baseEnv: NodeJS.ProcessEnv;
  /** The sandbox when the call's context gives none. @default DEFAULT_SANDBOX (workspace-write, no network) */
  sandbox: SandboxSettings;
  /**
   * The bubblewrap binary. Tests and debugging only (e.g. a path that does not exist, to see the refusal).
   * @default `$CODY_BWRAP_PATH`, else `bwrap` on PATH
   */
  bwrapPath: string | undefined;
}

/** The marker appended to a stream cut at the cap. */
export function truncationMarker(maxBytes: number): string {
  return `\n[output truncated at ${maxBytes} bytes]`;
}

/** Keeps up to `max` bytes of a stream and remembers whether more arrived. */
class CappedBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.#size;
    if (chunk.length > room) {
      this.truncated = true;
      if (room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#size = this.max;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  text(): string {
    const out = Buffer.concat(this.#chunks).toString("utf8");
    return this.truncated ? out + truncationMarker(this.max) : out;
  }
}

/** What to start: the program itself, or bwrap around it. */
interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  settings: SandboxSettings;
  /** Set when `file` is bwrap. */
  bwrap: string | undefined;
}

function planLaunch(args: ExecArgs, cwd: string, ctx: ToolContext, opts: ExecToolOptions): Launch {
  const settings = ctx.sandbox ?? opts.sandbox;
  const env = commandEnv(opts.baseEnv, EXEC_INHERITED_ENV, settings.envKeep, args.env);
  const [program = "", ...argv] = args.command;
  if (!isConfined(settings.mode)) return { file: program, args: argv, env, settings, bwrap: undefined };
  // The host's TMPDIR does not exist under the sandbox's fresh /tmp.
  if (args.env?.["TMPDIR"] === undefined && env["TMPDIR"] !== undefined) env["TMPDIR"] = "/tmp";
  const bwrap = resolveBwrapPath(opts.bwrapPath, opts.baseEnv);
  return {
    file: bwrap,
    args: bwrapArgs({ settings, workspaceRoot: ctx.workspaceRoot, cwd, argv: args.command, env }),
    // bwrap runs outside the sandbox: it gets only the host's PATH (to be found), never the call's variables.
    env: { PATH: opts.baseEnv["PATH"] ?? "/usr/local/bin:/usr/bin:/bin" },
    settings,
    bwrap,
  };
}

/**
 * Collects bwrap's `--json-status-fd` reports. bwrap reports `exit-code` only for a program it actually started
 * (measured with bwrap 0.8: a failed mount, chdir or execvp inside the sandbox reports `child-pid` and then nothing),
 * so its absence after a normal exit means the sandbox, not the program, failed.
 */
class BwrapStatus {
  #text = "";
  ran = false;
  push(chunk: Buffer): void {
    this.#text += chunk.toString("utf8");
    if (this.#text.includes('"exit-code"')) this.ran = true;
  }
}

/** Signal a whole process group; a group that is already gone is not an error. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function resolveCwd(ctx: ToolContext, cwd: string | undefined): Promise<string> {
  const resolved = resolveInWorkspace(ctx.workspaceRoot, cwd ?? ".");
  try {
    if ((await stat(resolved.abs)).isDirectory()) return resolved.abs;
  } catch {
    throw new ToolError(`exec: working directory \`${resolved.rel}\` does not exist`, { tool: "exec", cwd });
  }
  throw new ToolError(`exec: working directory \`${resolved.rel}\` is not a directory`, { tool: "exec", cwd });
}

function runProcess(args: ExecArgs, cwd: string, ctx: ToolContext, opts: ExecToolOptions): Promise<ExecResult> {
  const [program] = args.command;
  if (program === undefined || program === "") {
    return Promise.reject(new ToolError("exec: command must name a program", { tool: "exec" }));
  }
  const launch = planLaunch(args, cwd, ctx, opts);
  const mode = launch.settings.mode;
  // setTimeout fires at once (and prints a warning) past 2^31-1 ms; longer timeouts mean "about 24.8 days".
  const timeoutMs = Math.min(args.timeoutMs ?? opts.defaultTimeoutMs, MAX_TIMER_MS);
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new AbortedError("exec was aborted before it started", { tool: "exec" }));
      return;
    }
    if (launch.bwrap !== undefined && process.platform !== "linux") {
      reject(unavailable(launch, `the sandbox needs Linux (bubblewrap); this is ${process.platform}`, args.command));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, {
        cwd,
        env: launch.env,
        detached: true, // own process group, so killGroup reaches grandchildren
        stdio: [args.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe", ...(launch.bwrap ? (["pipe"] as const) : [])],
      });
    } catch (error) {
      // Synchronous refusals, e.g. a NUL byte in an argument or variable.
      const message = error instanceof Error ? error.message : String(error);
      reject(new ToolError(`exec: cannot start \`${program}\`: ${message}`, { tool: "exec", command: args.command }));
      return;
    }
    const stdout = new CappedBuffer(opts.maxOutputBytes);
    const stderr = new CappedBuffer(opts.maxOutputBytes);
    const status = new BwrapStatus();
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let escalation: NodeJS.Timeout | undefined;

    const terminate = (): void => {
      const pid = child.pid;
      if (pid === undefined || escalation !== undefined) return;
      killGroup(pid, "SIGTERM");
      // Not unref'd: the SIGKILL must happen even if nothing else keeps the host alive.
      escalation = setTimeout(() => {
        killGroup(pid, "SIGKILL");
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, opts.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, timeoutMs);
    const onAbort = (): void => {
      terminate();
      finish(new AbortedError("exec was aborted", { tool: "exec", command: args.command }));
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });

    function finish(error?: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      if (error) {
        reject(error);
        return;
      }
      // Everything in the group got SIGTERM when the leader exited. If something is still there it ignored it,
      // so the pending SIGKILL stays armed; otherwise the timer would only delay the host's exit.
      if (escalation !== undefined && child.pid !== undefined && !groupAlive(child.pid)) clearTimeout(escalation);
      const result: ExecResult = {
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
        sandbox: mode,
      };
      if (launch.bwrap === undefined) {
        resolve(result);
        return;
      }
      const failure = sandboxFailure(launch, status.ran, result, args.command);
      if (failure) reject(failure);
      else resolve(result);
    }

    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdio[3]?.on("data", (chunk: Buffer) => status.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) terminate();
      if (launch.bwrap !== undefined) {
        const reason = unavailableReason(launch.bwrap, error.code ?? error.message, "");
        finish(unavailable(launch, reason, args.command));
        return;
      }
      const reason =
        error.code === "ENOENT"
          ? `program \`${program}\` was not found`
          : error.code === "EACCES"
            ? `program \`${program}\` is not executable`
            : error.message;
      finish(new ToolError(`exec: ${reason}`, { tool: "exec", command: args.command, errno: error.code ?? null }));
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group (background jobs) goes with it; this also lets the
      // output pipes close when a grandchild still holds them.
      if (child.pid !== undefined) terminate();
    });
    child.on("close", () => finish());

    if (child.stdin) {
      child.stdin.on("error", () => {
        // EPIPE: the program exited without reading all of its input; its exit status tells the story.
      });
      child.stdin.end(args.stdin ?? "");
    }
  });
}

function unavailable(launch: Launch, reason: string, command: string[]): SandboxError {
  return new SandboxError(
    `exec: the sandbox (mode \`${launch.settings.mode}\`) cannot be used here: ${reason}. The command was not run; ` +
      "run `cody doctor` for details, or choose --sandbox danger-full-access to run commands unconfined",
    { tool: "exec", rule: "unavailable", mode: launch.settings.mode, command, bwrap: launch.bwrap ?? null, reason },
  );
}

/**
 * Turn a confined command's outcome into an error when the sandbox is to blame: bwrap never started the program (it
 * could not set the sandbox up), the program was not found inside it, or the output shows a denial.
 */
function sandboxFailure(launch: Launch, ran: boolean, result: ExecResult, command: string[]): Error | undefined {
  // Killed on timeout, bwrap reports nothing: the result (timedOut) says what happened.
  if (result.timedOut) return undefined;
  if (!ran) {
    const program = command[0] ?? "";
    const execvp = /^bwrap: execvp [^\n]*: (No such file or directory|Permission denied)\n?$/.exec(result.stderr);
    if (execvp) {
      const missing = execvp[1] === "No such file or directory";
      return new ToolError(`exec: program \`${program}\` ${missing ? "was not found" : "is not executable"}`, {
        tool: "exec",
        command,
        errno: missing ? "ENOENT" : "EACCES",
      });
    }
    return unavailable(launch, unavailableReason(launch.bwrap ?? "bwrap", result.exitCode, result.stderr), command);
  }
  const denial = detectDenial(launch.settings, result);
  if (!denial) return undefined;
  return new SandboxError(`exec: \`${command.join(" ")}\` was blocked by the sandbox: ${denial.message}`, {
    tool: "exec",
    rule: denial.rule,
    mode: launch.settings.mode,
    command,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  });
}

/** Build the exec tool; options exist so tests and embedders can choose smaller caps. */
export function createExecTool(options: Partial<ExecToolOptions> = {}): ToolDefinition<ExecArgs, ExecResult> {
  const opts: ExecToolOptions = {
    maxOutputBytes: options.maxOutputBytes ?? EXEC_MAX_OUTPUT_BYTES,
    defaultTimeoutMs: options.defaultTimeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS,
    killGraceMs: options.killGraceMs ?? EXEC_KILL_GRACE_MS,
    baseEnv: options.baseEnv ?? process.env,
    sandbox: options.sandbox ?? DEFAULT_SANDBOX,
    bwrapPath: options.bwrapPath,
  };
  return {
    ...execSpec,
    sandboxed: true,
    async handler(args, ctx) {
      const cwd = await resolveCwd(ctx, args.cwd);
      return runProcess(args, cwd, ctx, opts);
    },
  };
}

export const execTool = createExecTool();
