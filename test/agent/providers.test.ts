import test from "ava";
import {
  createProvider,
  resolveProviderConfig,
  retryDelayMs,
  type ModelRequest,
  type ProviderConfigInput,
  type ProviderEvent,
  type RetryInfo,
} from "../../src/agent/index.js";
import { AbortedError, ProviderError } from "../../src/errors/index.js";
import {
  chatFrames,
  closed,
  reply,
  responsesFrames,
  sse,
  startModelServer,
  statusReply,
  writeFrames,
  type ModelServer,
} from "./helpers/model-server.js";

const request: ModelRequest = {
  instructions: "Be brief.",
  input: [
    { type: "message", role: "user", content: "hi" },
    { type: "message", role: "assistant", content: "<tool-calls>return 1</tool-calls>" },
    { type: "function_call", call_id: "tc_1_1", name: "tool_calls", arguments: "{\"block\":1}" },
    { type: "function_call", call_id: "call_9", name: "mcp.demo.echo", arguments: "{\"text\":\"x\"}" },
    { type: "function_call_output", call_id: "tc_1_1", output: "ok: 1" },
    { type: "function_call_output", call_id: "call_9", output: "{\"echoed\":\"x\"}" },
  ],
  tools: [
    { name: "readFile", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" } } } },
    { name: "mcp.demo.echo", description: "Echo.", parameters: { type: "object", properties: { text: { type: "string" } } } },
  ],
};

function provider(server: ModelServer, api: "responses" | "chat", extra: ProviderConfigInput = {}) {
  return createProvider(
    resolveProviderConfig({ api, baseUrl: server.url, model: "test-model", apiKey: "sk-test", retryBaseMs: 5, ...extra }, {}),
  );
}

async function collect(gen: AsyncGenerator<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

const textOf = (events: ProviderEvent[]) => events.map((e) => (e.type === "text_delta" ? e.delta : "")).join("");

for (const api of ["responses", "chat"] as const) {
  test(`${api}: streamed text, a function call whose arguments arrive in pieces, and usage are parsed`, async (t) => {
    const server = await startModelServer([
      reply({ text: "Hello, wörld — ünïcode ✓", chunk: 3, calls: [{ callId: "call_1", name: "mcp__demo__echo", arguments: "{\"text\":\"héllo\"}" }], usage: { input: 12, output: 7 } }),
    ]);
    t.teardown(() => server.close());
    const events = await collect(provider(server, api).stream(request, new AbortController().signal));
    t.is(textOf(events), "Hello, wörld — ünïcode ✓");
    const calls = events.filter((e) => e.type === "function_call");
    t.deepEqual(calls, [{ type: "function_call", callId: "call_1", name: "mcp.demo.echo", arguments: "{\"text\":\"héllo\"}" }]);
    t.deepEqual(events[events.length - 1], { type: "completed", usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 } });
    const sent = server.requests[0];
    t.is(sent?.headers["authorization"], "Bearer sk-test");
    t.is(sent?.body.model, "test-model");
    t.is(sent?.body.stream, true);
  });

  test(`${api}: 429 with Retry-After is retried after the server's delay, then succeeds`, async (t) => {
    const server = await startModelServer([
      statusReply(429, { error: { message: "slow down" } }, { "retry-after": "1" }),
      reply({ text: "ok" }),
    ]);
    t.teardown(() => server.close());
    const retries: RetryInfo[] = [];
    const events = await collect(provider(server, api, { onRetry: (r) => retries.push(r) }).stream(request, new AbortController().signal));
    t.is(textOf(events), "ok");
    t.is(server.requests.length, 2);
    t.deepEqual(retries, [{ attempt: 1, delayMs: 1000, status: 429, reason: "HTTP 429" }]);
  });

  test(`${api}: 500s are retried with backoff up to maxRetries, then a ProviderError carries the status`, async (t) => {
    const server = await startModelServer([statusReply(500), statusReply(502), reply({ text: "recovered" })]);
    t.teardown(() => server.close());
    const events = await collect(provider(server, api, { maxRetries: 2 }).stream(request, new AbortController().signal));
    t.is(textOf(events), "recovered");
    t.is(server.requests.length, 3);

    const failing = await startModelServer([statusReply(503), statusReply(503)]);
    t.teardown(() => failing.close());
    const error = await t.throwsAsync(collect(provider(failing, api, { maxRetries: 1 }).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.details["status"], 503);
    t.is(error?.details["attempts"], 2);
    t.is(failing.requests.length, 2);
  });

  test(`${api}: 401 fails at once with a typed error naming the key variables`, async (t) => {
    const server = await startModelServer([statusReply(401, { error: { message: "Incorrect API key provided" } })]);
    t.teardown(() => server.close());
    const error = await t.throwsAsync(collect(provider(server, api).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.code, "CODY_PROVIDER");
    t.is(error?.details["status"], 401);
    t.regex(error?.message ?? "", /authentication failed.*OPENAI_API_KEY.*Incorrect API key/);
    t.is(server.requests.length, 1);
  });

  test(`${api}: 404 says to check the base URL and model`, async (t) => {
    const server = await startModelServer([statusReply(404, "no such route")]);
    t.teardown(() => server.close());
    const error = await t.throwsAsync(collect(provider(server, api).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.details["status"], 404);
    t.regex(error?.message ?? "", /--base-url and --model/);
  });

  test(`${api}: malformed JSON in an event is a ProviderError of kind json`, async (t) => {
    const server = await startModelServer([
      async (res) => writeFrames(res, [sse(api === "chat" ? undefined : "response.output_text.delta", "{not json")]),
    ]);
    t.teardown(() => server.close());
    const error = await t.throwsAsync(collect(provider(server, api).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.details["kind"], "json");
    t.regex(error?.message ?? "", /malformed JSON/);
  });

  test(`${api}: a stream cut before completion is a ProviderError, after the text that did arrive`, async (t) => {
    const frames = api === "chat" ? chatFrames({ text: "partial answer" }) : responsesFrames({ text: "partial answer" });
    const server = await startModelServer([
      async (res) => {
        // Chat: drop the finish_reason chunk too (a finished choice without [DONE] is accepted, see below).
        await writeFrames(res, frames.slice(0, api === "chat" ? -3 : -2));
        res.socket?.destroy();
      },
    ]);
    t.teardown(() => server.close());
    const seen: ProviderEvent[] = [];
    const error = await t.throwsAsync(
      (async () => {
        for await (const e of provider(server, api).stream(request, new AbortController().signal)) seen.push(e);
      })(),
      { instanceOf: ProviderError },
    );
    t.true(["stream"].includes(String(error?.details["kind"])), String(error?.message));
    t.is(textOf(seen), "partial answer");
    t.is(server.requests.length, 1, "a started stream is never retried");
  });

  test(`${api}: a stalled stream hits the idle timeout`, async (t) => {
    const server = await startModelServer([
      async (res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(api === "chat" ? chatFrames({ text: "x" })[0] ?? "" : responsesFrames({ text: "x" })[0] ?? "");
        // Stalled until the client gives up and closes the connection: no race against a timer.
        await closed(res);
        res.end();
      },
    ]);
    t.teardown(() => server.close());
    const error = await t.throwsAsync(collect(provider(server, api, { idleTimeoutMs: 150 }).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.details["kind"], "timeout");
  });

  test(`${api}: aborting the signal mid-stream rejects with AbortedError`, async (t) => {
    const server = await startModelServer([
      async (res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const frames = api === "chat" ? chatFrames({ text: "first" }) : responsesFrames({ text: "first" });
        res.write(frames.slice(0, 3).join(""));
        await closed(res);
        res.end();
      },
    ]);
    t.teardown(() => server.close());
    const ctl = new AbortController();
    const seen: ProviderEvent[] = [];
    await t.throwsAsync(
      (async () => {
        for await (const e of provider(server, api).stream(request, ctl.signal)) {
          seen.push(e);
          ctl.abort();
        }
      })(),
      { instanceOf: AbortedError },
    );
    t.true(seen.length >= 1);
  });

  test(`${api}: a server that answers JSON instead of a stream is a protocol error`, async (t) => {
    const server = await startModelServer([statusReply(200, { id: "x", output: [] })]);
    t.teardown(() => server.close());
    const error = await t.throwsAsync(collect(provider(server, api).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
    t.is(error?.details["kind"], "protocol");
  });
}

test("responses: the request carries instructions, aliased tools and the conversation items", async (t) => {
  const server = await startModelServer([reply({ text: "ok" })]);
  t.teardown(() => server.close());
  await collect(provider(server, "responses").stream(request, new AbortController().signal));
  const body = server.requests[0]?.body;
  t.is(server.requests[0]?.url, "/v1/responses");
  t.is(body.instructions, "Be brief.");
  t.is(body.store, false);
  t.deepEqual(body.tools.map((x: { name: string }) => x.name), ["readFile", "mcp__demo__echo"]);
  t.deepEqual(body.input[3], { type: "function_call", call_id: "call_9", name: "mcp__demo__echo", arguments: "{\"text\":\"x\"}" });
  t.deepEqual(body.input[5], { type: "function_call_output", call_id: "call_9", output: "{\"echoed\":\"x\"}" });
});

test("chat: function calls join the assistant message and outputs become tool messages", async (t) => {
  const server = await startModelServer([reply({ text: "ok" })]);
  t.teardown(() => server.close());
  await collect(provider(server, "chat").stream(request, new AbortController().signal));
  const body = server.requests[0]?.body;
  t.is(server.requests[0]?.url, "/v1/chat/completions");
  t.deepEqual(body.stream_options, { include_usage: true });
  t.deepEqual(body.messages[0], { role: "system", content: "Be brief." });
  t.deepEqual(body.messages[2], {
    role: "assistant",
    content: "<tool-calls>return 1</tool-calls>",
    tool_calls: [
      { id: "tc_1_1", type: "function", function: { name: "tool_calls", arguments: "{\"block\":1}" } },
      { id: "call_9", type: "function", function: { name: "mcp__demo__echo", arguments: "{\"text\":\"x\"}" } },
    ],
  });
  t.deepEqual(body.messages[4], { role: "tool", tool_call_id: "call_9", content: "{\"echoed\":\"x\"}" });
  t.is(body.tools[1].function.name, "mcp__demo__echo");
});

test("chat: two tool calls interleaved by index are both assembled, in index order", async (t) => {
  const chunk = (delta: unknown) => sse(undefined, { choices: [{ index: 0, delta, finish_reason: null }] });
  const server = await startModelServer([
    async (res) =>
      writeFrames(res, [
        chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "readFile", arguments: "{\"pa" } }] }),
        chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "readFile", arguments: "{\"path\"" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: "th\":\"x\"}" } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: ":\"y\"}" } }] }),
        sse(undefined, { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
        sse(undefined, "[DONE]"),
      ]),
  ]);
  t.teardown(() => server.close());
  const events = await collect(provider(server, "chat").stream(request, new AbortController().signal));
  t.deepEqual(events, [
    { type: "function_call", callId: "a", name: "readFile", arguments: "{\"path\":\"x\"}" },
    { type: "function_call", callId: "b", name: "readFile", arguments: "{\"path\":\"y\"}" },
    { type: "completed" },
  ]);
});

