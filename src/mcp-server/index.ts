/** Public surface of mcp-server/: the harness served as an MCP server (`cody mcp`), over stdio or Streamable HTTP. */
export { RunApprovals, answerOf, approvalElicitation } from "./approvals.js";
export { declaredTools, describeTools, toolIndex } from "./describe.js";
export { DEFAULT_MAX_DTS_CHARS, runScriptDescription } from "./description.js";
export { MCP_PATH, listenMcpHttp } from "./http.js";
export { callsSummary, errorLocation, renderCheck, renderRun, runResultShape } from "./render.js";
export { SCRIPT_FILENAME, createSessionServer } from "./session.js";
export { serveStdio } from "./stdio.js";
export type { AskClient } from "./approvals.js";
export type { DeclaredTool } from "./describe.js";
export type { ListeningMcpServer, McpHttpOptions } from "./http.js";
export type { McpToolResult, RunResultContent } from "./render.js";
export type { SessionContext } from "./session.js";
export type { StdioSession } from "./stdio.js";
