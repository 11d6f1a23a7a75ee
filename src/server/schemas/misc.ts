/** Bodies and answers of the health, tools, scripts and approvals routes. */
import { z } from "zod";
import { SerializedErrorSchema } from "./common.js";

export const HealthSchema = z
  .object({
    ok: z.boolean(),
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    store: z
      .object({ operation: z.string(), sqliteCode: z.string().optional(), reason: z.string(), since: z.string(), failures: z.number() })
      .optional()
      .meta({ description: "Present while the database refuses writes." }),
  })
  .meta({ id: "Health" });

export const ToolInfoSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    risk: z.enum(["read-only", "writes", "executes"]),
    argsSchema: z.record(z.string(), z.unknown()).meta({ description: "JSON Schema of the arguments." }),
  })
  .meta({ id: "ToolInfo" });

export const ToolListSchema = z.object({ tools: z.array(ToolInfoSchema) }).meta({ id: "ToolList" });

export const ToolCallBodySchema = z
  .strictObject({ args: z.unknown().optional().meta({ description: "The tool's arguments (default `{}`)." }) })
  .meta({ id: "ToolCallBody" });

export const ToolCallResultSchema = z.object({ result: z.unknown() }).meta({ id: "ToolCallResult" });

const ScriptFileSchema = z.strictObject({ filename: z.string().min(1).optional(), source: z.string() });

export const CheckBodySchema = z.strictObject({ files: z.array(ScriptFileSchema).min(1).max(100) }).meta({ id: "CheckBody" });

export const DiagnosticSchema = z
  .looseObject({
    file: z.string(),
    line: z.number(),
    column: z.number(),
    endLine: z.number().optional(),
    endColumn: z.number().optional(),
    code: z.number(),
    category: z.enum(["error", "warning"]),
    message: z.string(),
  })
  .meta({ id: "Diagnostic" });

export const CheckResultSchema = z.object({ ok: z.boolean(), diagnostics: z.array(DiagnosticSchema) }).meta({ id: "CheckResult" });

export const CompileBodySchema = z
  .strictObject({
    source: z.string(),
    filename: z.string().min(1).optional(),
    approve: z.boolean().optional().meta({ description: "Record the script as reviewed (its calls run without asking under on-request)." }),
    by: z.string().optional().meta({ description: "Who reviewed it (one line, at most 200 characters; default rest-api)." }),
  })
  .meta({ id: "CompileBody" });

export const CompileResultSchema = z
  .object({
    hash: z.string(),
    cache: z.enum(["hit", "miss"]),
    approvedBy: z.string().optional(),
    diagnostics: z.array(DiagnosticSchema),
  })
  .meta({ id: "CompileResult" });

export const CompileErrorSchema = z
  .object({ error: SerializedErrorSchema, hash: z.string(), cache: z.enum(["hit", "miss"]), diagnostics: z.array(DiagnosticSchema) })
  .meta({ id: "CompileError" });

export const ApprovalRequestSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    callId: z.string(),
    source: z.enum(["script", "structured"]),
    scriptHash: z.string().optional(),
    scriptName: z.string().optional(),
    allowedTools: z.array(z.string()).optional(),
    tool: z.string(),
    risk: z.enum(["read-only", "writes", "executes"]),
    args: z.unknown(),
    reason: z.string(),
    sandboxDenial: z.string().optional(),
  })
  .meta({ id: "ApprovalRequest" });

export const ApprovalListSchema = z.object({ approvals: z.array(ApprovalRequestSchema) }).meta({ id: "ApprovalList" });

export const ApprovalAnswerBodySchema = z
  .strictObject({ decision: z.enum(["approve", "deny", "always", "abort"]) })
  .meta({ id: "ApprovalAnswerBody" });

export const ApprovalAnsweredSchema = z
  .object({ id: z.string(), runId: z.string(), tool: z.string(), decision: z.enum(["approve", "deny", "always", "abort"]) })
  .meta({ id: "ApprovalAnswered" });