test("chat: a stream closed after finish_reason but without [DONE] still completes", async (t) => {
  const server = await startModelServer([async (res) => writeFrames(res, chatFrames({ text: "done" }).slice(0, -1))]);
  t.teardown(() => server.close());
  const events = await collect(provider(server, "chat").stream(request, new AbortController().signal));
  t.is(textOf(events), "done");
  t.like(events[events.length - 1], { type: "completed", usage: { totalTokens: 15 } });
});

test("responses: a response.failed event becomes a ProviderError with the server's message", async (t) => {
  const server = await startModelServer([
    async (res) =>
      writeFrames(res, [sse("response.failed", { type: "response.failed", response: { error: { code: "server_error", message: "model overloaded" } } })]),
  ]);
  t.teardown(() => server.close());
  const error = await t.throwsAsync(collect(provider(server, "responses").stream(request, new AbortController().signal)), { instanceOf: ProviderError });
  t.regex(error?.message ?? "", /failed: model overloaded/);
  t.is(error?.details["code"], "server_error");
});

test("a refused connection is retried and then reported as a network error", async (t) => {
  const server = await startModelServer([]);
  const url = server.url;
  await server.close();
  const p = createProvider(resolveProviderConfig({ baseUrl: url, model: "m", maxRetries: 1, retryBaseMs: 1 }, {}));
  const error = await t.throwsAsync(collect(p.stream(request, new AbortController().signal)), { instanceOf: ProviderError });
  t.is(error?.details["kind"], "network");
  t.is(error?.details["attempts"], 2);
});

