/**
 * Public surface of dispatch/: the one path every tool call takes (validate → approve → run → audit). It orchestrates
 * tools/, approval/ and audit/, so it sits above all three rather than inside tools/.
 */
export { ToolDispatcher } from "./dispatcher.js";
export { askApprover } from "./approve.js";
export type { RunContext, StructuredCall, StructuredCallOptions, ToolDispatcherOptions } from "./dispatcher.js";
export type { AskOptions, AskResult } from "./approve.js";
