/**
 * Conversations over REST against the in-repo OpenAI-compatible model server (Responses and Chat Completions): a full
 * turn streamed as SSE, abort mid-turn (with spawned work), an approval answered over REST, paging and validation.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { resolveProviderConfig } from "../../src/agent/index.js";
import { closed, reply, responsesFrames, startModelServer, type ModelServer } from "../agent/helpers/model-server.js";
import { pidsWith, uniqueSleep } from "../sandbox/helpers.js";
import { ApiError, createClient, type ConversationEvent, type TurnBody, type components } from "../../src/client/index.js";
import { TEST_TOKEN, request, startServer, waitFor } from "./helpers.js";

async function modelServer(t: ExecutionContext, replies: Parameters<typeof startModelServer>[0] = []): Promise<ModelServer> {
  const s = await startModelServer(replies);
  t.teardown(() => s.close());
  return s;
}

/** A server whose conversations default to `model` (with an API key, to see where it is sent). */
function providerFor(model: ModelServer) {
  return (overrides: object) => resolveProviderConfig({ baseUrl: model.url, model: "test-model", apiKey: "sk-server", ...overrides }, {});
}

/** The typed client, as a program using this package would hold it. */
const client = (base: string) => createClient({ baseUrl: base, token: TEST_TOKEN, headers: { connection: "close" } });

type Event = ConversationEvent & Record<string, unknown>;

/** Send a turn with the client and collect its events, calling `onEvent` as they arrive. */
async function streamTurn(base: string, id: string, body: TurnBody, onEvent: (event: Event) => void | Promise<void> = () => {}): Promise<Event[]> {
  const events: Event[] = [];
  for await (const e of client(base).turn(id, body)) {
    events.push(e as Event);
    await onEvent(e as Event);
  }
  return events;
}

/** Create a conversation with the client; its id. */
async function create(base: string, body: components["schemas"]["CreateConversationBody"] = {}): Promise<string> {
  const { data, response } = await client(base).POST("/v1/conversations", { body });
  if (!data) throw new Error(`create failed: ${response.status}`);
  return data.id;
}

const BLOCK = "Reading.\n<tool-calls>\nconst f = await tools.readFile({ path: \"notes.txt\" });\nconsole.log(\"lines\", f.totalLines);\nreturn f.content.trim();\n</tool-calls>\n";

for (const api of ["responses", "chat"] as const) {
  test(`a full turn over REST (${api}): the stream carries the events cody exec --json prints, and the conversation is stored`, async (t) => {
    const model = await modelServer(t, [reply({ text: BLOCK }), reply({ text: "The note says hello." })]);
    const { base } = await startServer(t, { files: { "notes.txt": "hello\n" }, server: { provider: providerFor(model) } });
    const created = await client(base).POST("/v1/conversations", { body: { api, system: "SYSTEM-ADDITION" } });
    t.is(created.response.status, 201);
    t.is(created.data?.settings.api, api);
    t.is(created.data?.settings.check, "block", "a type-checking server acts as block");
    const id = created.data?.id ?? "";
    const events = await streamTurn(base, id, { message: "What does the note say?" });
    const types: string[] = events.map((e) => e.type);
    for (const type of ["turn_start", "assistant_text", "script_start", "tool_call", "console", "tool_result", "script_end", "turn_end", "final"]) {
      t.true(types.includes(type), `${type} in ${types.join(",")}`);
    }
    t.is(types.at(-1), "final");
    t.true(types.indexOf("console") < types.indexOf("script_end"));
    const final = events.at(-1) as { text: string; conversationId: string; turns: number; usage: { inputTokens: number } };
    t.is(final.text, "The note says hello.");
    t.is(final.conversationId, id);
    t.is(final.usage.inputTokens, 20);
    const scriptEnd = events.find((e) => e.type === "script_end") as { ok: boolean; output: string };
    t.true(scriptEnd.ok);
    t.regex(scriptEnd.output, /result \(string\):\nhello/);
    t.true(model.requests.every((r) => r.url.endsWith(api === "chat" ? "/chat/completions" : "/responses")));
    t.is(model.requests[0]?.headers["authorization"], "Bearer sk-server");
    t.regex(JSON.stringify(model.requests[0]?.body), /SYSTEM-ADDITION/);

    const detail = (await client(base).GET("/v1/conversations/{id}", { params: { path: { id } } })).data;
    t.is(detail?.conversation.title, "What does the note say?");
    t.is(detail?.conversation.turns, 2);
    t.is(detail?.conversation.api, api);
    t.false(detail?.active);
    t.deepEqual(detail?.items.map((i) => i.item.type), ["message", "message", "function_call", "function_call_output", "message"]);
  });
}

