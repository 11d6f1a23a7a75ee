/** Public surface of approval/: the policy decision, the approver bridge (TTY, callback), memory and redaction. */
export {
  APPROVAL_POLICY_NAMES,
  APPROVE_ALL_WARNING,
  decide,
  defaultPolicyName,
  normalizePolicyOptions,
} from "./policy.js";
export { isSafeReadOnlyCommand } from "./safe-commands.js";
export { execArgv, matchesExecPrefix, parseExecPrefix, rememberedExecRule } from "./exec-rules.js";
export { ApprovalMemory } from "./memory.js";
export { APPROVAL_ANSWERS, CallbackApprover } from "./approver.js";
export { TtyApprover } from "./tty-approver.js";
export { APPROVAL_QUESTION, formatApprovalRequest, parseApprovalAnswer } from "./format.js";
export type {
  ApprovalDecision,
  ApprovalPolicyName,
  ApprovalPolicyOptions,
  DecidedBy,
  PolicyCall,
  PolicyContext,
  ResolvedPolicy,
} from "./policy.js";
export type { ApprovalAnswer, ApprovalRequest, Approver } from "./approver.js";
export type { TtyApproverOptions } from "./tty-approver.js";
