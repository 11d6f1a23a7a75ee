import test from "ava";
import { compileScript, generateToolsDts, TypeChecker } from "../../src/compiler/index.js";
import { ScriptEmptyError, ScriptTooLargeError } from "../../src/errors/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

test("a type error yields diagnostics and no artifact", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const r = await compileScript({ source: "const n: number = 'x';\nreturn n;", filename: "e.ts" }, { dts });
  t.is(r.artifact, undefined);
  t.is(r.diagnostics.length, 1);
  t.like(r.diagnostics[0], { file: "e.ts", line: 1, code: 2322 });
});

test("with typecheck false a type error still compiles, but a syntax error is a diagnostic with no artifact", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const typed = await compileScript({ source: "const n: number = 'x';\nreturn n;", filename: "e.ts" }, { dts, typecheck: false });
  t.truthy(typed.artifact);
  t.deepEqual(typed.diagnostics, []);
  const broken = await compileScript({ source: "return (;", filename: "s.ts" }, { dts, typecheck: false });
  t.is(broken.artifact, undefined);
  t.like(broken.diagnostics[0], { file: "s.ts", line: 1, code: 9001, category: "error" });
});

test("a shared warm checker is reused across compiles and left open for the caller", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const checker = new TypeChecker(dts.text);
  t.teardown(() => checker.close());
  for (let i = 0; i < 3; i++) {
    const r = await compileScript({ source: `return ${i};`, filename: "w.ts" }, { dts, checker });
    t.truthy(r.artifact);
  }
  t.deepEqual(checker.check([{ filename: "after.ts", source: "return 1;" }]), []);
});

test("input problems throw typed errors before any checking, and limits apply", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  await t.throwsAsync(compileScript({ source: "  \n", filename: "x.ts" }, { dts }), { instanceOf: ScriptEmptyError });
  await t.throwsAsync(compileScript({ source: "return 12345;", filename: "x.ts" }, { dts, limits: { maxSourceBytes: 5 } }), {
    instanceOf: ScriptTooLargeError,
  });
});
