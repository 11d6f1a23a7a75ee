/** Bodies and answers of `/v1/runs…` and the run stream's events. */
import { z } from "zod";
import { ErrorBodySchema, SerializedErrorSchema } from "./common.js";
import { ApprovalRequestSchema } from "./misc.js";

export const SandboxRequestSchema = z
  .union([
    z.string().meta({ description: "A sandbox mode, e.g. `read-only`." }),
    z.strictObject({ mode: z.string().optional(), network: z.boolean().optional() }),
  ])
  .meta({ id: "SandboxRequest", description: "The OS sandbox for this run's exec calls; may only tighten the server's (docs/sandbox.md)." });

export const RunBodySchema = z
  .strictObject({
    source: z.string().optional().meta({ description: "The script (exactly one of `source` and `hash`)." }),
    hash: z.string().optional().meta({ description: "A compiled artifact's hash (exactly one of `source` and `hash`)." }),
    filename: z.string().min(1).optional(),
    // Unknown limit names are reported by the route with the list of known ones.
    limits: z.record(z.string(), z.number()).optional().meta({ description: "Run limits (see `Limits`); each may only lower the server's." }),
    allowedTools: z.array(z.string().min(1)).optional(),
    sandbox: SandboxRequestSchema.optional(),
    runId: z.string().min(1).optional().meta({ description: "1-128 of A-Z a-z 0-9 . _ : - (default a UUID)." }),
  })
  .superRefine((body, ctx) => {
    if ((body.source === undefined) === (body.hash === undefined)) {
      ctx.addIssue({ code: "custom", path: [body.source === undefined ? "source" : "hash"], message: "Give exactly one of `source` (a script) or `hash` (a compiled artifact)" });
    }
  })
  .meta({ id: "RunBody" });

const isString = (v: unknown): v is string => typeof v === "string";
const isNonEmpty = (v: unknown): boolean => typeof v === "string" && v.length > 0;

/**
 * True only for bodies RunBodySchema accepts, checked by hand: a run's body is validated on every request, and zod's
 * parse (issues, a copied output object) was a visible part of a run's main-thread time. Anything else — an invalid
 * body, or one this check does not know, such as an unknown field — is left to the schema, which gives the errors, so
 * answers are the same either way (test/server/run-body.test.ts compares the two).
 */
export function acceptsRunBody(body: Record<string, unknown>): boolean {
  let sources = 0;
  for (const key in body) {
    const v = body[key];
    switch (key) {
      case "source":
      case "hash":
        if (!isString(v)) return false;
        sources++;
        break;
      case "filename":
      case "runId":
        if (!isNonEmpty(v)) return false;
        break;
      case "limits":
        if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
        for (const name in v) if (!Number.isFinite((v as Record<string, unknown>)[name])) return false;
        break;
      case "allowedTools":
        if (!Array.isArray(v) || !v.every(isNonEmpty)) return false;
        break;
      case "sandbox":
        if (!isString(v)) return false; // the object form is left to the schema
        break;
      default:
        return false;
    }
  }
  return sources === 1;
}

export const ConsoleEntrySchema = z
  .object({ level: z.enum(["log", "info", "warn", "error", "debug"]), text: z.string(), atMs: z.number() })
  .meta({ id: "ConsoleEntry" });

const outcome = z.enum(["ok", "error", "aborted", "denied", "pending"]);

export const ToolCallRecordSchema = z
  .object({
    id: z.string(),
    tool: z.string(),
    ms: z.number(),
    ok: z.boolean(),
    outcome,
    detached: z.boolean(),
    error: SerializedErrorSchema.optional(),
  })
  .meta({ id: "ToolCallRecord" });

export const RunResultSchema = z
  .object({
    runId: z.string(),
    ok: z.boolean(),
    value: z.unknown().optional().meta({ description: "The script's JSON return value (when ok)." }),
    error: SerializedErrorSchema.optional(),
    console: z.array(ConsoleEntrySchema),
    consoleTruncated: z.boolean(),
    toolCalls: z.array(ToolCallRecordSchema),
    abortedCalls: z.array(z.string()),
    durationMs: z.number(),
    hash: z.string(),
    cache: z.enum(["hit", "miss"]),
  })
  .meta({ id: "RunResult" });

