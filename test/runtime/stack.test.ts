import test from "ava";
import { compileScript } from "../../src/compiler/index.js";
import { ScriptPool, mapStack } from "../../src/runtime/index.js";
import { artifact, echo } from "./helpers.js";

const pool = new ScriptPool({ workers: 1 });
test.before(() => pool.ready());
test.after.always(() => pool.close());

const dts = { text: "declare const tools: any;", hash: "stack-test" };

test("an uncaught error from a compiled TypeScript script maps its stack and location to the user's lines", async (t) => {
  const source = [
    "interface Item { name: string }", // 1
    "const items: Item[] = [{ name: 'a' }];", // 2
    "function explode(item: Item): never {", // 3
    "  throw new TypeError(`bad item ${item.name}`);", // 4
    "}", // 5
    "for (const item of items) explode(item);", // 6
    "return 1;", // 7
  ].join("\n");
  const compiled = await compileScript({ source, filename: "scripts/explode.ts" }, { dts, typecheck: false });
  t.truthy(compiled.artifact, JSON.stringify(compiled.diagnostics));
  const r = await pool.run(compiled.artifact!, { invokeTool: echo, toolNames: [] });
  t.false(r.ok);
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.is(r.error?.name, "ScriptRuntimeError");
  t.is(r.error?.message, "TypeError: bad item a");
  t.like(r.error?.details, { name: "TypeError", message: "bad item a" });
  // QuickJS records the position of the expression being evaluated; the line is exact, the column lies on it.
  t.like(r.error?.location, { file: "scripts/explode.ts", line: 4 });
  const column = r.error?.location?.column ?? 0;
  t.true(column >= 3 && column <= 46, String(column));
  const stack = String(r.error?.details.stack);
  t.regex(stack, /^ {4}at explode \(scripts\/explode\.ts:4:\d+\)\n {4}at <script> \(scripts\/explode\.ts:6:\d+\)$/);
  t.notRegex(stack, /cody-prelude|<anonymous>/);
});

test("a non-Error throw is reported with its value", async (t) => {
  const r = await pool.run(await artifact("throw { reason: 'plain object' };"), { invokeTool: echo, toolNames: [] });
  t.is(r.error?.code, "CODY_SCRIPT_RUNTIME");
  t.regex(r.error?.message ?? "", /Uncaught \{"reason":"plain object"\}/);
});

test("without a source map, frames in the script's file keep their emitted positions and prelude frames are dropped", (t) => {
  const raw = "    at inner (a.ts:3:5)\n    at <anonymous> (a.ts:5:1)\n    at start (<cody-prelude>:200:10)\n    at JSON.parse (native)";
  const mapped = mapStack(raw, "a.ts", "", "no-map");
  t.is(mapped.stack, "    at inner (a.ts:3:5)\n    at <script> (a.ts:5:1)");
  t.deepEqual(mapped.location, { file: "a.ts", line: 3, column: 5 });
});

test("a malformed source map does not break error reporting", (t) => {
  const mapped = mapStack("    at f (a.ts:2:3)", "a.ts", "{not json", "bad-map");
  t.is(mapped.stack, "    at f (a.ts:2:3)");
});
