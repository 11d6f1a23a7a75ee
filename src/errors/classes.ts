/** Concrete error classes, one per stable code. Each registers itself so `deserializeError` rebuilds it. */
import { CodyError, registerErrorCode, type ErrorLocation } from "./base.js";

type Details = Record<string, unknown>;
interface Opts { location?: ErrorLocation; cause?: unknown }

/** Bad command-line usage or API call. */
export class UsageError extends CodyError {
  static readonly code = "CODY_USAGE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_USAGE", message, details, options);
  }
}
registerErrorCode("CODY_USAGE", (s) => new UsageError(s.message, s.details, s.location ? { location: s.location } : {}));

/** An option (limit, flag, config field) has an invalid value; details name the path and the value received. */
export class InvalidOptionError extends CodyError {
  static readonly code = "CODY_INVALID_OPTION";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_INVALID_OPTION", message, details, options);
  }
}
registerErrorCode("CODY_INVALID_OPTION", (s) => new InvalidOptionError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A configuration file is missing, unreadable or malformed. */
export class ConfigError extends CodyError {
  static readonly code = "CODY_CONFIG_INVALID";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_CONFIG_INVALID", message, details, options);
  }
}
registerErrorCode("CODY_CONFIG_INVALID", (s) => new ConfigError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script source exceeds the size limit (details: size, limit). */
export class ScriptTooLargeError extends CodyError {
  static readonly code = "CODY_SCRIPT_TOO_LARGE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_TOO_LARGE", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_TOO_LARGE", (s) => new ScriptTooLargeError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script has no code. */
export class ScriptEmptyError extends CodyError {
  static readonly code = "CODY_SCRIPT_EMPTY";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_EMPTY", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_EMPTY", (s) => new ScriptEmptyError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script is binary or not valid UTF-8. */
export class ScriptEncodingError extends CodyError {
  static readonly code = "CODY_SCRIPT_ENCODING";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_ENCODING", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_ENCODING", (s) => new ScriptEncodingError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script file could not be read (missing, a directory, permissions). */
export class ScriptReadError extends CodyError {
  static readonly code = "CODY_SCRIPT_READ";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_READ", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_READ", (s) => new ScriptReadError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script does not parse. */
export class ScriptSyntaxError extends CodyError {
  static readonly code = "CODY_SCRIPT_SYNTAX";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_SYNTAX", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_SYNTAX", (s) => new ScriptSyntaxError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script has type errors (details.diagnostics). */
export class ScriptTypeError extends CodyError {
  static readonly code = "CODY_SCRIPT_TYPE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_TYPE", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_TYPE", (s) => new ScriptTypeError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script threw an uncaught exception (details: name, message, stack mapped to the user's TypeScript). */
export class ScriptRuntimeError extends CodyError {
  static readonly code = "CODY_SCRIPT_RUNTIME";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_SCRIPT_RUNTIME", message, details, options);
  }
}
registerErrorCode("CODY_SCRIPT_RUNTIME", (s) => new ScriptRuntimeError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The run exceeded its wall-time limit (details: limitMs). */
export class TimeoutError extends CodyError {
  static readonly code = "CODY_LIMIT_TIMEOUT";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_LIMIT_TIMEOUT", message, details, options);
  }
}
registerErrorCode("CODY_LIMIT_TIMEOUT", (s) => new TimeoutError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The VM exceeded its memory limit (details: limitBytes). */
export class MemoryLimitError extends CodyError {
  static readonly code = "CODY_LIMIT_MEMORY";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_LIMIT_MEMORY", message, details, options);
  }
}
registerErrorCode("CODY_LIMIT_MEMORY", (s) => new MemoryLimitError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script made more tool calls than allowed (details: limit). */
export class ToolCallLimitError extends CodyError {
  static readonly code = "CODY_LIMIT_TOOL_CALLS";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_LIMIT_TOOL_CALLS", message, details, options);
  }
}
registerErrorCode("CODY_LIMIT_TOOL_CALLS", (s) => new ToolCallLimitError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script's return value exceeds the result size limit (details: size, limit). */
export class ResultTooLargeError extends CodyError {
  static readonly code = "CODY_LIMIT_RESULT";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_LIMIT_RESULT", message, details, options);
  }
}
registerErrorCode("CODY_LIMIT_RESULT", (s) => new ResultTooLargeError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The script returned a value that is not JSON-serializable. */
export class ResultNotSerializableError extends CodyError {
  static readonly code = "CODY_RESULT_NOT_SERIALIZABLE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_RESULT_NOT_SERIALIZABLE", message, details, options);
  }
}
registerErrorCode("CODY_RESULT_NOT_SERIALIZABLE", (s) => new ResultNotSerializableError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The QuickJS VM trapped or became unusable; it was discarded. */
export class VmCrashedError extends CodyError {
  static readonly code = "CODY_VM_CRASHED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_VM_CRASHED", message, details, options);
  }
}
registerErrorCode("CODY_VM_CRASHED", (s) => new VmCrashedError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The worker thread running the script died; it was replaced. */
export class WorkerCrashedError extends CodyError {
  static readonly code = "CODY_WORKER_CRASHED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_WORKER_CRASHED", message, details, options);
  }
}
registerErrorCode("CODY_WORKER_CRASHED", (s) => new WorkerCrashedError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The worker pool's queue is full; the run was refused. */
export class PoolQueueFullError extends CodyError {
  static readonly code = "CODY_POOL_QUEUE_FULL";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_POOL_QUEUE_FULL", message, details, options);
  }
}
registerErrorCode("CODY_POOL_QUEUE_FULL", (s) => new PoolQueueFullError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The worker pool was closed. */
export class PoolClosedError extends CodyError {
  static readonly code = "CODY_POOL_CLOSED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_POOL_CLOSED", message, details, options);
  }
}
registerErrorCode("CODY_POOL_CLOSED", (s) => new PoolClosedError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The run or call was aborted by the caller. */
export class AbortedError extends CodyError {
  static readonly code = "CODY_ABORTED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_ABORTED", message, details, options);
  }
}
registerErrorCode("CODY_ABORTED", (s) => new AbortedError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A tool failed (details: tool). */
export class ToolError extends CodyError {
  static readonly code = "CODY_TOOL_FAILED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_TOOL_FAILED", message, details, options);
  }
}
registerErrorCode("CODY_TOOL_FAILED", (s) => new ToolError(s.message, s.details, s.location ? { location: s.location } : {}));

