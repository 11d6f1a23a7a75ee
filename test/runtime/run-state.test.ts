import test from "ava";
import { normalizeLimits } from "../../src/limits.js";
import type { ToWorker } from "../../src/runtime/index.js";
import { RunState } from "../../src/runtime/run-state.js";
import { artifact } from "./helpers.js";

test("a tool call for a name outside the run's tool list is refused with CODY_TOOL_NOT_FOUND without reaching the invoker", async (t) => {
  const posted: ToWorker[] = [];
  let invoked = 0;
  const state = new RunState(
    "r1",
    await artifact("return 1"),
    {
      invokeTool: async () => {
        invoked++;
        return 1;
      },
      toolNames: ["allowed"],
    },
    normalizeLimits({}),
  );
  state.begin({ post: (m) => posted.push(m), artifactFields: (hash, bytecode) => ({ hash, bytecode }), interrupt: () => {}, kill: () => {} });
  state.onMessage({ type: "tool_call", runId: "r1", callId: "c1", tool: "secret.exec", argsJson: "{}", detached: false });
  const reply = posted.find((m) => m.type === "tool_result");
  t.truthy(reply);
  t.is(reply?.type === "tool_result" ? JSON.parse(reply.json).code : undefined, "CODY_TOOL_NOT_FOUND");
  t.is(invoked, 0);
  state.onMessage({
    type: "done",
    runId: "r1",
    outcome: { ok: true, json: "1" },
    consoleTruncated: false,
    vmsCreated: 0,
    vmsDisposed: 0,
  });
  const result = await state.promise;
  t.is(result.value, 1);
  t.deepEqual(result.toolCalls, []);
});
