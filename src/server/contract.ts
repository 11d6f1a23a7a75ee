/**
 * The API contract: every route's request and response schemas (the zod objects in schemas/, which the routes also
 * validate with), joined into the OpenAPI 3.1 document served at `GET /openapi.json` by hono-openapi. Registered
 * before the routes: for each operation a `describeRoute` middleware (read only when the document is generated) and,
 * where the route takes a body or query, the validation with the same schema; then the route's own handler runs.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { describeRoute, generateSpecs, resolver } from "hono-openapi";
import { z } from "zod";
import type { AppEnv } from "./context.js";
import { ErrorBodySchema } from "./schemas/common.js";
import {
  ConversationDetailSchema,
  ConversationEventSchema,
  ConversationPageSchema,
  CreateConversationBodySchema,
  CreatedConversationSchema,
  TurnAbortedSchema,
  TurnBodySchema,
} from "./schemas/conversations.js";
import {
  ApprovalAnswerBodySchema,
  ApprovalAnsweredSchema,
  ApprovalListSchema,
  CheckBodySchema,
  CheckResultSchema,
  CompileBodySchema,
  CompileErrorSchema,
  CompileResultSchema,
  HealthSchema,
  ToolCallBodySchema,
  ToolCallResultSchema,
  ToolListSchema,
} from "./schemas/misc.js";
import { acceptsRunBody, RefusedRunSchema, RunAbortedSchema, RunBodySchema, RunDetailSchema, RunEventSchema, RunListQuerySchema, RunListSchema, RunResultSchema } from "./schemas/runs.js";
import { pageQuery } from "./schemas/common.js";
import { jsonBody, queryOf } from "./validate.js";

type Method = "get" | "post" | "delete";

type Media = Record<string, { schema: ReturnType<typeof resolver> | Record<string, unknown>; [key: string]: unknown }>;
interface ResponseSpec {
  description: string;
  headers?: Record<string, { description: string; required?: boolean; schema: Record<string, unknown> }>;
  content?: Media;
}

export interface Operation {
  method: Method;
  /** The hono path (`/v1/runs/:id`). */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Served without the bearer token. */
  public?: boolean;
  body?: z.ZodType;
  /** A cheap check, true only for bodies `body` accepts unchanged (those skip the schema). */
  accepts?: (body: Record<string, unknown>) => boolean;
  /** An empty body counts as `{}`. */
  emptyBody?: boolean;
  query?: z.ZodObject;
  responses: Record<number, ResponseSpec>;
}

const json = (schema: z.ZodType, description: string, headers?: ResponseSpec["headers"]): ResponseSpec => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: resolver(schema) } },
});

const failure = (description: string, headers?: ResponseSpec["headers"]): ResponseSpec => json(ErrorBodySchema, description, headers);

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before retrying.", required: true, schema: { type: "string" } } };
const WWW_AUTHENTICATE = { "WWW-Authenticate": { description: "RFC 6750 challenge.", required: true, schema: { type: "string" } } };

/**
 * Events of an SSE stream: the `text/event-stream` body is a sequence of `event: <type>` / `data: <JSON>` messages;
 * `x-cody-event` is the schema of each message's data (OpenAPI 3.1 has no field for the items of a stream).
 */
const stream = (event: z.ZodType, description: string): Media => ({
  "text/event-stream": { schema: { type: "string", description }, "x-cody-event": { $ref: `#/components/schemas/${idOf(event)}` } },
});

function idOf(schema: z.ZodType): string {
  const id = (schema.meta() as { id?: string } | undefined)?.id;
  if (id === undefined) throw new Error("an event schema needs a meta id");
  return id;
}

/** Schemas referenced only from `x-cody-event` (hono-openapi resolves `schema` fields only). */
const EVENT_SCHEMAS: readonly z.ZodType[] = [RunEventSchema, ConversationEventSchema];

/** Responses every authenticated route may give besides its own. */
const COMMON: Record<number, ResponseSpec> = {
  401: failure("No bearer token, or not this server's.", WWW_AUTHENTICATE),
  403: failure("A `Host` this server does not answer to, or a browser `Origin` not allowed."),
  500: failure("A bug (the full error is in the server's log)."),
};
const WITH_BODY: Record<number, ResponseSpec> = {
  400: failure("Invalid JSON or a body of the wrong shape."),
  413: failure("The body is larger than the server accepts."),
  415: failure("The body is not declared as `application/json`."),
};