/** No tool with that name is registered (details: tool). */
export class ToolNotFoundError extends CodyError {
  static readonly code = "CODY_TOOL_NOT_FOUND";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_TOOL_NOT_FOUND", message, details, options);
  }
}
registerErrorCode("CODY_TOOL_NOT_FOUND", (s) => new ToolNotFoundError(s.message, s.details, s.location ? { location: s.location } : {}));

/** Tool arguments failed schema validation (details: tool, errors). */
export class ToolArgumentError extends CodyError {
  static readonly code = "CODY_TOOL_INVALID_ARGS";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_TOOL_INVALID_ARGS", message, details, options);
  }
}
registerErrorCode("CODY_TOOL_INVALID_ARGS", (s) => new ToolArgumentError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A tool call needing approval was denied (details: tool, reason). */
export class ApprovalDeniedError extends CodyError {
  static readonly code = "CODY_APPROVAL_DENIED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_APPROVAL_DENIED", message, details, options);
  }
}
registerErrorCode("CODY_APPROVAL_DENIED", (s) => new ApprovalDeniedError(s.message, s.details, s.location ? { location: s.location } : {}));

/** Nobody answered an approval request in time. */
export class ApprovalTimeoutError extends CodyError {
  static readonly code = "CODY_APPROVAL_TIMEOUT";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_APPROVAL_TIMEOUT", message, details, options);
  }
}
registerErrorCode("CODY_APPROVAL_TIMEOUT", (s) => new ApprovalTimeoutError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A path resolves outside the workspace root (details: path). */
export class PathOutsideWorkspaceError extends CodyError {
  static readonly code = "CODY_PATH_OUTSIDE_WORKSPACE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_PATH_OUTSIDE_WORKSPACE", message, details, options);
  }
}
registerErrorCode("CODY_PATH_OUTSIDE_WORKSPACE", (s) => new PathOutsideWorkspaceError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A patch is malformed or a hunk did not match (details: file, hunk, expected). */
export class PatchError extends CodyError {
  static readonly code = "CODY_PATCH_FAILED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_PATCH_FAILED", message, details, options);
  }
}
registerErrorCode("CODY_PATCH_FAILED", (s) => new PatchError(s.message, s.details, s.location ? { location: s.location } : {}));

