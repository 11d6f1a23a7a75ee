import test from "ava";
import { Ajv } from "ajv";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PathOutsideWorkspaceError } from "../../src/errors/index.js";
import { createBuiltinRegistry, createBuiltinTools } from "../../src/tools/builtin.js";
import { renderToolsDts } from "../../src/compiler/index.js";
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

/**
 * What the docs promise (docs/tools.md), written out here rather than read back from BUILTIN_SPECS: the names, in
 * order, with their risk class, one argument each schema must accept and one it must refuse.
 */
const expected: { name: string; risk: string; good: unknown; bad: unknown; dts: RegExp }[] = [
  { name: "exec", risk: "executes", good: { command: ["git", "status"], timeoutMs: 1000 }, bad: { command: [] }, dts: /exec\(args: ExecArgs\): Promise<ExecResult>/ },
  { name: "readFile", risk: "read-only", good: { path: "a.ts", offset: 1, limit: 10 }, bad: { path: "a.ts", offset: 0 }, dts: /readFile\(args: ReadFileArgs\): Promise<ReadFileResult>/ },
  { name: "writeFile", risk: "writes", good: { path: "a.ts", content: "", createDirs: true }, bad: { path: "a.ts" }, dts: /writeFile\(args: WriteFileArgs\): Promise<WriteFileResult>/ },
  { name: "listDir", risk: "read-only", good: { path: ".", depth: 1 }, bad: { path: ".", depth: 0 }, dts: /listDir\(args: ListDirArgs\): Promise<ListDirResult>/ },
  { name: "glob", risk: "read-only", good: { pattern: "**/*.ts" }, bad: { pattern: "*", recursive: true }, dts: /glob\(args: GlobArgs\): Promise<GlobResult>/ },
  { name: "search", risk: "read-only", good: { pattern: "x", literal: true }, bad: { pattern: 1 }, dts: /search\(args: SearchArgs\): Promise<SearchResult>/ },
  { name: "applyPatch", risk: "writes", good: { patch: "*** Begin Patch\n*** End Patch" }, bad: {}, dts: /applyPatch\(args: ApplyPatchArgs\): Promise<ApplyPatchResult>/ },
];

test("the built-in tools are the seven documented ones, in order, with their documented risk", (t) => {
  t.deepEqual(
    createBuiltinTools().map((tool) => [tool.name, tool.risk]),
    expected.map((e) => [e.name, e.risk]),
  );
  for (const tool of createBuiltinTools()) t.is(typeof tool.handler, "function", tool.name);
});

test("each tool's args schema accepts a known-good argument and refuses a known-bad one", (t) => {
  const ajv = new Ajv({ strict: false });
  const tools = new Map(createBuiltinTools().map((tool) => [tool.name, tool]));
  for (const e of expected) {
    const tool = tools.get(e.name);
    if (!tool) {
      t.fail(`no tool ${e.name}`);
      continue;
    }
    t.true(ajv.validate(tool.argsSchema, e.good), `${e.name} refused ${JSON.stringify(e.good)}: ${ajv.errorsText()}`);
    t.false(ajv.validate(tool.argsSchema, e.bad), `${e.name} accepted ${JSON.stringify(e.bad)}`);
  }
});

test("the generated .d.ts declares every tool, plain and spawned, with its argument and result types", async (t) => {
  const dts = (await renderToolsDts(createBuiltinRegistry().specs())).text;
  for (const e of expected) {
    t.regex(dts, e.dts, e.name);
    t.regex(dts, new RegExp(`^\\s+${e.name}\\(args: \\w+\\): SpawnHandle<\\w+>;$`, "m"), `tools.spawn.${e.name}`);
  }
  t.regex(dts, /interface ExecArgs \{\n(?:.*\n)*?\s+command: \[string, \.\.\.\(string\)\[\]\]/);
});

test("the built-in registry holds every built-in tool by name", (t) => {
  const registry = createBuiltinRegistry();
  for (const e of expected) t.is(registry.get(e.name).name, e.name);
  t.is(registry.list().length, expected.length);
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
