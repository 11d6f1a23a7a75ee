import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import test from "ava";
import { loadPreludeBytecode, preludeBytecodeHeader } from "../../src/runtime/prelude-bytecode.js";
import { ScriptPool } from "../../src/runtime/index.js";
import { artifact, echo } from "./helpers.js";
import { tempWorkspace } from "../helpers/workspace.js";

test("the build writes the prelude's bytecode, made from this prelude by the engine the runtime loads", (t) => {
  const bytecode = loadPreludeBytecode();
  t.truthy(bytecode, "dist/src/runtime/prelude.qjsbc is missing or was made from another prelude");
  t.is(bytecode?.engine, "3.6.2");
  t.true((bytecode?.bytes.length ?? 0) > 1000);
});

test("a bytecode file made from another prelude is ignored", (t) => {
  const dir = tempWorkspace(t);
  const file = path.join(dir, "prelude.qjsbc");
  writeFileSync(file, `${JSON.stringify({ engine: "3.6.2", prelude: "0".repeat(64) })}\n\u0001\u0002`);
  t.is(loadPreludeBytecode(pathToFileURL(file)), undefined);
  writeFileSync(file, `${preludeBytecodeHeader("3.6.2")}\u0001\u0002`);
  const ours = loadPreludeBytecode(pathToFileURL(file));
  t.is(ours?.engine, "3.6.2");
  t.deepEqual([...(ours?.bytes ?? [])], [1, 2]);
});

test("VMs made from the prelude's bytecode run scripts, tool calls, console and errors as from its source", async (t) => {
  const pool = new ScriptPool({ inThread: true, singleRun: true });
  t.teardown(() => pool.close());
  const r = await pool.run(await artifact("console.log('a', 1); const x = await tools.t({ n: 2 }); try { await tools.bad({}); } catch (e) { return [x.args.n, e instanceof ToolError, e.name]; }"), {
    invokeTool: async (call) => {
      if (call.tool === "bad") throw new Error("no");
      return echo(call);
    },
    toolNames: ["t", "bad"],
  });
  t.true(r.ok, JSON.stringify(r.error));
  t.deepEqual(r.value, [2, true, "ToolError"]);
  t.deepEqual(r.console.map((c) => c.text), ["a 1"]);
});
