/**
 * Flags shared by every command that runs tools (`script run`, `exec`, `serve`): workspace, database, approval
 * policy, limits and the sandbox. One place turns them into HarnessOptions so the commands cannot drift apart.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import {
  APPROVAL_POLICY_NAMES,
  TtyApprover,
  parseExecPrefix,
  type ApprovalPolicyName,
  type ApprovalPolicyOptions,
} from "../approval/index.js";
import { resolveSettings, type Settings } from "../config/index.js";
import { UsageError } from "../errors/index.js";
import type { HarnessOptions } from "../harness.js";
import type { Limits } from "../limits.js";
import { storeSecretFromEnv } from "./store-target.js";
import { collect } from "./flag-values.js";
import { closest } from "./suggest.js";
import { resolveWorkspace } from "./workspace.js";
import { SANDBOX_MODES, type SandboxMode } from "../sandbox/index.js";

export interface HarnessFlags {
  cwd?: string;
  store?: string;
  db?: string;
  approval?: ApprovalPolicyName;
  allow?: string[];
  allowExec?: string[];
  dangerouslyApproveAll?: boolean;
  timeout?: number;
  memory?: number;
  maxToolCalls?: number;
  check?: boolean;
  sandbox?: SandboxMode;
  checkTimeout?: number;
}

/** A whole-number flag with its lower bound; the message says the bound and the unit (`--timeout 0` is not "non-negative"). */
function int(name: string, min: number, unit: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      const what = min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer >= ${min}`;
      throw new UsageError(`${name} must be ${what}${unit ? ` (${unit})` : ""}, got \`${value}\``);
    }
    return n;
  };
}

/** What each policy does, and what to use for Codex's `on-failure` (docs/approvals.md). */
function approvalPolicy(value: string): ApprovalPolicyName {
  if ((APPROVAL_POLICY_NAMES as readonly string[]).includes(value)) return value as ApprovalPolicyName;
  const instead =
    value === "on-failure"
      ? "on-failure means \"run in a sandbox, ask when that fails\" and cody has no sandbox for a call to fail in: use on-request. "
      : "";
  throw new InvalidArgumentError(
    `${instead}Policies: untrusted (ask for anything not read-only), on-request (ask for writes, commands and MCP ` +
      "tools; approved scripts run), never (refuse what on-request would ask unless --allow/--allow-exec matches).",
  );
}

/**
 * Refuse `--allow` names that are not tools (`--allow writefile` would otherwise be accepted and every call denied);
 * say which tool was probably meant.
 */
export function checkAllowedTools(allow: readonly string[], known: readonly string[]): void {
  for (const name of allow) {
    if (known.includes(name)) continue;
    const guess = closest(name, known);
    throw new UsageError(
      `--allow ${name}: no tool of that name${guess ? ` (did you mean ${guess}?)` : ""}; tools: ${known.join(", ")}`,
      { path: "--allow", value: name, ...(guess ? { suggestion: guess } : {}) },
    );
  }
}


/** Add the shared flags to a command. */
export function addHarnessFlags(cmd: Command): Command {
  return cmd
    .option("--cwd <dir>", "workspace root (default: nearest directory up with cody.json, .cody/ or .git); tool paths are confined to it")
    .option("--store <url|file>", "postgres:// URL (shared by a fleet; needs CODY_STORE_SECRET) or SQLite file for cache, audit and conversations (env CODY_STORE; default: cody.json's store, else --db)")
    .option("--db <file>", "SQLite file for cache, audit and conversations (env CODY_DB; default <cwd>/.cody/cache.db)")
    .addOption(
      new Option("--approval <policy>", `approval policy: ${APPROVAL_POLICY_NAMES.join(" | ")} (default: on-request on a TTY, never otherwise)`).argParser(approvalPolicy),
    )
    .option("--allow <tool>", "run this tool without asking (repeatable)", collect)
    .option("--allow-exec <prefix>", 'run exec commands starting with this argv prefix without asking, e.g. "git commit" (repeatable)', collect)
    .option("--dangerously-approve-all", "approve every tool call without asking")
    .option("--timeout <ms>", "wall-time limit per script in milliseconds (default 5000)", int("--timeout", 1, "milliseconds"))
    .option("--memory <mb>", "memory limit per VM in MB (default 16)", int("--memory", 1, "MB"))
    .option("--max-tool-calls <n>", "tool calls allowed per script (default 32)", int("--max-tool-calls", 0, ""))
    .option("--no-check", "skip the type-check (scripts are still compiled and cached)")
    .option("--check-timeout <ms>", "deadline for type-checking and compiling one script in milliseconds (default 2000)", int("--check-timeout", 1, "milliseconds"))
    .addOption(
      new Option("--sandbox <mode>", "OS sandbox for exec commands (default: cody.json's, else workspace-write)").choices(SANDBOX_MODES),
    );
}

/** Limits given on the command line (only the ones set). */
function limitsFromFlags(flags: HarnessFlags): Partial<Limits> {
  const limits: Partial<Limits> = {};
  if (flags.timeout !== undefined) limits.timeoutMs = flags.timeout;
  if (flags.memory !== undefined) limits.memoryBytes = flags.memory * 1024 * 1024;
  if (flags.maxToolCalls !== undefined) limits.maxToolCalls = flags.maxToolCalls;
  if (flags.checkTimeout !== undefined) limits.checkTimeoutMs = flags.checkTimeout;
  return limits;
}

/**
 * A command's settings, resolved once: `--cwd` (else the workspace found from here); the store from `--store`, else
 * `--db` (both relative to the shell's directory, as typed), else `CODY_STORE`, `CODY_DB`, cody.json's `store`, else
 * `<cwd>/.cody/cache.db`, with `CODY_STORE_SECRET`; limit flags over cody.json's `limits` over the defaults; the
 * approval flags and `--sandbox` over cody.json's. The CLI is the one place that reads the environment.
 */
export function settingsFromFlags(flags: HarnessFlags): Promise<Settings> {
  const policy: ApprovalPolicyOptions = {
    allowTools: flags.allow ?? [],
    allowExec: (flags.allowExec ?? []).map(parseExecPrefix),
    dangerouslyApproveAll: flags.dangerouslyApproveAll === true,
    ...(flags.approval ? { policy: flags.approval } : {}),
  };
  return resolveSettings({
    cwd: resolveWorkspace(flags.cwd),
    env: process.env,
    flagCwd: process.cwd(),
    store: flags.store,
    dbPath: flags.db,
    storeSecret: storeSecretFromEnv(),
    limits: limitsFromFlags(flags),
    policy,
    sandbox: flags.sandbox ? { mode: flags.sandbox } : undefined,
  });
}

/** HarnessOptions whose settings were resolved from flags (the harness takes them as they are). */
export type CliHarnessOptions = HarnessOptions & { settings: Settings };

/**
 * HarnessOptions from flags, over settings resolved once (`settingsFromFlags`). A TTY approver is used only when both
 * stdin and stderr are terminals and stdin is not carrying the script itself.
 */
export async function harnessOptionsFromFlags(
  flags: HarnessFlags,
  opts: { stdinBusy?: boolean } = {},
): Promise<CliHarnessOptions> {
  const settings = await settingsFromFlags(flags);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY && !opts.stdinBusy);
  return {
    cwd: settings.cwd,
    settings,
    approver: interactive ? new TtyApprover() : undefined,
    typecheck: flags.check !== false,
  };
}