test("a second turn continues the conversation: the model is sent the stored items", async (t) => {
  const model = await modelServer(t, [reply({ text: "First answer." }), reply({ text: "Second answer." })]);
  const { base } = await startServer(t, { server: { provider: providerFor(model) } });
  const id = await create(base);
  await streamTurn(base, id, { message: "one" });
  const second = await streamTurn(base, id, { message: "two" });
  t.is((second.at(-1) as { turns: number }).turns, 2);
  const input = (model.requests[1]?.body as { input: { type: string; content?: string }[] }).input;
  t.deepEqual(input.map((i) => i.content), ["one", "First answer.", "two"]);
});

test("DELETE /v1/conversations/:id/turns/current aborts the turn mid-stream and the work it spawned; the stream ends with CODY_ABORTED", async (t) => {
  const marker = uniqueSleep();
  let modelGone: Promise<void> | undefined;
  // The model streams a block that spawns a process, then stalls mid-reply: the turn is busy until it is aborted.
  // (Spawned work lives until the model turn that started it ends.)
  const block = `<tool-calls>\ntools.spawn.exec({ command: ["sh", "-c", "echo started > pid.txt; exec sleep ${marker}"] });\nreturn "spawned";\n</tool-calls>\n`;
  const model = await modelServer(t, [
    async (res) => {
      const frames = responsesFrames({ text: block });
      // Everything but the end of the message and `response.completed`.
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const frame of frames.slice(0, -2)) res.write(frame);
      modelGone = closed(res);
      await modelGone;
    },
  ]);
  const { base, cwd } = await startServer(t, {
    server: { provider: providerFor(model) },
    harness: { policy: { policy: "never", allowTools: ["exec"] }, limits: { timeoutMs: 20_000 } },
  });
  const id = await create(base);
  const cody = client(base);
  const pidFile = path.join(cwd, "pid.txt");
  let deleted: { status: number; body: unknown } | undefined;
  let conflict: ApiError | undefined;
  const events = await streamTurn(base, id, { message: "spawn it" }, async (event) => {
    if (event.type === "script_end") {
      await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "" ? true : undefined));
      // pid.txt is written just before `exec sleep`: wait for the exec too, not only for the file.
      t.true(await waitFor(() => (pidsWith(marker, "sleep").length > 0 ? true : undefined)), "the spawned process runs while the turn does");
      conflict = await t.throwsAsync(streamTurn(base, id, { message: "again" }), { instanceOf: ApiError });
      t.true((await cody.GET("/v1/conversations/{id}", { params: { path: { id } } })).data?.active);
      const res = await cody.DELETE("/v1/conversations/{id}/turns/current", { params: { path: { id } } });
      deleted = { status: res.response.status, body: res.data };
    }
  });
  t.is(conflict?.status, 409, "one turn per conversation at a time");
  t.is(conflict?.code, "CODY_HTTP_CONFLICT");
  t.is(deleted?.status, 202);
  t.deepEqual(deleted?.body, { conversationId: id, aborted: true });
  const last = events.at(-1);
  t.is(last?.type, "error");
  t.is((last?.["error"] as { code: string }).code, "CODY_ABORTED");
  await modelGone;
  t.true(await waitFor(() => (pidsWith(marker, "sleep").length > 0 ? undefined : true)), "the spawned process was killed with the turn");
  t.is((await cody.DELETE("/v1/conversations/{id}/turns/current", { params: { path: { id } } })).response.status, 404, "no turn is running any more");
  const detail = (await cody.GET("/v1/conversations/{id}", { params: { path: { id } } })).data;
  t.false(detail?.active);
  t.is(detail?.conversation.turns, 1, "what ran before the abort is recorded");
  t.true(detail?.items.some((i) => i.item.type === "function_call_output"));
});