test("retry delays honour retry-after-ms, Retry-After seconds and dates, and are capped", (t) => {
  const cfg = { retryBaseMs: 100, maxRetryDelayMs: 5000 };
  t.is(retryDelayMs(cfg, 0, new Headers({ "retry-after-ms": "250" })), 250);
  t.is(retryDelayMs(cfg, 0, new Headers({ "retry-after": "2" })), 2000);
  t.is(retryDelayMs(cfg, 0, new Headers({ "retry-after": new Date(10_000 + 3000).toUTCString() }), 10_000), 3000);
  t.is(retryDelayMs(cfg, 0, new Headers({ "retry-after": "60" })), 5000);
  const backoff = retryDelayMs(cfg, 3, undefined);
  t.true(backoff >= 400 && backoff <= 800, String(backoff));
});

test("provider config resolves flags over env over defaults and names bad fields", (t) => {
  const env = { OPENAI_API_KEY: "sk-env", CODY_MODEL: "env-model", MY_KEY: "sk-mine" };
  const c = resolveProviderConfig({}, env);
  t.is(c.baseUrl, "https://api.openai.com/v1");
  t.is(c.model, "env-model");
  t.is(c.apiKey, "sk-env");
  t.is(c.api, "responses");
  t.is(resolveProviderConfig({ apiKeyEnv: "MY_KEY" }, env).apiKey, "sk-mine");
  t.is(resolveProviderConfig({ baseUrl: "http://localhost:8080/v1/" }, {}).baseUrl, "http://localhost:8080/v1");
  t.is(resolveProviderConfig({ baseUrl: "http://localhost:8080/v1" }, {}).apiKey, undefined);
  t.throws(() => resolveProviderConfig({ apiKeyEnv: "NOPE" }, env), { message: /NOPE/ });
  t.throws(() => resolveProviderConfig({}, {}), { message: /OPENAI_API_KEY/ });
  t.throws(() => resolveProviderConfig({ baseUrl: "ftp://x" }, env), { message: /provider\.baseUrl/ });
  t.throws(() => resolveProviderConfig({ api: "completions" as never }, env), { message: /provider\.api/ });
  t.throws(() => resolveProviderConfig({ maxRetries: -1 }, env), { message: /provider\.maxRetries.*got `-1`/ });
  t.is(resolveProviderConfig({ maxRetries: 0 }, env).maxRetries, 0);
});

