/**
 * The package's library surface. Most embedders need only `createHarness` (check, compile, cache and run scripts
 * against the workspace tools); the lower layers are exported for those who assemble their own.
 */
export { Harness, createHarness } from "./harness.js";
export { DEFAULT_LIMITS, normalizeLimits } from "./limits.js";
export {
  CodyError,
  isLimitError,
  serializeError,
  publicError,
  deserializeError,
  ScriptTooLargeError,
  ScriptTypeError,
  ScriptSyntaxError,
  ScriptRuntimeError,
  TimeoutError,
  MemoryLimitError,
  ToolCallLimitError,
  ToolError,
  ToolArgumentError,
  ApprovalDeniedError,
  PathOutsideWorkspaceError,
  AbortedError,
  SandboxError,
  CheckTimeoutError,
  ProtectedPathError,
} from "./errors/index.js";
export {
  compileScript,
  generateToolsDts,
  TypeChecker,
  CompilerHost,
  computeArtifactKey,
  validateScriptSource,
} from "./compiler/index.js";
export { ArtifactCache } from "./cache/index.js";
export { ScriptPool, Turn, publicRunResult, publicRunEvent } from "./runtime/index.js";
export { ToolRegistry, BUILTIN_SPECS, McpManager, resolveInWorkspace } from "./tools/index.js";
export { createBuiltinRegistry, createBuiltinTools } from "./tools/index.js";
export { ToolDispatcher } from "./dispatch/index.js";
export { CallbackApprover, TtyApprover } from "./approval/index.js";
export { AuditLog } from "./audit/index.js";
export { loadConfig } from "./config/index.js";
export { openDatabase, resolveDatabasePath } from "./store/index.js";
export { Agent, StreamingDetector, detectToolCalls, createProvider, buildSystemPrompt } from "./agent/index.js";
export { createServer, ApprovalBroker } from "./server/index.js";
export type { HarnessOptions, HarnessRunOptions, HarnessMetrics, PrepareResult, ScriptInput } from "./harness.js";
export type { Limits } from "./limits.js";
export type { SerializedError, ErrorLocation } from "./errors/index.js";
export type { Artifact, Diagnostic, ToolsDts } from "./compiler/index.js";
export type { RunResult, RunEvent, ConsoleEntry, ToolCallRecord, ToolInvoker, ToolInvocation, PoolOptions } from "./runtime/index.js";
export type { ToolDefinition, ToolSpec, ToolContext, JsonSchema, RiskClass } from "./tools/index.js";
export type { Approver, ApprovalRequest, ApprovalAnswer, ApprovalPolicyOptions } from "./approval/index.js";
export type { CodyConfig } from "./config/index.js";
export { SANDBOX_MODES, probeSandbox } from "./sandbox/index.js";
export type { SandboxMode, SandboxSettings, SandboxConfig } from "./sandbox/index.js";
