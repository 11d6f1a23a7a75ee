/** Public surface of agent/: the `<tool-calls>` detector, model providers, prompt, the conversation loop and its store. */
export { StreamingDetector, detectToolCalls, mergeText } from "./detect/streaming.js";
export { SCRIPT_CALL_NAME } from "./contract.js";
export { Agent, DEFAULT_MAX_TURNS, toolsChangedNote } from "./loop.js";
export { buildSystemPrompt, scriptRuleLines } from "./prompt.js";
export {
  DEFAULT_OUTPUT_CAPS,
  cap,
  formatScriptOutput,
  formatBlockedByCheck,
  formatFunctionOutput,
  formatNotRun,
  formatDiagnosticsForModel,
} from "./output.js";
export { ConversationStore, MemoryConversationStore } from "./store.js";
export { PgConversationStore, PG_CONVERSATION_MIGRATIONS } from "./pg-store.js";
export { resolveProviderConfig, PROVIDER_DEFAULTS } from "./providers/config.js";
export { createProvider } from "./providers/create.js";
export { ResponsesProvider } from "./providers/responses.js";
export { ChatCompletionsProvider } from "./providers/chat.js";
export { retryDelayMs } from "./providers/http.js";
export { ToolNameMap } from "./providers/names.js";
export type { DetectorItem } from "./detect/streaming.js";
export type {
  AgentEvent,
  ConversationItem,
  ScriptDiagnostic,
  ScriptExecutor,
  ScriptRunOptions,
  StopReason,
  StructuredCallContext,
  StructuredToolCaller,
  StructuredToolInfo,
  Usage,
} from "./contract.js";
export type { AgentOptions, AgentResult, CheckMode, PromptTools, RunOptions } from "./loop.js";
export type { PromptOptions } from "./prompt.js";
export type { OutputCaps } from "./output.js";
export type { ConversationStoreLike, ConversationSummary, StoredItem } from "./store.js";
export type { ProviderApi, ProviderConfig, ProviderConfigInput } from "./providers/config.js";
export type { ModelProvider, ModelRequest, ProviderEvent, RetryInfo } from "./providers/types.js";