/** A run refused before it started answers with its RunResult, whose `error` makes it an error body too. */
export const RefusedRunSchema = z.union([RunResultSchema, ErrorBodySchema]).meta({ id: "RefusedRun" });

/** One message of a run's SSE stream (`event:` is the `type`); `event: approval_request` carries the ApprovalRequest as is. */
export const RunEventSchema = z
  .union([
    z.object({ type: z.literal("start"), runId: z.string(), hash: z.string(), cache: z.enum(["hit", "miss"]) }),
    z.object({ type: z.literal("console"), entry: ConsoleEntrySchema }),
    z.object({ type: z.literal("tool_call"), id: z.string(), tool: z.string(), args: z.unknown(), detached: z.boolean() }),
    z.object({ type: z.literal("tool_result"), id: z.string(), tool: z.string(), ok: z.boolean(), ms: z.number(), outcome }),
    z.object({ type: z.literal("end"), result: RunResultSchema }),
    ApprovalRequestSchema,
  ])
  .meta({ id: "RunEvent" });

export const RunAbortedSchema = z.object({ runId: z.string(), aborted: z.literal(true) }).meta({ id: "RunAborted" });

const nullable = <T extends z.ZodType>(s: T) => s.nullable();

export const RunRowSchema = z
  .object({
    runId: z.string(),
    scriptHash: nullable(z.string()),
    scriptName: nullable(z.string()),
    startedAt: z.number(),
    endedAt: nullable(z.number()),
    outcome: nullable(z.enum(["ok", "error", "aborted", "timeout", "denied", "crashed"])),
    errorCode: nullable(z.string()),
    errorMessage: nullable(z.string()),
    ownerPid: nullable(z.number()),
    crashDetectedAt: nullable(z.number()),
    calls: z.object({
      total: z.number(),
      ok: z.number(),
      error: z.number(),
      aborted: z.number(),
      denied: z.number(),
      pending: z.number(),
      unknown: z.number(),
    }),
  })
  .meta({ id: "RunRecord", description: "A run's audit record (docs/approvals.md, the audit log)." });

export const CallRowSchema = z
  .looseObject({
    id: z.number(),
    runId: z.string(),
    scriptHash: nullable(z.string()),
    callId: z.string(),
    tool: z.string(),
    source: z.string(),
    detached: z.boolean(),
    argsDigest: z.string(),
    argsPreview: z.string(),
    decision: nullable(z.enum(["skip", "ask", "forbid"])),
    decidedBy: nullable(z.string()),
    decisionReason: nullable(z.string()),
    approval: nullable(z.string()),
    approvalWaitMs: nullable(z.number()),
    handlerStarted: z.boolean(),
    startedAt: z.number(),
    durationMs: nullable(z.number()),
    outcome: z.string(),
    errorCode: nullable(z.string()),
    errorMessage: nullable(z.string()),
    note: nullable(z.string()),
    sandbox: nullable(z.string()),
  })
  .meta({ id: "CallRecord" });

export const RunDetailSchema = z
  .object({ run: RunRowSchema, calls: z.array(CallRowSchema), active: z.boolean() })
  .meta({ id: "RunDetail" });

export const RunListSchema = z
  .object({
    runs: z.array(RunRowSchema),
    active: z.array(z.string()).meta({ description: "Ids of runs in progress on this server." }),
    nextCursor: z.string().nullable().meta({ description: "Pass as `?cursor=` for the next page; null on the last page." }),
  })
  .meta({ id: "RunList" });

export const RunListQuerySchema = z.object({
  limit: z.string().optional().meta({ description: "Runs per page, 1 to 1000 (default 20)." }),
  cursor: z.string().optional().meta({ description: "`nextCursor` of the previous page." }),
  outcome: z.string().optional().meta({ description: "Only runs with this outcome: ok, error, aborted, timeout, denied, crashed, or running (no outcome yet); several separated by commas." }),
  since: z.string().optional().meta({ description: "Only runs started at or after this time (ISO 8601 or epoch milliseconds)." }),
  until: z.string().optional().meta({ description: "Only runs started before this time (ISO 8601 or epoch milliseconds)." }),
});
