import test from "ava";
import { Ajv } from "ajv";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PathOutsideWorkspaceError } from "../../src/errors/index.js";
import { createBuiltinRegistry, createBuiltinTools } from "../../src/tools/builtin.js";
import { BUILTIN_SPECS } from "../../src/tools/schemas.js";
import type { ToolContext } from "../../src/tools/types.js";
import { realWorkspaceRoot } from "../../src/tools/workspace.js";

function workspace(t: { teardown(fn: () => void): void }): ToolContext {
  const root = realWorkspaceRoot(fs.mkdtempSync(path.join(os.tmpdir(), "cody-builtin-")));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, "src"));
  fs.writeFileSync(path.join(root, "src", "a.ts"), "export const answer = 42;\n");
  return { workspaceRoot: root, signal: new AbortController().signal };
}

/** One valid call per tool this helper owns (applyPatch has its own suite). */
const sampleCalls: Record<string, unknown> = {
  exec: { command: ["echo", "hi"] },
  readFile: { path: "src/a.ts" },
  writeFile: { path: "src/b.ts", content: "x\n" },
  listDir: { path: ".", depth: 2 },
  glob: { pattern: "**/*.ts" },
  search: { pattern: "answer" },
};

/** The same calls aimed outside the workspace. */
const escapingCalls: Record<string, unknown> = {
  exec: { command: ["echo", "hi"], cwd: ".." },
  readFile: { path: "../x" },
  writeFile: { path: "../x", content: "x" },
  listDir: { path: ".." },
  glob: { pattern: "*", cwd: ".." },
  search: { pattern: "x", path: ".." },
};

test("the built-in tools are the seven documented ones, in BUILTIN_SPECS order, with their specs", (t) => {
  const tools = createBuiltinTools();
  t.deepEqual(
    tools.map((tool) => tool.name),
    BUILTIN_SPECS.map((spec) => spec.name),
  );
  for (const [i, tool] of tools.entries()) {
    const spec = BUILTIN_SPECS[i]!;
    t.is(tool.description, spec.description);
    t.is(tool.risk, spec.risk);
    t.deepEqual(tool.argsSchema, spec.argsSchema);
    t.deepEqual(tool.resultSchema, spec.resultSchema);
    t.is(typeof tool.handler, "function");
  }
});

test("the built-in registry holds every built-in tool by name", (t) => {
  const registry = createBuiltinRegistry();
  for (const spec of BUILTIN_SPECS) t.is(registry.get(spec.name).name, spec.name);
  t.is(registry.list().length, BUILTIN_SPECS.length);
  t.not(createBuiltinRegistry(), registry, "each call builds a fresh registry");
});

test("every sample call passes its args schema and returns a result that passes its result schema", async (t) => {
  const ctx = workspace(t);
  const ajv = new Ajv({ strict: false });
  for (const tool of createBuiltinTools()) {
    const args = sampleCalls[tool.name];
    if (tool.name === "applyPatch") continue;
    t.not(args, undefined, `no sample call for ${tool.name}`);
    t.true(ajv.validate(tool.argsSchema, args), `${tool.name} args: ${ajv.errorsText()}`);
    const result = await tool.handler(args, ctx);
    t.true(ajv.validate(tool.resultSchema, result), `${tool.name} result: ${ajv.errorsText()}`);
  }
});

test("every tool refuses a path that leaves the workspace", async (t) => {
  const ctx = workspace(t);
  for (const tool of createBuiltinTools()) {
    if (tool.name === "applyPatch") continue;
    await t.throwsAsync(tool.handler(escapingCalls[tool.name], ctx), { instanceOf: PathOutsideWorkspaceError }, tool.name);
  }
});