export const OPERATIONS: readonly Operation[] = [
  {
    method: "get", path: "/healthz", operationId: "getHealth", summary: "Liveness and storage health", tag: "server", public: true,
    responses: { 200: json(HealthSchema, "The server is up (`degraded` while the database refuses writes).") },
  },
  {
    method: "get", path: "/openapi.json", operationId: "getOpenApi", summary: "This document (OpenAPI 3.1)", tag: "server", public: true,
    responses: { 200: { description: "The document.", content: { "application/json": { schema: { type: "object" } } } } },
  },
  {
    method: "get", path: "/docs", operationId: "getDocs", summary: "An interactive reference of this document (Scalar)", tag: "server", public: true,
    responses: { 200: { description: "An HTML page (it loads Scalar's script from jsDelivr).", content: { "text/html": { schema: { type: "string" } } } } },
  },
  {
    method: "get", path: "/metrics", operationId: "getMetrics", summary: "Prometheus metrics", tag: "server",
    responses: { 200: { description: "Prometheus text exposition.", content: { "text/plain": { schema: { type: "string" } } } } },
  },
  {
    method: "get", path: "/v1/tools", operationId: "listTools", summary: "Every registered tool", tag: "tools",
    responses: { 200: json(ToolListSchema, "Tools sorted by name.") },
  },
  {
    method: "get", path: "/v1/tools/dts", operationId: "getToolsDts", summary: "The .d.ts scripts are checked against", tag: "tools",
    responses: {
      200: {
        description: "The declarations.",
        headers: { ETag: { description: "The declarations' hash.", required: true, schema: { type: "string" } } },
        content: { "text/plain": { schema: { type: "string" } } },
      },
    },
  },
  {
    method: "post", path: "/v1/tools/:name/call", operationId: "callTool", summary: "A structured tool call", tag: "tools",
    body: ToolCallBodySchema, emptyBody: true,
    responses: {
      200: json(ToolCallResultSchema, "The tool's result."),
      403: failure("Denied, or a path inside `.cody/`."),
      404: failure("Unknown tool."),
      408: failure("Nobody answered the approval request in time."),
      409: failure("The call was aborted."),
      422: failure("The tool failed."),
      502: failure("An MCP server failed."),
    },
  },
  {
    method: "post", path: "/v1/scripts/check", operationId: "checkScripts", summary: "Type-check up to 100 scripts", tag: "scripts",
    body: CheckBodySchema,
    responses: { 200: json(CheckResultSchema, "The diagnostics (also when there are type errors)."), 422: failure("Checking took longer than `limits.checkTimeoutMs`.") },
  },
  {
    method: "post", path: "/v1/scripts/compile", operationId: "compileScript", summary: "Check, compile and cache a script", tag: "scripts",
    body: CompileBodySchema,
    responses: {
      200: json(CompileResultSchema, "Compiled (and approved when asked)."),
      422: json(z.union([CompileErrorSchema, ErrorBodySchema]), "Type errors, or compiling took too long."),
    },
  },
  {
    method: "post", path: "/v1/runs", operationId: "createRun", summary: "Run a script (JSON result, or SSE with `Accept: text/event-stream`)", tag: "runs",
    body: RunBodySchema, accepts: acceptsRunBody,
    responses: {
      200: {
        description: "The run's result (`ok: false` when the script failed), or its event stream.",
        headers: { "X-Cody-Run-Id": { description: "The run id (streams).", schema: { type: "string" } } },
        content: { "application/json": { schema: resolver(RunResultSchema) }, ...stream(RunEventSchema, "The run's events; `end` is last.") },
      },
      400: json(RefusedRunSchema, "A bad body, limit or script."),
      404: failure("Unknown artifact hash."),
      409: failure("A run with this `runId` is in progress."),
      413: json(RefusedRunSchema, "The body or the script is too large."),
      422: json(RefusedRunSchema, "Type errors, or checking took too long."),
      429: json(RefusedRunSchema, "The pool's queue is full.", RETRY_AFTER),
      503: json(RefusedRunSchema, "Shutting down, or the database failed.", { "Retry-After": { ...RETRY_AFTER["Retry-After"], required: false } }),
    },
  },
  {
    method: "get", path: "/v1/runs", operationId: "listRuns", summary: "Recorded runs, newest first, cursor-paged and filtered", tag: "runs",
    query: RunListQuerySchema,
    responses: { 200: json(RunListSchema, "A page of runs."), 400: failure("A bad `limit`, `cursor`, `outcome`, `since` or `until`.") },
  },
  {
    method: "get", path: "/v1/runs/:id", operationId: "getRun", summary: "A run's audit record", tag: "runs",
    responses: { 200: json(RunDetailSchema, "The run and its calls."), 404: failure("Unknown run.") },
  },
  {
    method: "delete", path: "/v1/runs/:id", operationId: "abortRun", summary: "Abort a run in progress", tag: "runs",
    responses: { 202: json(RunAbortedSchema, "The abort was requested."), 404: failure("No such run in progress.") },
  },
  {
    method: "get", path: "/v1/approvals", operationId: "listApprovals", summary: "Pending approval requests", tag: "approvals",
    query: z.object({ runId: z.string().optional().meta({ description: "Only this run's." }) }),
    responses: { 200: json(ApprovalListSchema, "Oldest first.") },
  },
  {
    method: "post", path: "/v1/approvals/:id", operationId: "answerApproval", summary: "Answer an approval request", tag: "approvals",
    body: ApprovalAnswerBodySchema,
    responses: { 200: json(ApprovalAnsweredSchema, "Answered."), 404: failure("No such request pending.") },
  },
  {
    method: "post", path: "/v1/conversations", operationId: "createConversation", summary: "Start a conversation", tag: "conversations",
    body: CreateConversationBodySchema, emptyBody: true,
    responses: { 201: json(CreatedConversationSchema, "Created.") },
  },
  {
    method: "get", path: "/v1/conversations", operationId: "listConversations", summary: "Conversations, newest first, cursor-paged", tag: "conversations",
    query: pageQuery(100, 20),
    responses: { 200: json(ConversationPageSchema, "A page of conversations."), 400: failure("A bad `limit` or `cursor`.") },
  },
  {
    method: "get", path: "/v1/conversations/:id", operationId: "getConversation", summary: "A conversation and its items", tag: "conversations",
    responses: { 200: json(ConversationDetailSchema, "The conversation."), 404: failure("Unknown conversation.") },
  },
  {
    method: "post", path: "/v1/conversations/:id/turns", operationId: "createTurn", summary: "Send a message; the turn streams as SSE", tag: "conversations",
    body: TurnBodySchema,
    responses: {
      200: { description: "The turn's events; `final` or `error` is last.", content: stream(ConversationEventSchema, "The turn's events.") },
      404: failure("Unknown conversation."),
      409: failure("A turn of this conversation is running."),
      503: failure("The server is shutting down."),
    },
  },
  {
    method: "delete", path: "/v1/conversations/:id/turns/current", operationId: "abortTurn", summary: "Abort the running turn", tag: "conversations",
    responses: { 202: json(TurnAbortedSchema, "The abort was requested."), 404: failure("No turn is running.") },
  },
];

