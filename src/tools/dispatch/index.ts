/** Public surface of tools/dispatch/: the one path every tool call takes (validate → approve → run → audit). */
export { ToolDispatcher } from "./dispatcher.js";
export { validateToolArgs, describeValue, formatIssues, parseStructuredArguments, compileJsonSchema, toIssue } from "./validate.js";
export { askApprover } from "./approve.js";
export type { RunContext, StructuredCall, StructuredCallOptions, ToolDispatcherOptions } from "./dispatcher.js";
export type { ArgumentIssue } from "./validate.js";
export type { AskOptions, AskResult } from "./approve.js";
