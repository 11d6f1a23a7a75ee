/**
 * Flags shared by every command that runs tools (`script run`, `exec`, `serve`): workspace, database, approval
 * policy and limits. One place turns them into HarnessOptions so the commands cannot drift apart.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import {
  APPROVAL_POLICY_NAMES,
  TtyApprover,
  parseExecPrefix,
  type ApprovalPolicyName,
  type ApprovalPolicyOptions,
} from "../approval/index.js";
import { UsageError } from "../errors/index.js";
import type { HarnessOptions } from "../harness.js";
import type { Limits } from "../limits.js";

export interface HarnessFlags {
  cwd?: string;
  db?: string;
  approval?: ApprovalPolicyName;
  allow?: string[];
  allowExec?: string[];
  dangerouslyApproveAll?: boolean;
  timeout?: number;
  memory?: number;
  maxToolCalls?: number;
  check?: boolean;
  checkTimeout?: number;
}

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got \`${value}\``);
    return n;
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Add the shared flags to a command. */
export function addHarnessFlags(cmd: Command): Command {
  return cmd
    .option("--cwd <dir>", "workspace root (every tool path is confined to it)")
    .option("--db <file>", "SQLite file for cache, audit and conversations (env CODY_DB; default <cwd>/.cody/cache.db)")
    .addOption(new Option("--approval <policy>", "approval policy (default: on-request on a TTY, never otherwise)").choices(APPROVAL_POLICY_NAMES))
    .option("--allow <tool>", "run this tool without asking (repeatable)", collect)
    .option("--allow-exec <prefix>", 'run exec commands starting with this argv prefix without asking, e.g. "git commit" (repeatable)', collect)
    .option("--dangerously-approve-all", "approve every tool call without asking")
    .option("--timeout <ms>", "wall-time limit per script in milliseconds (default 5000)", int("--timeout"))
    .option("--memory <mb>", "memory limit per VM in MB (default 16)", int("--memory"))
    .option("--max-tool-calls <n>", "tool calls allowed per script (default 32)", int("--max-tool-calls"))
    .option("--no-check", "skip the type-check (scripts are still compiled and cached)")
    .option("--check-timeout <ms>", "deadline for type-checking and compiling one script in milliseconds (default 2000)", int("--check-timeout"));
}

/** Limits given on the command line (only the ones set). */
export function limitsFromFlags(flags: HarnessFlags): Partial<Limits> {
  const limits: Partial<Limits> = {};
  if (flags.timeout !== undefined) limits.timeoutMs = flags.timeout;
  if (flags.memory !== undefined) limits.memoryBytes = flags.memory * 1024 * 1024;
  if (flags.maxToolCalls !== undefined) limits.maxToolCalls = flags.maxToolCalls;
  if (flags.checkTimeout !== undefined) limits.checkTimeoutMs = flags.checkTimeout;
  return limits;
}

/**
 * HarnessOptions from flags. A TTY approver is used only when both stdin and stderr are terminals and stdin is not
 * carrying the script itself.
 */
export async function harnessOptionsFromFlags(
  flags: HarnessFlags,
  opts: { stdinBusy?: boolean } = {},
): Promise<HarnessOptions> {
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const info = await stat(cwd).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--cwd \`${flags.cwd ?? cwd}\` is not a directory`, { cwd });
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY && !opts.stdinBusy);
  const policy: ApprovalPolicyOptions = {
    allowTools: flags.allow ?? [],
    allowExec: (flags.allowExec ?? []).map(parseExecPrefix),
    dangerouslyApproveAll: flags.dangerouslyApproveAll === true,
    ...(flags.approval ? { policy: flags.approval } : {}),
  };
  return {
    cwd,
    dbPath: flags.db ? path.resolve(flags.db) : undefined,
    limits: limitsFromFlags(flags),
    policy,
    approver: interactive ? new TtyApprover() : undefined,
    typecheck: flags.check !== false,
  };
}
