/**
 * The approval policy: a pure decision per call, made before anything runs (after Codex CLI's
 * `Skip | NeedsApproval | Forbidden`). It never asks anyone itself; the dispatcher turns `ask` into a request to an
 * Approver and `forbid` into ApprovalDeniedError.
 */
import { InvalidOptionError } from "../errors/index.js";
import type { RiskClass } from "../tools/index.js";
import { execArgv, matchesExecPrefix } from "./exec-rules.js";
import type { ApprovalMemory } from "./memory.js";
import { isSafeReadOnlyCommand } from "./safe-commands.js";

/**
 * Codex CLI's policy names. `on-failure` is not offered as a name: `on-request` already asks to re-run an exec the OS
 * sandbox blocked (see dispatch/escalate.ts).
 */
export type ApprovalPolicyName = "untrusted" | "on-request" | "never";

export const APPROVAL_POLICY_NAMES: readonly ApprovalPolicyName[] = ["untrusted", "on-request", "never"];

export interface ApprovalPolicyOptions {
  /** @default "on-request" on a TTY, "never" otherwise (see `defaultPolicyName`). */
  policy?: ApprovalPolicyName;
  /** Tools that run without asking (`--allow TOOL`), in every policy. */
  allowTools?: readonly string[];
  /** Exec argv prefixes that run without asking (`--allow-exec "git commit"` → `["git", "commit"]`). */
  allowExec?: readonly (readonly string[])[];
  /** Approve every call without asking. Callers must warn loudly when this is on (see `ResolvedPolicy.warning`). */
  dangerouslyApproveAll?: boolean;
}

/** Options after `normalizePolicyOptions`: every field present. */
export interface ResolvedPolicy {
  policy: ApprovalPolicyName;
  allowTools: readonly string[];
  allowExec: readonly (readonly string[])[];
  dangerouslyApproveAll: boolean;
  /** A line the CLI must print (to stderr) when set: approving everything is dangerous. */
  warning: string | undefined;
}

/** Who settled a call's approval (stored in the audit log). */
export type DecidedBy =
  | "policy"
  | "user"
  | "allow-rule"
  | "approved-script"
  | "remembered"
  | "approve-all"
  | "allowed-tools"
  | "no-approver"
  | "timeout";

export type ApprovalDecision =
  | { kind: "skip"; by: DecidedBy; reason: string }
  | { kind: "ask"; reason: string }
  | { kind: "forbid"; by: DecidedBy; reason: string };

/** What the policy sees of a call. `args` are the validated arguments. */
export interface PolicyCall {
  tool: string;
  risk: RiskClass;
  args: unknown;
}

export interface PolicyContext {
  /** The script's hash was approved by a person (recorded in the cache); on-request and never then run its calls. */
  scriptApproved: boolean;
  /** When set, only these tools may be called at all (any other call is forbidden, even with approve-all). */
  allowedTools?: readonly string[] | undefined;
  /** Earlier "always" answers, and the scope they were given in. */
  memory?: ApprovalMemory | undefined;
  scope?: string | undefined;
}

/** `on-request` when a person can be asked (stdin and stderr are terminals), `never` otherwise. */
export function defaultPolicyName(interactive: boolean): ApprovalPolicyName {
  return interactive ? "on-request" : "never";
}

export const APPROVE_ALL_WARNING =
  "WARNING: --dangerously-approve-all is on: every tool call (writes, commands, MCP tools) runs without asking.";