for (const api of ["responses", "chat"] as const) {
  test(`${api}: the SSE body cut at every byte of the frame carrying the tags yields the same blocks and prose`, async (t) => {
    const { StreamingDetector, detectToolCalls, mergeText } = await import("../../src/agent/index.js");
    const text = "Voilà — <tool-calls>\nreturn \"ünï</tool-calls>\".length; // ✓\n</TOOL-CALLS> fin";
    const frames = api === "chat" ? chatFrames({ text, chunk: text.length }) : responsesFrames({ text, chunk: text.length });
    const body = Buffer.from(frames.join(""), "utf8");
    const frameStart = Buffer.byteLength(frames.slice(0, api === "chat" ? 1 : 2).join(""), "utf8");
    const frameEnd = frameStart + Buffer.byteLength(frames[api === "chat" ? 1 : 2] ?? "", "utf8");
    t.true(frames[api === "chat" ? 1 : 2]?.includes("tool-calls"));
    const server = await startModelServer([]);
    t.teardown(() => server.close());
    const expected = detectToolCalls(text);
    t.is(expected.filter((i) => i.type === "block").length, 1);
    const p = provider(server, api);
    for (let cut = frameStart; cut <= frameEnd; cut++) {
      server.push(async (res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(body.subarray(0, cut));
        await new Promise((r) => setImmediate(r));
        res.end(body.subarray(cut));
      });
      const d = new StreamingDetector();
      const items = [];
      for await (const e of p.stream(request, new AbortController().signal)) if (e.type === "text_delta") items.push(...d.push(e.delta));
      items.push(...d.finish());
      t.deepEqual(mergeText(items), expected, `cut at byte ${cut}`);
    }
  });
}

test("an error response whose body stalls is cut off after the idle timeout and still reports its status", async (t) => {
  const server = await startModelServer([
    async (res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.write("{\"error\":");
      await closed(res);
      res.end("{}}");
    },
  ]);
  t.teardown(() => server.close());
  const error = await t.throwsAsync(collect(provider(server, "responses", { maxRetries: 0, idleTimeoutMs: 150 }).stream(request, new AbortController().signal)), { instanceOf: ProviderError });
  t.is(error?.details["status"], 500);
});

test("the config file's provider section sits below flags and environment, and may not hold a key", (t) => {
  const file = { api: "chat", baseUrl: "http://127.0.0.1:9/v1", model: "file-model", apiKeyEnv: "FILE_KEY", maxRetries: 1 };
  const fromFile = resolveProviderConfig({}, { FILE_KEY: "sk-file" }, file);
  t.like(fromFile, { api: "chat", baseUrl: "http://127.0.0.1:9/v1", model: "file-model", apiKey: "sk-file", maxRetries: 1 });
  const envWins = resolveProviderConfig({}, { FILE_KEY: "sk-file", CODY_MODEL: "env-model", CODY_BASE_URL: "http://localhost:1/v1" }, file);
  t.like(envWins, { model: "env-model", baseUrl: "http://localhost:1/v1" });
  const flagsWin = resolveProviderConfig({ model: "flag-model", api: "responses" }, { FILE_KEY: "sk-file", CODY_MODEL: "env-model" }, file);
  t.like(flagsWin, { model: "flag-model", api: "responses" });
  t.throws(() => resolveProviderConfig({}, {}, { apiKey: "sk-secret" }), { message: /provider\.apiKey.*apiKeyEnv/ });
  t.throws(() => resolveProviderConfig({}, {}, { modle: "typo" }), { message: /Unknown field `provider\.modle`/ });
  t.throws(() => resolveProviderConfig({}, {}, { model: 5 }), { message: /provider\.model.*got `5`/ });
  t.throws(() => resolveProviderConfig({}, {}, "chat"), { message: /`provider` section must be an object/ });
});
