import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  Agent,
  ConversationStore,
  createProvider,
  resolveProviderConfig,
  type AgentEvent,
  type AgentOptions,
} from "../../src/agent/index.js";
import { AbortedError, ProviderError } from "../../src/errors/index.js";
import { ScriptPool } from "../../src/runtime/index.js";
import { openDatabase } from "../../src/store/index.js";
import type { ToolDefinition } from "../../src/tools/index.js";
import { createTestHarness, type TestHarness, type TestHarnessOptions } from "./helpers/harness.js";
import { closed, reply, startModelServer, statusReply, type ModelServer } from "./helpers/model-server.js";

// Every loop test runs its scripts on the real runtime (compiler, QuickJS workers with their limits, spawn, the
// dispatcher and its audit), one pool for the file.
const pool = new ScriptPool({ workers: 2, vmsPerWorker: 1 });
test.after.always(() => pool.close());

async function setup(
  t: import("ava").ExecutionContext,
  replies: Parameters<typeof startModelServer>[0],
  opts: Omit<TestHarnessOptions, "pool"> = {},
) {
  const server = await startModelServer(replies);
  const h = await createTestHarness({ pool, ...opts });
  t.teardown(async () => {
    await server.close();
    await h.cleanup();
  });
  return { server, h };
}

function agent(server: ModelServer, h: TestHarness, api: "responses" | "chat" = "responses", extra: Partial<AgentOptions> = {}) {
  return new Agent({
    provider: createProvider(resolveProviderConfig({ api, baseUrl: server.url, model: "m", retryBaseMs: 1 }, {})),
    executor: h.executor,
    tools: h.tools,
    toolsDts: h.toolsDts,
    ...extra,
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function outputsOf(body: any): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(body.input)) {
    for (const item of body.input) if (item.type === "function_call_output") out[item.call_id] = item.output;
  } else {
    for (const m of body.messages) if (m.role === "tool") out[m.tool_call_id] = m.content;
  }
  return out;
}

const SCRIPT = [
  "await tools.writeFile({ path: \"notes/todo.txt\", content: \"buy milk\\n\", createDirs: true });",
  "const file = await tools.readFile({ path: \"notes/todo.txt\" });",
  "console.log(\"lines:\", file.totalLines);",
  "return { content: file.content };",
].join("\n");

for (const api of ["responses", "chat"] as const) {
  test(`${api}: a turn with a script block and a structured call in the same reply, then a final answer`, async (t) => {
    const { server, h } = await setup(t, [
      reply({
        text: `I'll write the note.\n<tool-calls>\n\`\`\`ts\n${SCRIPT}\n\`\`\`\n</tool-calls>\n`,
        calls: [{ callId: "call_a", name: "mcp__demo__echo", arguments: "{\"text\":\"ping\"}" }],
        usage: { input: 100, output: 20 },
      }),
      reply({ text: "Done: the note says buy milk.", usage: { input: 200, output: 10 } }),
    ]);
    const events: AgentEvent[] = [];
    const result = await agent(server, h, api).run("Write a todo note", { onEvent: (e) => events.push(e) });

    t.is(fs.readFileSync(path.join(h.root, "notes/todo.txt"), "utf8"), "buy milk\n");
    t.is(result.text, "Done: the note says buy milk.");
    t.is(result.stopReason, "done");
    t.is(result.turns, 2);
    t.deepEqual(result.usage, { inputTokens: 300, outputTokens: 30, totalTokens: 330 });
    t.deepEqual(h.executor.sources, [SCRIPT]);

    t.is(server.requests.length, 2);
    const outputs = outputsOf(server.requests[1]?.body);
    t.regex(outputs["tc_1_1"] ?? "", /^ok: block #1 finished/);
    t.regex(outputs["tc_1_1"] ?? "", /result:\n\{"content":"buy milk\\n"\}/);
    t.regex(outputs["tc_1_1"] ?? "", /console:\nlines: 1/);
    t.regex(outputs["tc_1_1"] ?? "", /tool calls \(2\): writeFile ok \d+ ms · readFile ok \d+ ms/);
    t.is(outputs["call_a"], "{\"echoed\":\"ping\"}");
    t.deepEqual(h.structuredContexts, [{ conversationId: result.conversationId, turn: 1, callId: "call_a" }]);
    // The audit log saw the script's calls under its run, and the native call under the turn.
    h.harness.audit.flush();
    const runId = h.executor.results[0]?.runId ?? "?";
    t.deepEqual(h.harness.audit.getRun(runId)?.calls.map((c) => [c.tool, c.source, c.outcome]), [
      ["writeFile", "script", "ok"],
      ["readFile", "script", "ok"],
    ]);
    t.deepEqual(h.harness.audit.getRun(`${result.conversationId}:t1`)?.calls.map((c) => [c.tool, c.source, c.callId]), [
      ["mcp.demo.echo", "structured", "call_a"],
    ]);

    const types = events.map((e) => e.type);
    for (const type of ["turn_start", "assistant_text", "script_start", "tool_call", "tool_result", "console", "script_end", "function_call", "function_result", "turn_end", "final"]) {
      t.true(types.includes(type as AgentEvent["type"]), type);
    }
    t.is(types[types.length - 1], "final");
    const start = events.find((e) => e.type === "script_start");
    t.true(start?.type === "script_start" && start.tools.includes("readFile") && /^[0-9a-f]{16}$/.test(start.sourceHash));
    const prose = events.filter((e) => e.type === "assistant_text").map((e) => (e.type === "assistant_text" ? e.delta : "")).join("");
    t.false(prose.includes("tools.writeFile"), "block bodies are not streamed as assistant text");
    t.true(prose.startsWith("I'll write the note."));
  });
}

test("a failing script's typed error and mapped stack reach the model in the next request", async (t) => {
  const { server, h } = await setup(t, [
    reply({ text: "<tool-calls>\nconst x = null;\nreturn x.length;\n</tool-calls>" }),
    reply({ text: "It failed." }),
  ]);
  const result = await agent(server, h).run("go");
  t.is(result.text, "It failed.");
  const output = outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "";
  t.regex(output, /^error: block #1 failed with CODY_SCRIPT_RUNTIME/);
  t.regex(output, /TypeError: cannot read property 'length' of null/);
  // Line and column come from the compiler's source map through the runtime's stack mapping: `x` of `x.length`.
  t.regex(output, /<tool-calls#1>:2:8\b/);
  // The assistant's own reply, block included, is in the history too.
  t.deepEqual(server.requests[1]?.body.input[1], { type: "message", role: "assistant", content: "<tool-calls>\nconst x = null;\nreturn x.length;\n</tool-calls>" });
});

test("a script that runs past its time limit is stopped and the model is told which limit it hit", async (t) => {
  const { server, h } = await setup(t, [reply({ text: "<tool-calls>\nwhile (true) {}\n</tool-calls>" }), reply({ text: "stopped" })], {
    limits: { timeoutMs: 300 },
  });
  const result = await agent(server, h).run("spin");
  t.is(result.text, "stopped");
  const output = outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "";
  t.regex(output, /^error: block #1 failed with CODY_LIMIT_TIMEOUT/);
  t.regex(output, /time limit of 300 ms/);
});

test("a tool failure inside a script is summarised with its code", async (t) => {
  const { server, h } = await setup(t, [
    reply({ text: "<tool-calls>\ntry { await tools.readFile({ path: \"missing.txt\" }); } catch (e) { return e.code; }\n</tool-calls>" }),
    reply({ text: "ok" }),
  ]);
  await agent(server, h).run("go");
  const output = outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "";
  t.regex(output, /result \(string\):\nCODY_/);
  t.regex(output, /tool calls \(1\): readFile error \d+ ms \(CODY_[A-Z_]+: /);
});

test("the reply streamed one character per frame runs the same script as unsplit", async (t) => {
  const text = "Plan:\n<tool-calls>\n```ts\nconst s = \"</tool-calls>\"; // </tool-calls>\nreturn s.length;\n```\n</tool-calls>\nwait";
  const { server, h } = await setup(t, [reply({ text, chunk: 1 }), reply({ text: "13" })]);
  const deltas: string[] = [];
  await agent(server, h).run("go", { onEvent: (e) => e.type === "assistant_text" && deltas.push(e.delta) });
  t.deepEqual(h.executor.sources, ["const s = \"</tool-calls>\"; // </tool-calls>\nreturn s.length;"]);
  t.is(deltas.join(""), "Plan:\n\nwait13");
  t.regex(outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "", /result:\n13/);
});

test("an unclosed block is reported to the model and nothing runs", async (t) => {
  const { server, h } = await setup(t, [reply({ text: "<tool-calls>\nreturn 1;\n" }), reply({ text: "sorry" })]);
  const result = await agent(server, h).run("go");
  t.is(result.text, "sorry");
  t.deepEqual(h.executor.sources, []);
  t.regex(outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "", /^error: Block #1 was not run: the reply ended before `<\/tool-calls>`/);
});

test("check block: a script with type errors is not run and the diagnostics go back to the model", async (t) => {
  const { server, h } = await setup(t, [
    reply({ text: "<tool-calls>\nconst n: number = \"nope\";\nreturn n;\n</tool-calls>" }),
    reply({ text: "<tool-calls>\nconst n = 2;\nreturn n;\n</tool-calls>" }),
    reply({ text: "fixed" }),
  ]);
  const events: AgentEvent[] = [];
  const result = await agent(server, h, "responses", { check: "block" }).run("go", { onEvent: (e) => events.push(e) });
  t.is(result.text, "fixed");
  t.deepEqual(h.executor.sources, ["const n = 2;\nreturn n;"]);
  const blocked = outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "";
  t.regex(blocked, /was not run: the type-check found 1 error/);
  t.regex(blocked, /<tool-calls#1>:1:7 error TS2322/);
  t.true(events.some((e) => e.type === "diagnostics" && e.blocked));
  t.regex(outputsOf(server.requests[2]?.body)["tc_2_1"] ?? "", /result:\n2/);
});

test("check warn: type errors are reported alongside the run", async (t) => {
  const { server, h } = await setup(t, [reply({ text: "<tool-calls>\nlet s = \"a\";\ns = 1;\nreturn s;\n</tool-calls>" }), reply({ text: "ok" })]);
  await agent(server, h, "responses", { check: "warn" }).run("go");
  t.is(h.executor.sources.length, 1);
  const output = outputsOf(server.requests[1]?.body)["tc_1_1"] ?? "";
  t.regex(output, /^ok: block #1/);
  t.regex(output, /result:\n1\n/);
  t.regex(output, /type-check warnings:\n<tool-calls#1>:2:1 error TS2322/);
});

test("structured calls with bad JSON arguments or an unknown tool are reported, not thrown", async (t) => {
  const { server, h } = await setup(t, [
    reply({ calls: [{ callId: "c1", name: "readFile", arguments: "{\"path\":" }, { callId: "c2", name: "nope", arguments: "{}" }] }),
    reply({ text: "ok" }),
  ]);
  await agent(server, h).run("go");
  const outputs = outputsOf(server.requests[1]?.body);
  t.regex(outputs["c1"] ?? "", /^error: UsageError \[CODY_USAGE\]: The arguments of `readFile` are not valid JSON/);
  t.regex(outputs["c2"] ?? "", /CODY_TOOL_NOT_FOUND/);
});

test("maxTurns stops a model that never stops calling tools, with a clear message", async (t) => {
  const block = reply({ text: "<tool-calls>return 1</tool-calls>" });
  const { server, h } = await setup(t, [block, block, block]);
  const result = await agent(server, h, "responses", { maxTurns: 2 }).run("loop forever");
  t.is(result.stopReason, "max_turns");
  t.is(result.turns, 2);
  t.is(server.requests.length, 2);
  t.regex(result.message ?? "", /Stopped after 2 model turn\(s\) \(maxTurns = 2\).*--resume conv_/);
  t.is(h.executor.sources.length, 2);
});

test("maxTurns = 1 allows exactly one model call; 0 is refused", async (t) => {
  const { server, h } = await setup(t, [reply({ text: "just text" })]);
  const result = await agent(server, h, "responses", { maxTurns: 1 }).run("hi");
  t.is(result.stopReason, "done");
  t.throws(() => agent(server, h, "responses", { maxTurns: 0 }), { message: /maxTurns/ });
});

test("a call spawned by a script outlives the script and is stopped when the turn ends, before the next model call", async (t) => {
  const order: string[] = [];
  let probeSignal: AbortSignal | undefined;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  // A spawned call that runs until it is aborted, and a tool the script uses to wait until that call has started.
  const probe: ToolDefinition<Record<string, never>, string> = {
    name: "probe",
    description: "Run until aborted.",
    risk: "read-only",
    argsSchema: { type: "object", additionalProperties: false },
    resultSchema: { type: "string" },
    handler: (_args, ctx) =>
      new Promise((_, reject) => {
        probeSignal = ctx.signal;
        order.push("spawned call started");
        markStarted();
        ctx.signal.addEventListener("abort", () => {
          order.push("spawned call aborted");
          reject(new AbortedError("probe stopped"));
        }, { once: true });
      }),
  };
  const probeStarted: ToolDefinition<Record<string, never>, boolean> = {
    name: "probeStarted",
    description: "Resolve once the probe is running.",
    risk: "read-only",
    argsSchema: { type: "object", additionalProperties: false },
    resultSchema: { type: "boolean" },
    handler: async () => {
      await started;
      return true;
    },
  };
  const { server, h } = await setup(
    t,
    [
      reply({ text: "<tool-calls>\nconst job = tools.spawn.probe({});\nawait tools.probeStarted({});\nreturn job.status();\n</tool-calls>" }),
      async (res, req) => {
        order.push("second model call");
        await reply({ text: "done" })(res, req);
      },
    ],
    { tools: [probe as ToolDefinition, probeStarted as ToolDefinition] },
  );
  const result = await agent(server, h).run("go", { onEvent: (e) => e.type === "script_end" && order.push("script ended") });
  t.is(result.text, "done");
  t.is(h.executor.results[0]?.value, "running", "the spawned call was still running when the script returned");
  t.true(probeSignal?.aborted);
  t.deepEqual(order, ["spawned call started", "script ended", "spawned call aborted", "second model call"]);
  t.true(h.executor.turnSignals[0]?.aborted);
  h.harness.audit.flush();
  const calls = h.harness.audit.getRun(h.executor.results[0]?.runId ?? "?")?.calls ?? [];
  t.deepEqual(calls.map((c) => [c.tool, c.detached, c.outcome]), [
    ["probe", true, "aborted"],
    ["probeStarted", false, "ok"],
  ]);
});

test("abort mid-turn cancels the running script and its tool call, records what happened, and rejects", async (t) => {
  const dbDir = fs.mkdtempSync(path.join(h0(), "cody-conv-"));
  t.teardown(() => fs.rmSync(dbDir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dbDir, "cody.db"));
  t.teardown(() => db.close());
  const store = new ConversationStore(db);
  const { server, h } = await setup(t, [reply({ text: "Waiting.\n<tool-calls>\nawait tools.sleep({ ms: 20000 });\nreturn 1;\n</tool-calls>" })]);
  const ctl = new AbortController();
  const events: AgentEvent[] = [];
  const error = await t.throwsAsync(
    agent(server, h, "responses", { store }).run("sleep", {
      signal: ctl.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "tool_call" && e.tool === "sleep") setImmediate(() => ctl.abort());
      },
    }),
    { instanceOf: AbortedError },
  );
  const conversationId = String(error?.details["conversationId"]);
  const toolResult = events.find((e) => e.type === "tool_result");
  t.is(toolResult?.type === "tool_result" ? toolResult.outcome : undefined, "aborted");
  t.is(server.requests.length, 1, "no further model call after the abort");
  const items = store.items(conversationId).map((s) => s.item);
  t.deepEqual(items.map((i) => i.type), ["message", "message", "function_call", "function_call_output"]);
  const out = items[3];
  t.regex(out?.type === "function_call_output" ? out.output : "", /CODY_ABORTED/);
});

test("abort while the model is still streaming rejects promptly and runs nothing", async (t) => {
  const { server, h } = await setup(t, [
    async (res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "thinking " })}\n\n`);
      await closed(res);
      res.end();
    },
  ]);
  const ctl = new AbortController();
  await t.throwsAsync(
    agent(server, h).run("go", { signal: ctl.signal, onEvent: (e) => e.type === "assistant_text" && ctl.abort() }),
    { instanceOf: AbortedError },
  );
  t.deepEqual(h.executor.sources, []);
});

test("resume continues a stored conversation from another Agent and database connection", async (t) => {
  const dbDir = fs.mkdtempSync(path.join(h0(), "cody-conv-"));
  t.teardown(() => fs.rmSync(dbDir, { recursive: true, force: true }));
  const file = path.join(dbDir, "cody.db");
  const { server, h } = await setup(t, [
    reply({ text: "<tool-calls>return 40 + 2</tool-calls>" }),
    reply({ text: "The answer is 42." }),
    reply({ text: "You asked about 42." }),
  ]);
  const db1 = openDatabase(file);
  const first = await agent(server, h, "responses", { store: new ConversationStore(db1) }).run("compute");
  db1.close();

  const db2 = openDatabase(file);
  t.teardown(() => db2.close());
  const store2 = new ConversationStore(db2);
  const stored = store2.items(first.conversationId);
  t.is(stored.find((s) => s.item.type === "function_call_output")?.runId, h.executor.results[0]?.runId);
  t.like(h.harness.audit.getRun(h.executor.results[0]?.runId ?? "?")?.run, { outcome: "ok" });
  t.is(store2.get(first.conversationId)?.turns, 2);
  const second = await agent(server, h, "responses", { store: store2 }).resume(first.conversationId, "what did I ask?");
  t.is(second.conversationId, first.conversationId);
  t.is(second.text, "You asked about 42.");
  // The count covers the whole conversation, not only the turns of this call.
  t.is(second.turns, 3);
  const input = server.requests[2]?.body.input;
  t.deepEqual(input.map((i: { type: string; role?: string }) => i.role ?? i.type), [
    "user", "assistant", "function_call", "function_call_output", "assistant", "user",
  ]);
  t.is(input[5].content, "what did I ask?");
  t.is(store2.get(first.conversationId)?.turns, 3);
  await t.throwsAsync(agent(server, h, "responses", { store: store2 }).run("x", { conversationId: "conv_nope" }), { message: /No conversation `conv_nope`/ });
});

test("a provider failure rejects with ProviderError and nothing runs", async (t) => {
  const { server, h } = await setup(t, [statusReply(401)]);
  const error = await t.throwsAsync(agent(server, h).run("hello"), { instanceOf: ProviderError });
  t.is(error?.details["status"], 401);
  t.deepEqual(h.executor.sources, []);
});

const h0 = (): string => os.tmpdir();