/** Validate and fill in policy options; throws InvalidOptionError naming the bad field and the value received. */
export function normalizePolicyOptions(input: ApprovalPolicyOptions = {}, interactive = false): ResolvedPolicy {
  const policy = input.policy ?? defaultPolicyName(interactive);
  if (!APPROVAL_POLICY_NAMES.includes(policy)) {
    const hint = (policy as string) === "on-failure" ? " (on-failure needs a sandbox; use on-request, which offers to re-run a sandbox-blocked exec unsandboxed)" : "";
    throw new InvalidOptionError(
      `Approval policy must be one of ${APPROVAL_POLICY_NAMES.join(", ")}, got \`${String(policy)}\`${hint}`,
      { path: "policy", value: String(policy) },
    );
  }
  const allowTools = input.allowTools ?? [];
  if (!Array.isArray(allowTools) || !allowTools.every((t) => typeof t === "string" && t.length > 0)) {
    throw new InvalidOptionError("`allowTools` must be an array of tool names", { path: "allowTools", value: String(allowTools) });
  }
  const allowExec = input.allowExec ?? [];
  if (
    !Array.isArray(allowExec) ||
    !allowExec.every((p) => Array.isArray(p) && p.length > 0 && p.every((s) => typeof s === "string" && s.length > 0))
  ) {
    throw new InvalidOptionError("`allowExec` must be an array of non-empty argv prefixes such as [\"git\", \"commit\"]", {
      path: "allowExec",
      value: JSON.stringify(allowExec),
    });
  }
  const dangerouslyApproveAll = input.dangerouslyApproveAll === true;
  return {
    policy,
    allowTools: [...allowTools],
    allowExec: allowExec.map((p) => [...p]),
    dangerouslyApproveAll,
    warning: dangerouslyApproveAll ? APPROVE_ALL_WARNING : undefined,
  };
}

/** The decision for one call. Pure apart from reading `ctx.memory`. */
export function decide(call: PolicyCall, ctx: PolicyContext, policy: ResolvedPolicy): ApprovalDecision {
  if (ctx.allowedTools !== undefined && !ctx.allowedTools.includes(call.tool)) {
    return { kind: "forbid", by: "allowed-tools", reason: `\`${call.tool}\` is not among the tools this script may call` };
  }
  if (policy.dangerouslyApproveAll) return { kind: "skip", by: "approve-all", reason: "--dangerously-approve-all" };

  const argv = call.tool === "exec" ? execArgv(call.args) : undefined;
  if (call.risk === "read-only") return { kind: "skip", by: "policy", reason: "read-only tool" };
  if (argv !== undefined && isSafeReadOnlyCommand(argv)) {
    return { kind: "skip", by: "policy", reason: `\`${argv[0] ?? ""}\` is a known read-only command` };
  }
  if (policy.allowTools.includes(call.tool)) {
    return { kind: "skip", by: "allow-rule", reason: `--allow ${call.tool}` };
  }
  if (argv !== undefined) {
    const rule = policy.allowExec.find((prefix) => matchesExecPrefix(argv, prefix));
    if (rule) return { kind: "skip", by: "allow-rule", reason: `--allow-exec "${rule.join(" ")}"` };
  }
  if (ctx.memory !== undefined && ctx.memory.covers(ctx.scope ?? "", call.tool, call.args)) {
    return { kind: "skip", by: "remembered", reason: "approved with \"always\" earlier in this session" };
  }
  if (policy.policy !== "untrusted" && ctx.scriptApproved) {
    return { kind: "skip", by: "approved-script", reason: "the script's hash was approved" };
  }
  const why = argv !== undefined ? `runs \`${argv.join(" ")}\`` : call.risk === "writes" ? "writes" : "has side effects";
  if (policy.policy === "never") {
    return {
      kind: "forbid",
      by: "policy",
      reason: `\`${call.tool}\` ${why} and the approval policy is \`never\` (no allow rule matches; ${allowHint(call.tool, argv)})`,
    };
  }
  return { kind: "ask", reason: `\`${call.tool}\` ${why}` };
}

/** The flag that would have allowed a call refused under `never`: `--allow-exec "git commit"` for a command. */
function allowHint(tool: string, argv: readonly unknown[] | undefined): string {
  if (argv === undefined || !argv.every((a) => typeof a === "string")) return `allow it with --allow ${tool}`;
  const words = argv as string[];
  // The program and its subcommand (`git commit`), not its flags or file arguments.
  const prefix = words.length > 1 && !(words[1] as string).startsWith("-") && !(words[1] as string).includes("/") ? words.slice(0, 2) : words.slice(0, 1);
  const quoted = prefix.some((w) => /\s/.test(w)) ? prefix.map((w) => JSON.stringify(w)).join(" ") : prefix.join(" ");
  return `allow it with --allow-exec "${quoted}", or every command with --allow ${tool}`;
}
