import test from "ava";
import { renderToolsDts } from "../../src/compiler/index.js";
import { normalizeLimits } from "../../src/limits.js";
import { declaredTools, describeTools, runScriptDescription, toolIndex } from "../../src/mcp-server/index.js";
import { createBuiltinRegistry } from "../../src/tools/builtin.js";
import type { ToolSpec } from "../../src/tools/index.js";

/** An MCP tool whose name needs quoting, nested under `tools.mcp.calc`. */
const SUM: ToolSpec = {
  name: "mcp.calc.get-sum",
  description: "Adds two numbers.\n\nBoth must be finite.",
  argsSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"], additionalProperties: false },
  resultSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"], additionalProperties: false },
  risk: "executes",
};

async function dts(): Promise<string> {
  return (await renderToolsDts([...createBuiltinRegistry().specs(), SUM])).text;
}

test("declaredTools finds every tool of the generated .d.ts, nested and quoted names included, and not the tools.spawn copies", async (t) => {
  const tools = declaredTools(await dts());
  const names = tools.map((x) => x.name);
  t.deepEqual([...names].sort(), [...createBuiltinRegistry().specs().map((s) => s.name), SUM.name].sort());
  const sum = tools.find((x) => x.name === SUM.name);
  t.regex(sum?.signature ?? "", /^tools\.mcp\.calc\["get-sum"\]\(args: \w+\): Promise<\w+>$/);
  t.is(sum?.description, "Adds two numbers.\n\nBoth must be finite.");
});

test("describeTools gives the signature and the types it uses (transitively), and names what is unknown", async (t) => {
  const text = await dts();
  const { text: readFile, unknown } = describeTools(text, ["listDir", "nope"]);
  t.deepEqual(unknown, ["nope"]);
  t.true(readFile.includes("tools.listDir(args: ListDirArgs): Promise<ListDirResult>;"));
  t.true(readFile.includes("interface ListDirResult {"));
  t.true(readFile.includes("interface DirEntry {"), "a type used by the result is included");
  t.false(readFile.includes("interface ExecArgs"));
});

test("run_script's description carries the whole .d.ts up to the limit, and an index pointing at describe_tools past it", async (t) => {
  const text = await dts();
  const limits = normalizeLimits({});
  const whole = runScriptDescription(text, limits, text.length);
  t.true(whole.includes(text.trimEnd()));
  const index = runScriptDescription(text, limits, text.length - 1);
  t.false(index.includes("declare const tools"));
  t.true(index.includes("call describe_tools"));
  t.true(index.includes(toolIndex(text)));
  t.regex(toolIndex(text), /^- mcp\.calc\.get-sum: Adds two numbers\.$/m);
});