test("an approval raised by a turn's script reaches the turn's stream and is answered through /v1/approvals", async (t) => {
  const model = await modelServer(t, [
    reply({ text: "<tool-calls>\nawait tools.writeFile({ path: \"out.txt\", content: \"approved\" });\nreturn \"written\";\n</tool-calls>" }),
    reply({ text: "Written." }),
  ]);
  const { base, cwd } = await startServer(t, { approvals: true, server: { provider: providerFor(model) } });
  const id = await create(base);
  const cody = client(base);
  let answered: number | undefined;
  const events = await streamTurn(base, id, { message: "write it" }, async (event) => {
    if (event.type === "approval_request") {
      const listed = await cody.GET("/v1/approvals");
      t.deepEqual(listed.data?.approvals.map((a) => a.id), [event.id]);
      answered = (await cody.POST("/v1/approvals/{id}", { params: { path: { id: String(event.id) } }, body: { decision: "approve" } })).response.status;
    }
  });
  const asked = events.find((e) => e.type === "approval_request");
  t.is(asked?.["tool"], "writeFile");
  t.is(answered, 200);
  t.is(events.at(-1)?.type, "final");
  t.true((events.find((e) => e.type === "script_end") as { ok: boolean }).ok);
  t.is(readFileSync(path.join(cwd, "out.txt"), "utf8"), "approved");
});

test("a request naming another base URL gets no API key: the server's key only goes to the server's own base URL", async (t) => {
  const own = await modelServer(t);
  const other = await modelServer(t, [reply({ text: "from the other server" })]);
  const { base } = await startServer(t, { server: { provider: providerFor(own) } });
  const created = await client(base).POST("/v1/conversations", { body: { baseUrl: other.url, model: "other-model" } });
  t.is(created.data?.settings.baseUrl, other.url);
  const events = await streamTurn(base, created.data?.id ?? "", { message: "hi" });
  t.is(events.at(-1)?.type, "final");
  t.is(other.requests[0]?.headers["authorization"], undefined);
  t.is((other.requests[0]?.body as { model: string }).model, "other-model");
  t.is(own.requests.length, 0);
});

