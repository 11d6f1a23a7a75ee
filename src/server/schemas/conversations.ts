/** Bodies, answers and stream events of the conversation routes (`/v1/conversations…`). */
import { z } from "zod";
import { LimitsSchema, SerializedErrorSchema } from "./common.js";

/** Model calls one turn may make at most, whatever a request asks. */
export const MAX_TURNS_CAP = 100;

export const CheckModeSchema = z.enum(["off", "warn", "block"]).meta({
  id: "CheckMode",
  description: "Type-check before running a block: off, warn (report, run anyway), block (send type errors back without running).",
});

const maxTurns = z.number().int().min(1).max(MAX_TURNS_CAP).meta({ description: `Model calls per turn before stopping (1 to ${MAX_TURNS_CAP}, default 20).` });

export const CreateConversationBodySchema = z
  .strictObject({
    model: z.string().min(1).max(200).optional().meta({ description: "Model name; default the server's." }),
    api: z.enum(["responses", "chat"]).optional().meta({ description: "Wire protocol; default the server's." }),
    baseUrl: z.string().min(1).max(2000).optional().meta({
      description: "OpenAI-compatible base URL; default the server's. The server's API key is only sent to the server's own base URL.",
    }),
    system: z.string().max(20_000).optional().meta({ description: "Text added to the system prompt, before its tool section." }),
    title: z.string().max(200).optional().meta({ description: "Default: the first message (80 characters)." }),
    check: CheckModeSchema.optional(),
    maxTurns: maxTurns.optional(),
    limits: LimitsSchema.optional(),
  })
  .meta({ id: "CreateConversationBody" });

export const TurnBodySchema = z
  .strictObject({
    message: z.string().min(1).meta({ description: "The user's message." }),
    check: CheckModeSchema.optional(),
    maxTurns: maxTurns.optional(),
    limits: LimitsSchema.optional(),
  })
  .meta({ id: "TurnBody" });

export const ConversationSummarySchema = z
  .object({
    id: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    model: z.string(),
    api: z.string(),
    title: z.string(),
    turns: z.number().int(),
  })
  .meta({ id: "ConversationSummary" });

export const ConversationSettingsSchema = z
  .object({
    model: z.string(),
    api: z.enum(["responses", "chat"]),
    baseUrl: z.string(),
    check: CheckModeSchema,
    maxTurns: z.number().int(),
    limits: LimitsSchema.optional(),
    system: z.string().optional(),
  })
  .meta({ id: "ConversationSettings", description: "What this server's turns of the conversation use (held in memory; after a restart, the server's defaults with the stored model and api)." });

export const CreatedConversationSchema = z
  .object({ id: z.string(), conversation: ConversationSummarySchema, settings: ConversationSettingsSchema })
  .meta({ id: "CreatedConversation" });

export const ConversationItemSchema = z
  .union([
    z.object({ type: z.literal("message"), role: z.enum(["user", "assistant"]), content: z.string() }),
    z.object({ type: z.literal("function_call"), call_id: z.string(), name: z.string(), arguments: z.string() }),
    z.object({ type: z.literal("function_call_output"), call_id: z.string(), output: z.string() }),
  ])
  .meta({ id: "ConversationItem", description: "An item exactly as sent to the model (OpenAI Responses shape)." });

export const StoredItemSchema = z
  .object({ seq: z.number().int(), turn: z.number().int(), item: ConversationItemSchema, runId: z.string().optional() })
  .meta({ id: "StoredItem" });

export const ConversationDetailSchema = z
  .object({
    conversation: ConversationSummarySchema,
    items: z.array(StoredItemSchema),
    active: z.boolean().meta({ description: "A turn is running on this server." }),
  })
  .meta({ id: "ConversationDetail" });

export const ConversationPageSchema = z
  .object({
    conversations: z.array(ConversationSummarySchema),
    nextCursor: z.string().nullable().meta({ description: "Pass as `?cursor=` for the next page; null on the last page." }),
  })
  .meta({ id: "ConversationPage" });

export const TurnAbortedSchema = z.object({ conversationId: z.string(), aborted: z.literal(true) }).meta({ id: "TurnAborted" });

const usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() });
const diagnostic = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  code: z.number(),
  category: z.enum(["error", "warning"]),
  message: z.string(),
});

/**
 * One event of a turn's stream: the events `cody exec --json` prints (docs/conversation.md, "Events"), plus
 * `approval_request` for a call of the turn waiting for an answer and `error` when the turn fails (always last).
 */
export const ConversationEventSchema = z
  .discriminatedUnion("type", [
    z.looseObject({ type: z.literal("turn_start"), conversationId: z.string(), turn: z.number() }),
    z.looseObject({ type: z.literal("assistant_text"), turn: z.number(), delta: z.string() }),
    z.looseObject({
      type: z.literal("script_start"),
      turn: z.number(),
      callId: z.string(),
      index: z.number(),
      filename: z.string(),
      sourceHash: z.string(),
      tools: z.array(z.string()),
      source: z.string(),
    }),
    z.looseObject({ type: z.literal("diagnostics"), callId: z.string(), diagnostics: z.array(diagnostic), blocked: z.boolean() }),
    z.looseObject({ type: z.literal("console"), callId: z.string(), entry: z.looseObject({ level: z.string(), text: z.string(), atMs: z.number() }) }),
    z.looseObject({ type: z.literal("tool_call"), callId: z.string(), id: z.string(), tool: z.string(), args: z.unknown(), detached: z.boolean() }),
    z.looseObject({ type: z.literal("tool_result"), callId: z.string(), id: z.string(), tool: z.string(), ok: z.boolean(), ms: z.number(), outcome: z.string() }),
    z.looseObject({
      type: z.literal("script_end"),
      callId: z.string(),
      index: z.number(),
      ok: z.boolean(),
      runId: z.string().optional(),
      hash: z.string().optional(),
      durationMs: z.number().optional(),
      error: SerializedErrorSchema.optional(),
      output: z.string(),
    }),
    z.looseObject({ type: z.literal("block_error"), callId: z.string(), index: z.number(), kind: z.enum(["unclosed", "empty"]), message: z.string() }),
    z.looseObject({ type: z.literal("function_call"), callId: z.string(), name: z.string(), args: z.unknown() }),
    z.looseObject({ type: z.literal("function_result"), callId: z.string(), name: z.string(), ok: z.boolean(), output: z.string() }),
    z.looseObject({ type: z.literal("turn_end"), turn: z.number(), scripts: z.number(), functionCalls: z.number(), usage: usage.optional() }),
    z.looseObject({
      type: z.literal("final"),
      conversationId: z.string(),
      text: z.string(),
      turns: z.number(),
      stopReason: z.enum(["done", "max_turns"]),
      usage,
      message: z.string().optional(),
    }),
    z.looseObject({
      type: z.literal("approval_request"),
      id: z.string(),
      runId: z.string(),
      callId: z.string(),
      tool: z.string(),
      source: z.enum(["script", "structured"]),
    }),
    z.looseObject({ type: z.literal("error"), error: SerializedErrorSchema }),
  ])
  .meta({ id: "ConversationEvent" });

export type CreateConversationBody = z.output<typeof CreateConversationBodySchema>;
export type TurnBody = z.output<typeof TurnBodySchema>;
export type ConversationSettings = z.output<typeof ConversationSettingsSchema>;
