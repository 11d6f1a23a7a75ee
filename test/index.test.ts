import test from "ava";
import * as cody from "../src/index.js";

test("the package entry point exposes the harness, the layers and the error classes by name", (t) => {
  for (const name of ["createHarness", "Harness", "ScriptPool", "ToolRegistry", "ArtifactCache", "Agent", "createServer", "normalizeLimits"]) {
    t.is(typeof (cody as Record<string, unknown>)[name], "function", name);
  }
  t.true(new cody.ToolArgumentError("x") instanceof cody.CodyError);
  t.is(cody.DEFAULT_LIMITS.maxToolCalls, 32);
});