test("check mode, limits and maxTurns of a turn may only tighten the server's; unknown conversations are 404", async (t) => {
  const model = await modelServer(t);
  const { base } = await startServer(t, { server: { provider: providerFor(model) } });
  const bad = async (body: unknown, path = "/v1/conversations") => {
    const res = await request<{ error: { code: string; message: string } }>(base, "POST", path, body);
    return [res.status, res.body.error?.code];
  };
  t.deepEqual(await bad({ check: "off" }), [400, "CODY_INVALID_OPTION"], "the server type-checks on compile");
  t.deepEqual(await bad({ check: "warn" }), [400, "CODY_INVALID_OPTION"]);
  t.deepEqual(await bad({ limits: { timeoutMs: 60_001 } }), [400, "CODY_INVALID_OPTION"], "above the server's 60 s");
  t.deepEqual(await bad({ limits: { nope: 1 } }), [400, "CODY_HTTP_BAD_REQUEST"]);
  t.deepEqual(await bad({ maxTurns: 101 }), [400, "CODY_HTTP_BAD_REQUEST"], "past the cap of 100");
  t.deepEqual(await bad({ extra: true }), [400, "CODY_HTTP_BAD_REQUEST"]);
  const edge = await request<{ id: string; settings: { maxTurns: number; check: string; limits: { timeoutMs: number } } }>(base, "POST", "/v1/conversations", {
    maxTurns: 100,
    check: "block",
    limits: { timeoutMs: 60_000 },
  });
  t.is(edge.status, 201, "at the edge: maxTurns 100 and the server's own timeout");
  t.is(edge.body.settings.maxTurns, 100);
  const tight = await request<{ id: string }>(base, "POST", "/v1/conversations", { maxTurns: 3, limits: { timeoutMs: 1000 } });
  const turns = `/v1/conversations/${tight.body.id}/turns`;
  t.deepEqual(await bad({ message: "x", maxTurns: 4 }, turns), [400, "CODY_INVALID_OPTION"], "above the conversation's maxTurns");
  t.deepEqual(await bad({ message: "x", limits: { timeoutMs: 1001 } }, turns), [400, "CODY_INVALID_OPTION"], "above the conversation's limit");
  t.deepEqual(await bad({ message: "" }, turns), [400, "CODY_HTTP_BAD_REQUEST"]);
  t.deepEqual(await bad({}, turns), [400, "CODY_HTTP_BAD_REQUEST"]);
  t.deepEqual(await bad({ message: "x" }, "/v1/conversations/conv_missing/turns"), [404, "CODY_HTTP_NOT_FOUND"]);
  t.is((await request(base, "GET", "/v1/conversations/conv_missing")).status, 404);
  t.is((await request(base, "DELETE", "/v1/conversations/conv_missing/turns/current")).status, 404);
  t.is(model.requests.length, 0, "nothing reached the model");
});

test("GET /v1/conversations pages newest first with a cursor until nextCursor is null", async (t) => {
  const model = await modelServer(t);
  const { base } = await startServer(t, { server: { provider: providerFor(model) } });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await create(base, { title: `c${i}` }));
  const seen: string[] = [];
  let cursor: string | null | undefined = null;
  let pages = 0;
  do {
    const page: { data?: { conversations: { id: string }[]; nextCursor: string | null }; response: Response } = await client(base).GET("/v1/conversations", { params: { query: { limit: "2", ...(cursor ? { cursor } : {}) } } });
    t.is(page.response.status, 200);
    seen.push(...(page.data?.conversations.map((c) => c.id) ?? []));
    cursor = page.data?.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  t.is(pages, 3);
  t.deepEqual(seen, [...ids].reverse());
  t.is((await request(base, "GET", "/v1/conversations?limit=100")).status, 200);
  t.is((await request(base, "GET", "/v1/conversations?limit=101")).status, 400);
  t.is((await request(base, "GET", "/v1/conversations?limit=0")).status, 400);
  t.is((await request(base, "GET", "/v1/conversations?cursor=bm9wZQ")).status, 400);
});

test("a client that disconnects mid-turn aborts the turn: the model stream is closed and the conversation is idle again", async (t) => {
  let modelGone: Promise<void> | undefined;
  // Set when the model has the request and has sent its first frame (model.requests is filled in only afterwards).
  let modelStreaming = false;
  const model = await modelServer(t, [
    async (res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(responsesFrames({ text: "thinking" })[0] ?? "");
      modelGone = closed(res);
      modelStreaming = true;
      await modelGone;
    },
  ]);
  const { base } = await startServer(t, { server: { provider: providerFor(model) } });
  const id = await create(base);
  const leave = new AbortController();
  let aborted = false;
  try {
    for await (const e of client(base).turn(id, { message: "hold on" }, { signal: leave.signal })) {
      if (e.type === "turn_start") {
        await waitFor(() => (modelStreaming ? true : undefined));
        leave.abort();
      }
    }
  } catch (error) {
    aborted = leave.signal.aborted && (error as { name?: string }).name === "AbortError";
  }
  t.true(aborted, "the client's loop ends with its own AbortError");
  await modelGone;
  const idle = await waitFor(async () => ((await client(base).GET("/v1/conversations/{id}", { params: { path: { id } } })).data?.active === false ? true : undefined));
  t.true(idle, "the turn ended when its client left");
});
