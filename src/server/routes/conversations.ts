/**
 * Conversations over HTTP: `POST /v1/conversations`, `GET /v1/conversations` (cursor-paged), `GET
 * /v1/conversations/:id`, `POST /v1/conversations/:id/turns` (an SSE stream of the events `cody exec --json` prints)
 * and `DELETE /v1/conversations/:id/turns/current`. The loop is the harness's (`Harness.conversation`); this module
 * only maps requests onto it. A turn is tied to its request: the client disconnecting aborts it.
 */
import type { Hono } from "hono";
import { DEFAULT_MAX_TURNS, type AgentEvent, type ProviderConfigInput } from "../../agent/index.js";
import { InvalidOptionError, publicError, serializeError } from "../../errors/index.js";
import { streamEvents, type EventWriter } from "../sse.js";
import type { AppEnv, ServerContext } from "../context.js";
import { NotFoundError } from "../errors.js";
import { clientSignal } from "../incoming.js";
import { decodeCursor, encodeCursor, pageLimit } from "../page.js";
import { pageQuery } from "../schemas/common.js";
import { CreateConversationBodySchema, TurnBodySchema } from "../schemas/conversations.js";
import { jsonBody, queryOf } from "../validate.js";

/** Conversations per page of `GET /v1/conversations`: default and most. */
export const CONVERSATION_PAGE = { fallback: 20, max: 100 } as const;


/** Errors leave the process without host stacks. */
function publicEvent(e: AgentEvent): AgentEvent {
  return e.type === "script_end" && e.error ? { ...e, error: publicError(e.error) } : e;
}

/**
 * Events emitted before the stream is attached are kept and sent first, in order; after that they go straight to the
 * stream's writer (which keeps order itself).
 */
function orderedStream(): { emit(event: string, data: unknown): void; attach(writer: EventWriter): void; flushed(): Promise<void> } {
  let writer: EventWriter | undefined;
  const early: [string, unknown][] = [];
  return {
    emit(event, data) {
      if (writer) writer.emit(event, data);
      else early.push([event, data]);
    },
    attach(w) {
      writer = w;
      for (const [event, data] of early.splice(0)) w.emit(event, data);
    },
    flushed: () => writer?.flushed() ?? Promise.resolve(),
  };
}

export function conversationRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { harness, conversations: turns } = ctx;

  app.post("/v1/conversations", async (c) => {
    const body = await jsonBody(c, CreateConversationBodySchema, true);
    const overrides: ProviderConfigInput = {
      ...(body.model !== undefined ? { model: body.model } : {}),
      ...(body.api !== undefined ? { api: body.api } : {}),
      ...(body.baseUrl !== undefined ? { baseUrl: body.baseUrl } : {}),
    };
    const provider = turns.provider(overrides);
    const check = turns.check(body.check, undefined, "check");
    const limits = turns.limits(body.limits, undefined);
    const store = await harness.conversations();
    const id = store.create({ model: provider.model, api: provider.api, title: body.title ?? "" });
    const settings = {
      provider,
      check,
      maxTurns: body.maxTurns ?? DEFAULT_MAX_TURNS,
      ...(limits ? { limits } : {}),
      ...(body.system !== undefined ? { system: body.system } : {}),
    };
    turns.remember(id, settings);
    return c.json({ id, conversation: store.get(id), settings: turns.describe(settings) }, 201);
  });

  app.get("/v1/conversations", async (c) => {
    const query = queryOf(c, pageQuery(CONVERSATION_PAGE.max, CONVERSATION_PAGE.fallback));
    const limit = pageLimit(query.limit, CONVERSATION_PAGE.fallback, CONVERSATION_PAGE.max);
    const before = decodeCursor(query.cursor, ["n"])?.[0] as number | undefined;
    const { conversations, next } = (await harness.conversations()).page(limit, before);
    return c.json({ conversations, nextCursor: next === undefined ? null : encodeCursor([next]) });
  });

  app.get("/v1/conversations/:id", async (c) => {
    const id = c.req.param("id");
    const store = await harness.conversations();
    const conversation = store.get(id);
    if (!conversation) throw new NotFoundError(`No conversation \`${id}\``, { kind: "conversation", id });
    return c.json({ conversation, items: store.items(id), active: turns.running(id) });
  });

  app.delete("/v1/conversations/:id/turns/current", (c) => {
    const id = c.req.param("id");
    if (!turns.abort(id, "Aborted by DELETE /v1/conversations/:id/turns/current")) {
      throw new NotFoundError(`No turn of conversation \`${id}\` is running`, { kind: "turn", id });
    }
    return c.json({ conversationId: id, aborted: true as const }, 202);
  });

  app.post("/v1/conversations/:id/turns", async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody(c, TurnBodySchema);
    const store = await harness.conversations();
    const summary = store.get(id);
    if (!summary) throw new NotFoundError(`No conversation \`${id}\``, { kind: "conversation", id });
    const settings = turns.settingsOf(id, summary);
    const check = turns.check(body.check, settings.check, "check");
    const limits = turns.limits(body.limits, settings.limits);
    if (body.maxTurns !== undefined && body.maxTurns > settings.maxTurns) {
      throw new InvalidOptionError(`\`maxTurns\` may only lower the conversation's ${settings.maxTurns}, got \`${body.maxTurns}\``, {
        path: "maxTurns",
        value: body.maxTurns,
      });
    }
    // The scripts this turn runs, so their approval requests (and those of its native calls) reach this stream.
    const runs = new Set<string>();
    const agent = await harness.conversation({
      provider: settings.provider,
      check,
      maxTurns: body.maxTurns ?? settings.maxTurns,
      limits,
      preamble: settings.system,
      onScriptRun: (runId) => runs.add(runId),
    });
    if (summary.turns === 0 && summary.title === "") store.setTitle(id, body.message.trim());
    const out = orderedStream();
    const client = clientSignal(c);
    const done = turns.start(id, async (signal) => {
      const unsubscribe =
        ctx.approvals?.subscribe((r) => {
          if (runs.has(r.runId) || r.runId.startsWith(`${id}:t`)) out.emit("approval_request", { type: "approval_request", ...r });
        }) ?? ((): void => {});
      try {
        await agent.run(body.message, {
          conversationId: id,
          signal: AbortSignal.any([signal, client]),
          onEvent: (e) => out.emit(e.type, publicEvent(e)),
        });
      } catch (error) {
        // Like `cody exec --json`: a failed or aborted turn ends with an error event (what ran is recorded).
        out.emit("error", { type: "error", error: publicError(serializeError(error)) });
        ctx.logger?.info({ conversationId: id, code: serializeError(error).code }, "turn failed");
      } finally {
        unsubscribe();
      }
    });
    return streamEvents(
      c,
      {},
      async (writer) => {
        out.attach(writer);
        await done;
        await out.flushed();
      },
      () => turns.abort(id, "The client disconnected"),
    );
  });
}
