/** `Harness.conversation()`: the one place a conversation loop is assembled over a harness (cody exec and the server use it). */
import test from "ava";
import { resolveProviderConfig } from "../../src/agent/index.js";
import { createHarness } from "../../src/harness.js";
import { reply, startModelServer } from "../agent/helpers/model-server.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("harness.conversation runs blocks through the harness with the conversation's limits and stores the conversation", async (t) => {
  const cwd = tempWorkspace(t, { "notes.txt": "hello\n" });
  const model = await startModelServer([
    reply({ text: "<tool-calls>\nconst f = await tools.readFile({ path: \"notes.txt\" });\nreturn f.content.trim();\n</tool-calls>" }),
    reply({ text: "<tool-calls>\nwhile (true) {}\n</tool-calls>" }),
    reply({ text: "done" }),
  ]);
  const harness = await createHarness({ cwd, pool: { workers: 1, maxWorkers: 1, vmsPerWorker: 1 }, dbPath: ":memory:", limits: { timeoutMs: 60_000 } });
  t.teardown(async () => {
    await harness.close();
    await model.close();
  });
  const agent = await harness.conversation({
    provider: resolveProviderConfig({ baseUrl: model.url, model: "m" }, {}),
    limits: { timeoutMs: 3000 },
    preamble: "PREAMBLE-FROM-OPTIONS",
  });
  const result = await agent.run("read notes");
  t.is(result.text, "done");
  const body = model.requests[0]?.body as { instructions: string };
  t.regex(body.instructions, /PREAMBLE-FROM-OPTIONS/);
  t.regex(body.instructions, /\b3 s of run time/, "the prompt states the conversation's run time limit");
  const outputs = (model.requests[2]?.body as { input: { type: string; output?: string }[] }).input
    .filter((i) => i.type === "function_call_output")
    .map((i) => i.output ?? "");
  t.regex(outputs[0] ?? "", /result \(string\):\nhello/);
  t.regex(outputs[1] ?? "", /CODY_LIMIT_TIMEOUT/);
  t.regex(outputs[1] ?? "", /time limit of 3000 ms/, "the conversation's timeoutMs applied, not the harness's 60 s");
  const store = await harness.conversations();
  t.is(store.get(result.conversationId)?.turns, 3);
  t.true(store.items(result.conversationId).some((s) => s.runId !== undefined && harness.audit.getRun(s.runId) !== undefined));
});

test("harness.warnings names approve-all so front ends can print it", async (t) => {
  const harness = await createHarness({ cwd: tempWorkspace(t), dbPath: ":memory:", policy: { dangerouslyApproveAll: true } });
  t.teardown(() => harness.close());
  t.is(harness.warnings().length, 1);
  t.regex(harness.warnings()[0] ?? "", /approv/i);
});
