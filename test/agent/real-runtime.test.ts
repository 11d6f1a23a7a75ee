/**
 * The loop over the production wiring (`createExecWiring` → `Harness.conversation`: compiler, cache, QuickJS worker pool, dispatcher)
 * as `cody exec` builds it, with compile-time type-checking on: what the model sees for real runtime errors and type errors.
 */
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveProviderConfig } from "../../src/agent/index.js";
import { createExecWiring, type ExecWiring } from "../../src/cli/commands/exec.js";
import { reply, startModelServer } from "./helpers/model-server.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const outputOf = (body: any, callId: string): string =>
  body.input.find((i: { type: string; call_id?: string }) => i.type === "function_call_output" && i.call_id === callId)?.output ?? "";

test("real runtime: a thrown error's mapped stack and a type error's diagnostics reach the model", async (t) => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cody-real-"));
  fs.writeFileSync(path.join(cwd, "data.txt"), "alpha\nbeta\n");
  const server = await startModelServer([
    reply({
      text:
        "<tool-calls>\nconst f = await tools.readFile({ path: \"data.txt\" });\nconsole.log(f.totalLines);\nconst missing: any = null;\nreturn missing.length;\n</tool-calls>\n" +
        "<tool-calls>\nconst n: number = \"x\";\nreturn n;\n</tool-calls>",
    }),
    reply({ text: "<tool-calls>\nconst f = await tools.readFile({ path: \"data.txt\" });\nreturn f.content.split(\"\\n\").filter(Boolean);\n</tool-calls>" }),
    reply({ text: "alpha and beta" }),
  ]);
  const wiring: ExecWiring = await createExecWiring({ cwd, db: path.join(cwd, "cody.db"), approval: "never" });
  t.teardown(async () => {
    await wiring.close();
    await server.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });
  const agent = await wiring.conversation({ provider: resolveProviderConfig({ baseUrl: server.url, model: "m" }, {}) });
  const result = await agent.run("list the words");
  t.is(result.text, "alpha and beta");

  const runtimeError = outputOf(server.requests[1]?.body, "tc_1_1");
  t.regex(runtimeError, /^error: block #1 failed with CODY_SCRIPT_RUNTIME/);
  t.regex(runtimeError, /TypeError/);
  t.regex(runtimeError, /<tool-calls#1>:4:8/, "stack mapped to line 4 of the block");
  t.regex(runtimeError, /console:\n2/);
  t.regex(runtimeError, /tool calls \(1\): readFile ok/);

  const typeError = outputOf(server.requests[1]?.body, "tc_1_2");
  t.regex(typeError, /^error: block #2 failed with CODY_SCRIPT_TYPE/);
  t.regex(typeError, /<tool-calls#2>:1:7 error TS2322: Type 'string' is not assignable to type 'number'/);

  t.regex(outputOf(server.requests[2]?.body, "tc_2_1"), /result:\n\["alpha","beta"\]/);
  const stored = wiring.store.items(result.conversationId);
  t.true(stored.some((s) => s.item.type === "function_call_output" && typeof s.runId === "string" && s.runId.length > 0));
});

test("real runtime: a block that keeps the type-checker busy reaches the model as CODY_LIMIT_CHECK_TIMEOUT, and the next block runs", async (t) => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cody-real-"));
  const deep = `const x = ${"[".repeat(250)}${"]".repeat(250)};\nreturn x;`;
  const server = await startModelServer([
    reply({ text: `<tool-calls>\n${deep}\n</tool-calls>` }),
    reply({ text: "<tool-calls>\nreturn 40 + 2;\n</tool-calls>" }),
    reply({ text: "done" }),
  ]);
  const wiring: ExecWiring = await createExecWiring({ cwd, db: path.join(cwd, "cody.db"), approval: "never", checkTimeout: 500 });
  t.teardown(async () => {
    await wiring.close();
    await server.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });
  const agent = await wiring.conversation({ provider: resolveProviderConfig({ baseUrl: server.url, model: "m" }, {}) });
  const result = await agent.run("make a deep array");
  t.is(result.text, "done");
  const refused = outputOf(server.requests[1]?.body, "tc_1_1");
  t.regex(refused, /CODY_LIMIT_CHECK_TIMEOUT/);
  t.regex(refused, /limits\.checkTimeoutMs/);
  t.notRegex(refused, /\n\s+at /, "no host stack reaches the model");
  t.regex(outputOf(server.requests[2]?.body, "tc_2_1"), /result:\n42/);
});
