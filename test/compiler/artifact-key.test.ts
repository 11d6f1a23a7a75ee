import test from "ava";
import { compileScript, computeArtifactKey, COMPILER_VERSION, ENGINE_VERSION, generateToolsDts } from "../../src/compiler/index.js";
import { BUILTIN_SPECS } from "../../src/tools/index.js";

const base = { source: "return 1;\n", filename: "k.ts", dtsHash: "a".repeat(64) };

test("the key is a sha256 hex string and is stable for the same inputs", (t) => {
  const k = computeArtifactKey(base);
  t.regex(k, /^[0-9a-f]{64}$/);
  t.is(computeArtifactKey({ ...base }), k);
});

test("a BOM or CRLF line ends do not change the key", (t) => {
  const k = computeArtifactKey({ ...base, source: "const a = 1;\nreturn a;\n" });
  t.is(computeArtifactKey({ ...base, source: "\ufeffconst a = 1;\r\nreturn a;\r\n" }), k);
});

test("the key changes with the source, the .d.ts hash, the engine, the compiler, the filename and the typecheck option", (t) => {
  const k = computeArtifactKey(base);
  const variants = [
    { ...base, source: "return 2;\n" },
    { ...base, dtsHash: "b".repeat(64) },
    { ...base, engineVersion: "quickjs-wasi@9.9.9" },
    { ...base, compilerVersion: "cody@9.9.9 typescript@7.0.2 esbuild@0.28.2" },
    { ...base, filename: "other.ts" },
    { ...base, typecheck: false },
  ];
  const keys = variants.map(computeArtifactKey);
  for (const v of keys) t.not(v, k);
  t.is(new Set(keys).size, keys.length);
});

test("the defaults are the installed engine and compiler versions", (t) => {
  t.is(computeArtifactKey({ ...base, engineVersion: ENGINE_VERSION, compilerVersion: COMPILER_VERSION }), computeArtifactKey(base));
  t.regex(ENGINE_VERSION, /^quickjs-wasi@\d+\.\d+\.\d+$/);
  t.regex(COMPILER_VERSION, /^cody@\S+ typescript@7\.\S+ esbuild@\S+$/);
});

test("an artifact's hash is the key a caller can compute before compiling, and the artifact records its versions", async (t) => {
  const dts = await generateToolsDts(BUILTIN_SPECS);
  const { artifact } = await compileScript({ source: "return 1;\n", filename: "k.ts" }, { dts });
  t.truthy(artifact);
  t.is(artifact!.hash, computeArtifactKey({ source: "return 1;\n", filename: "k.ts", dtsHash: dts.hash }));
  t.is(artifact!.dtsHash, dts.hash);
  t.is(artifact!.engineVersion, ENGINE_VERSION);
  t.is(artifact!.compilerVersion, COMPILER_VERSION);
  t.is(artifact!.sourceBytes, 10);
});
