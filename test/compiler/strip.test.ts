import test from "ava";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { stripTypes } from "../../src/compiler/index.js";
import { ScriptSyntaxError } from "../../src/errors/index.js";

test("stripping wraps the body in an async arrow function and removes the types", async (t) => {
  const { code } = await stripTypes("const x: number = 1;\nreturn x as number;", "s.ts");
  t.true(code.startsWith("(async () => {\n"));
  t.false(code.includes(": number"));
  t.false(code.includes(" as "));
  t.regex(code, /return x;/);
});

test("the source map names the user's file, carries its text, and maps emitted lines back to the original line:column", async (t) => {
  const source = "// a comment\ninterface P { x: number }\nconst p: P = { x: 1 };\n\nconst total: number = p.x + 41;\nreturn total;\n";
  const { code, sourceMap } = await stripTypes(source, "examples/sum.ts");
  const map = JSON.parse(sourceMap) as { sources: string[]; sourcesContent: string[] };
  t.deepEqual(map.sources, ["examples/sum.ts"]);
  t.deepEqual(map.sourcesContent, [source]);
  const lines = code.split("\n");
  const genLine = lines.findIndex((l) => l.includes("const total")) + 1;
  const genCol = lines[genLine - 1]!.indexOf("total");
  const pos = originalPositionFor(new TraceMap(sourceMap), { line: genLine, column: genCol });
  t.is(pos.source, "examples/sum.ts");
  t.is(pos.line, 5);
  t.is(pos.column, "const ".length);
  const ret = lines.findIndex((l) => l.includes("return total")) + 1;
  t.is(originalPositionFor(new TraceMap(sourceMap), { line: ret, column: lines[ret - 1]!.indexOf("return") }).line, 6);
});

test("a syntax error becomes ScriptSyntaxError located in the user's file", async (t) => {
  const error = await t.throwsAsync(stripTypes("const ok = 1;\nconst x = ;\n", "bad.ts"), { instanceOf: ScriptSyntaxError });
  t.deepEqual(error?.location, { file: "bad.ts", line: 2, column: 11 });
  t.regex(error?.message ?? "", /^bad\.ts\(2,11\)/);
  const diagnostics = error?.details["diagnostics"] as { line: number; code: number }[];
  t.is(diagnostics[0]?.line, 2);
  t.is(diagnostics[0]?.code, 9001);
});

test("a syntax error after non-ASCII text reports a UTF-16 column, not a byte column", async (t) => {
  const error = await t.throwsAsync(stripTypes('const s = "héllo"; const x = ;', "u.ts"), { instanceOf: ScriptSyntaxError });
  t.is(error?.location?.column, 'const s = "héllo"; const x = '.length + 1);
});

test("an unclosed block is reported at the end of the user's file, not in the wrapper", async (t) => {
  const source = "if (true) {\n  console.log(1);";
  const error = await t.throwsAsync(stripTypes(source, "open.ts"), { instanceOf: ScriptSyntaxError });
  t.true((error?.location?.line ?? 0) <= 2);
});