/** OpenAPI parameters for a query schema (every value is a string on the wire). */
function queryParameters(schema: z.ZodObject): Record<string, unknown>[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const meta = (field as z.ZodType).meta() as { description?: string } | undefined;
    return { in: "query", name, required: false, schema: { type: "string" }, ...(meta?.description ? { description: meta.description } : {}) };
  });
}

function validation(op: Operation): MiddlewareHandler<AppEnv> | undefined {
  const { body, query } = op;
  if (body) {
    return async (c, next) => {
      await jsonBody(c, body, op.emptyBody === true, op.accepts);
      await next();
    };
  }
  if (query) {
    return async (c, next) => {
      queryOf(c, query);
      await next();
    };
  }
  return undefined;
}

/** Paths served without the bearer token (the auth middleware reads this). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(OPERATIONS.filter((op) => op.public).map((op) => op.path));

/** The document's top level: everything but the paths and schemas, which come from the operations. */
export function documentation(version: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Cody script harness",
      version,
      description:
        "Check, compile and run TypeScript scripts against workspace tools; hold conversations with a model that acts through scripts. See docs/rest-api.md.",
    },
    components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer", description: "The server's token (CODY_SERVER_TOKEN, --token-file or .cody/server.token)." } } },
    security: [{ bearer: [] }],
    tags: ["server", "tools", "scripts", "runs", "approvals", "conversations"].map((name) => ({ name })),
  };
}

/** Register every operation's description and validation (call before the routes are added). */
export function registerContract(app: Hono<AppEnv>): void {
  for (const op of OPERATIONS) {
    const responses = { ...op.responses };
    for (const [status, spec] of Object.entries({ ...(op.public ? {} : COMMON), ...(op.body ? WITH_BODY : {}) })) {
      responses[Number(status)] ??= spec;
    }
    const describe = describeRoute({
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(op.public ? { security: [] } : {}),
      ...(op.query ? { parameters: queryParameters(op.query) as never } : {}),
      ...(op.body
        ? { requestBody: { required: op.emptyBody !== true, content: { "application/json": { schema: resolver(op.body) } } } }
        : {}),
      responses: responses as never,
    });
    const validate = validation(op);
    if (validate) app.on(op.method.toUpperCase(), op.path, describe, validate);
    else app.on(op.method.toUpperCase(), op.path, describe);
  }
}

type Json = Record<string, unknown>;

/**
 * The OpenAPI document of `app` (routes registered with `registerContract`): hono-openapi's, plus the stream event
 * schemas and whatever they reference, converted by zod the same way.
 */
export async function buildDocument(app: Hono<AppEnv>, version: string): Promise<Json> {
  const doc = (await generateSpecs(app, { documentation: documentation(version), excludeStaticFile: false, defaultValidationErrorResponse: false })) as unknown as Json;
  const components = (doc["components"] ??= {}) as Json;
  const schemas = (components["schemas"] ??= {}) as Json;
  const registry = z.toJSONSchema(z.globalRegistry, { target: "draft-2020-12", io: "input", uri: (id) => `#/components/schemas/${id}` }).schemas;
  const wanted = EVENT_SCHEMAS.map(idOf);
  while (wanted.length > 0) {
    const id = wanted.pop() as string;
    if (schemas[id] !== undefined) continue;
    const { $schema: _s, $id: _i, ...schema } = (registry[id] ?? {}) as Json;
    schemas[id] = schema;
    for (const ref of JSON.stringify(schema).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) wanted.push(ref[1] as string);
  }
  return doc;
}
