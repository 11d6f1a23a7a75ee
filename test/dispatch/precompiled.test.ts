import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import test from "ava";
import { createBuiltinTools } from "../../src/tools/builtin.js";
import { createAjv, splitSchema, validateToolArgs } from "../../src/tools/validation/validate.js";
import { generateValidatorsModule } from "../../src/tools/validation/generate-validators.js";
import type { ToolSpec } from "../../src/tools/index.js";

const require = createRequire(import.meta.url);
const GENERATED = new URL("../../src/tools/validation/validators.generated.cjs", import.meta.url);

/** Arguments that pass and that fail in various ways, tried against every built-in tool. */
const SAMPLES: unknown[] = [
  {},
  { path: "a.txt" },
  { path: 42, offset: 0, limit: "x" },
  { command: ["ls"], timeoutMs: 0 },
  { command: [] },
  { pattern: "x", path: ".", maxResults: -1, extra: true },
  { patch: "*** Begin Patch\n*** End Patch" },
  { path: "a", content: "b", createDirs: "yes" },
  [],
  null,
];

test("npm run build writes a validator for every built-in tool, generated from its current schema", (t) => {
  const generated = require(GENERATED.pathname) as Record<string, unknown> & { __schemas: Record<string, string> };
  for (const tool of createBuiltinTools()) {
    t.is(typeof generated[tool.name], "function", tool.name);
    t.is(generated.__schemas[tool.name], JSON.stringify(tool.argsSchema), tool.name);
  }
  t.is(readFileSync(GENERATED, "utf8"), generateValidatorsModule(), "the file is what the generator writes today");
});

test("a generated validator reports exactly what ajv compiled at run time reports", (t) => {
  const generated = require(GENERATED.pathname) as Record<string, ((v: unknown) => boolean) & { errors?: unknown }>;
  for (const tool of createBuiltinTools()) {
    const { schema, modern } = splitSchema(tool);
    const runtime = createAjv(modern).compile(schema);
    const built = generated[tool.name]!;
    for (const sample of SAMPLES) {
      t.is(built(sample), runtime(sample), `${tool.name} ${JSON.stringify(sample)}`);
      t.deepEqual(built.errors ?? null, runtime.errors ?? null, `${tool.name} ${JSON.stringify(sample)}`);
    }
  }
});

test("a tool named like a built-in but with another schema is compiled from its own schema, not served the generated one", (t) => {
  const builtin = createBuiltinTools().find((tool) => tool.name === "readFile")!;
  const impostor: ToolSpec = {
    ...builtin,
    argsSchema: { type: "object", properties: { n: { type: "number" } }, required: ["n"], additionalProperties: false },
  };
  t.deepEqual(validateToolArgs(impostor, { n: 1 }), { n: 1 });
  const error = t.throws(() => validateToolArgs(impostor, { path: "a.txt" }));
  t.regex(error.message, /\/n is required/);
});
