import test from "ava";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { QuickJS } from "quickjs-wasi";
import { compileBytecode, compileScript, generateToolsDts, loadQuickJSModule, stripTypes } from "../../src/compiler/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

/** Evaluate an artifact the way the runtime does: bytecode → async function → call → settle the promise. */
async function run(bytecode: Uint8Array): Promise<{ kind: string; value?: unknown; error?: { message: string; stack: string } }> {
  const vm = await QuickJS.create({ wasm: await loadQuickJSModule() });
  try {
    const fn = vm.evalBytecode(bytecode);
    const kind = vm.evalCode("(f) => typeof f");
    const typeName = vm.dump(vm.callFunction(kind, vm.undefined, fn)) as string;
    const promise = vm.callFunction(fn, vm.undefined);
    vm.executePendingJobs();
    const settled = await vm.resolvePromise(promise);
    if ("value" in settled && settled.value) return { kind: typeName, value: vm.dump(settled.value) };
    const err = "error" in settled && settled.error ? (vm.dump(settled.error) as { message: string; stack: string }) : undefined;
    return err ? { kind: typeName, error: err } : { kind: typeName };
  } finally {
    vm.dispose();
  }
}

test("bytecode evaluates to an async function of zero arguments whose promise resolves to the script's value", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const { artifact, diagnostics } = await compileScript(
    { source: "const xs: number[] = [1, 2, 3];\nconst doubled = await Promise.all(xs.map(async (x) => x * 2));\nreturn { sum: doubled.reduce((a, b) => a + b, 0) };\n", filename: "sum.ts" },
    { dts },
  );
  t.deepEqual(diagnostics, []);
  t.truthy(artifact);
  const result = await run(artifact!.bytecode);
  t.is(result.kind, "function");
  t.deepEqual(result.value, { sum: 12 });
});

test("bytecode keeps debug info: a thrown error's stack names the user's file and maps back to the original line", async (t) => {
  const source = "const a: number = 1;\n\n\nif (a > 0) {\n  throw new Error('boom');\n}\nreturn a;\n";
  const stripped = await stripTypes(source, "scripts/throw.ts");
  const bytecode = await compileBytecode(stripped.code, "scripts/throw.ts");
  const result = await run(bytecode);
  t.is(result.error?.message, "boom");
  const m = /scripts\/throw\.ts:(\d+)(?::(\d+))?/.exec(result.error?.stack ?? "");
  t.truthy(m, result.error?.stack);
  const pos = originalPositionFor(new TraceMap(stripped.sourceMap), {
    line: Number(m![1]),
    column: m![2] === undefined ? 0 : Number(m![2]) - 1,
  });
  t.is(pos.line, 5);
});

test("the compile VM is reused: many compiles in a row all produce runnable bytecode", async (t) => {
  for (let i = 0; i < 20; i++) {
    const { code } = await stripTypes(`return ${i} * 2;`, `n${i}.ts`);
    const result = await run(await compileBytecode(code, `n${i}.ts`));
    t.is(result.value, i * 2);
  }
});