/** The artifact cache could not be opened or written. */
export class CacheError extends CodyError {
  static readonly code = "CODY_CACHE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_CACHE", message, details, options);
  }
}
registerErrorCode("CODY_CACHE", (s) => new CacheError(s.message, s.details, s.location ? { location: s.location } : {}));

/** A model provider call failed (details: status, body). */
export class ProviderError extends CodyError {
  static readonly code = "CODY_PROVIDER";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_PROVIDER", message, details, options);
  }
}
registerErrorCode("CODY_PROVIDER", (s) => new ProviderError(s.message, s.details, s.location ? { location: s.location } : {}));

/** An MCP server failed to start or answer (details: server). */
export class McpError extends CodyError {
  static readonly code = "CODY_MCP";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_MCP", message, details, options);
  }
}
registerErrorCode("CODY_MCP", (s) => new McpError(s.message, s.details, s.location ? { location: s.location } : {}));

/**
 * The database failed under an operation (disk full, I/O error, read-only, lock held past the busy timeout).
 * Details: `operation` (e.g. `audit.flush`, `cache.put`), `sqliteCode` (e.g. `SQLITE_FULL`), `path`.
 */
export class StoreError extends CodyError {
  static readonly code = "CODY_STORE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_STORE", message, details, options);
  }
}
registerErrorCode("CODY_STORE", (s) => new StoreError(s.message, s.details, s.location ? { location: s.location } : {}));
/** A script uses an MCP server that could not be started (details: server, reason). Other tools still work. */
export class McpUnavailableError extends CodyError {
  static readonly code = "CODY_MCP_UNAVAILABLE";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_MCP_UNAVAILABLE", message, details, options);
  }
}
registerErrorCode("CODY_MCP_UNAVAILABLE", (s) => new McpUnavailableError(s.message, s.details, s.location ? { location: s.location } : {}));
/**
 * The OS sandbox blocked a tool call, or cannot be used here (details: tool, rule — filesystem | protected-path |
 * network | unavailable —, mode, and for a command that ran: exitCode, stdout, stderr). The message names the rule
 * and the flag or config that would allow the call.
 */
export class SandboxError extends CodyError {
  static readonly code = "CODY_TOOL_SANDBOX";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_TOOL_SANDBOX", message, details, options);
  }
}
registerErrorCode("CODY_TOOL_SANDBOX", (s) => new SandboxError(s.message, s.details, s.location ? { location: s.location } : {}));
/** Compiling or type-checking a script took longer than `limits.checkTimeoutMs` (details: limit, stage). */
export class CheckTimeoutError extends CodyError {
  static readonly code = "CODY_LIMIT_CHECK_TIMEOUT";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_LIMIT_CHECK_TIMEOUT", message, details, options);
  }
}
registerErrorCode("CODY_LIMIT_CHECK_TIMEOUT", (s) => new CheckTimeoutError(s.message, s.details, s.location ? { location: s.location } : {}));
/** A path lies inside the workspace's state folder (`.cody/`), which no tool may touch (details: tool?, path). */
export class ProtectedPathError extends CodyError {
  static readonly code = "CODY_TOOL_PROTECTED_PATH";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_TOOL_PROTECTED_PATH", message, details, options);
  }
}
registerErrorCode("CODY_TOOL_PROTECTED_PATH", (s) => new ProtectedPathError(s.message, s.details, s.location ? { location: s.location } : {}));
/**
 * A remote MCP server went away during a call (connection refused, reset or dropped): that call fails, the run goes on,
 * and the next use reconnects. Details: server, tool, mcpTool, reason. The call is not retried (it may have had effects).
 */
export class McpDisconnectedError extends CodyError {
  static readonly code = "CODY_MCP_DISCONNECTED";
  constructor(message: string, details: Details = {}, options: Opts = {}) {
    super("CODY_MCP_DISCONNECTED", message, details, options);
  }
}
registerErrorCode("CODY_MCP_DISCONNECTED", (s) => new McpDisconnectedError(s.message, s.details, s.location ? { location: s.location } : {}));
