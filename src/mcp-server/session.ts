/**
 * One MCP server (one client session) over the shared Harness: `run_script`, `check_script` and `describe_tools`.
 * Every session shares the harness's cache, pool, limits, audit and approval memory; what differs per session is who
 * can be asked to approve a call (its client, when it declared elicitation) and where console lines go.
 */
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SetLevelRequestSchema, type LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovalRequest } from "../approval/index.js";
import { InvalidOptionError, serializeError } from "../errors/index.js";
import type { Harness } from "../harness.js";
import type { ConsoleEntry, RunEvent } from "../runtime/index.js";
import { z } from "zod";
import { answerOf, approvalElicitation, type RunApprovals } from "./approvals.js";
import { describeTools, toolIndex } from "./describe.js";
import { runScriptDescription } from "./description.js";
import { checkResultShape, renderCheck, renderRun, runResultShape, type McpToolResult } from "./render.js";

export interface SessionContext {
  harness: Harness;
  approvals: RunApprovals;
  /** The generated declarations (`harness.toolsDts()`), read once at start. */
  dts: string;
  version: string;
  /** Declarations longer than this go into `describe_tools` instead of the description. */
  maxDtsChars?: number | undefined;
}

/** The file name scripts are checked and run under (diagnostics and stacks name it). */
export const SCRIPT_FILENAME = "script.ts";

/** MCP log levels for console levels (RFC 5424 names, as MCP uses them). */
const LOG_LEVEL: Record<ConsoleEntry["level"], "debug" | "info" | "warning" | "error"> = {
  log: "info",
  info: "info",
  warn: "warning",
  error: "error",
  debug: "debug",
};

/** MCP's levels, least severe first (RFC 5424 order). */
const SEVERITY: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

function failure(error: unknown): McpToolResult {
  const e = serializeError(error);
  const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : "";
  return { content: [{ type: "text", text: `${where}${e.code}: ${e.message}` }], isError: true };
}

export function createSessionServer(ctx: SessionContext): McpServer {
  const { harness } = ctx;
  const server = new McpServer(
    { name: "cody", version: ctx.version },
    {
      capabilities: { logging: {} },
      instructions:
        "Cody runs type-checked TypeScript scripts against this workspace's tools (files, search, commands, and the " +
        "MCP servers configured behind it). Prefer one run_script that chains, filters and aggregates calls over many " +
        "small steps; use describe_tools for the declarations of tools not shown in run_script's description.",
    },
  );
  const canAsk = (): boolean => server.server.getClientCapabilities()?.elicitation?.form !== undefined;
  // `logging/setLevel` filters the console lines sent as log messages. The SDK's own filter applies only to
  // `sendLoggingMessage`, which cannot name the request a line belongs to (over HTTP it must go on that request's stream).
  let minSeverity = 0;
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minSeverity = SEVERITY.indexOf(request.params.level);
    return {};
  });

  server.registerTool(
    "run_script",
    {
      title: "Run a TypeScript script",
      description: runScriptDescription(ctx.dts, harness.limits, ctx.maxDtsChars),
      inputSchema: {
        source: z.string().describe("The script: the body of an async function (top-level await and return)."),
        timeoutMs: z
          .number()
          .int()
          .positive()
          .optional()
          .describe(`Wall-time limit for this run in milliseconds, at most the server's ${harness.limits.timeoutMs}.`),
      },
      outputSchema: runResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async ({ source, timeoutMs }, extra) => {
      if (timeoutMs !== undefined && timeoutMs > harness.limits.timeoutMs) {
        return failure(
          new InvalidOptionError(
            `timeoutMs ${timeoutMs} is above this server's limit of ${harness.limits.timeoutMs} ms (start cody mcp with --timeout to raise it)`,
            { path: "timeoutMs", value: String(timeoutMs) },
          ),
        );
      }
      const runId = randomUUID();
      const asking = canAsk();
      const detach = asking
        ? ctx.approvals.attach(runId, async (request: ApprovalRequest, signal: AbortSignal) => {
            const result = await server.server.elicitInput(approvalElicitation(request), {
              signal,
              relatedRequestId: extra.requestId,
              // The dispatcher bounds the wait (limits.approvalTimeoutMs) and aborts `signal`; the SDK's own 60 s must not.
              timeout: harness.limits.approvalTimeoutMs + 60_000,
            });
            return answerOf(result);
          })
        : undefined;
      const progressToken = extra._meta?.progressToken;
      let progress = 0;
      // Awaited before the result is returned: a console line that arrives with the run's end must not be written
      // after the result (a client drops progress for a request it has finished). The SDK's client still drops
      // progress read in the same chunk as the result (it handles notifications a microtask later): docs/mcp.md.
      const sent: Promise<unknown>[] = [];
      const onEvent = (event: RunEvent): void => {
        if (event.type !== "console") return;
        const { level, text } = event.entry;
        // Best effort: a client that went away must not fail the run.
        if (SEVERITY.indexOf(LOG_LEVEL[level]) >= minSeverity) {
          sent.push(
            extra
              .sendNotification({ method: "notifications/message", params: { level: LOG_LEVEL[level], logger: "console", data: text } })
              .catch(() => undefined),
          );
        }
        if (progressToken !== undefined) {
          sent.push(
            extra
              .sendNotification({ method: "notifications/progress", params: { progressToken, progress: ++progress, message: text } })
              .catch(() => undefined),
          );
        }
      };
      try {
        const result = await harness.run(
          { source, filename: SCRIPT_FILENAME },
          {
            runId,
            signal: extra.signal,
            onEvent,
            ...(timeoutMs !== undefined ? { limits: { timeoutMs } } : {}),
            // Nobody can be asked for a client without elicitation: what would be asked is refused, as under `never`.
            ...(asking ? {} : { approvalPolicy: "never" as const }),
          },
        );
        await Promise.all(sent);
        return renderRun(result);
      } catch (error) {
        return failure(error);
      } finally {
        detach?.();
      }
    },
  );

  server.registerTool(
    "check_script",
    {
      title: "Type-check a script",
      description:
        "Type-check a run_script source against the tool declarations without running it. Returns the diagnostics " +
        "(file:line:column, TypeScript code, message); a tool error when any is an error.",
      inputSchema: { source: z.string().describe("The script, as run_script takes it.") },
      outputSchema: checkResultShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ source }, extra) => {
      try {
        return renderCheck(await harness.check([{ source, filename: SCRIPT_FILENAME }], { signal: extra.signal }));
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    "describe_tools",
    {
      title: "Describe tools",
      description:
        "The TypeScript declarations of the named tools (e.g. [\"readFile\", \"mcp.github.get_issue\"]) and every type " +
        "they use, as run_script checks them. Without names: one line per tool.",
      inputSchema: { tools: z.array(z.string()).optional().describe("Tool names, dotted as in `tools.<name>`.") },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ tools }) => {
      if (tools === undefined || tools.length === 0) return { content: [{ type: "text", text: toolIndex(ctx.dts) }] };
      const { text, unknown } = describeTools(ctx.dts, tools);
      if (unknown.length > 0) {
        const known = harness.toolNames().join(", ");
        return { content: [{ type: "text", text: `No tool named ${unknown.join(", ")}; tools: ${known}` }], isError: true };
      }
      return { content: [{ type: "text", text }] };
    },
  );
  return server;
}
