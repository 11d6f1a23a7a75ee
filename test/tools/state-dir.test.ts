/**
 * The state folder `.cody/` (cache key, database, audit log, generated declarations) is no tool's business: every
 * handler refuses a path inside it with ProtectedPathError, walks skip it, and symlinks into it are refused too.
 */
import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { ProtectedPathError } from "../../src/errors/index.js";
import { applyPatchTool } from "../../src/tools/handlers/apply-patch.js";
import { execTool } from "../../src/tools/handlers/exec.js";
import { globTool } from "../../src/tools/handlers/glob.js";
import { listDirTool } from "../../src/tools/handlers/list-dir.js";
import { readFileTool } from "../../src/tools/handlers/read-file.js";
import { searchTool } from "../../src/tools/handlers/search.js";
import { writeFileTool } from "../../src/tools/handlers/write-file.js";
import { workspace } from "./helpers.js";

const KEY = "ab".repeat(32);

function stateWorkspace(t: Parameters<typeof workspace>[0]) {
  return workspace(t, {
    ".cody/cache.key": `${KEY}\n`,
    ".cody/dts/tools.d.ts": "declare const SECRET_MARKER: 1;\n",
    "nested/.cody/cache.key": `${KEY}\n`,
    "src/a.ts": "export const SECRET_MARKER = 1;\n",
    ".codyrc": "SECRET_MARKER in a file whose name merely starts with .cody\n",
  });
}

const refused = { instanceOf: ProtectedPathError, code: "CODY_TOOL_PROTECTED_PATH" } as const;

test("readFile refuses the cache key and anything else inside .cody, at any depth", async (t) => {
  const ctx = stateWorkspace(t);
  for (const p of [".cody/cache.key", ".cody", "./.cody/dts/tools.d.ts", "src/../.cody/cache.key", "nested/.cody/cache.key"]) {
    await t.throwsAsync(readFileTool.handler({ path: p }, ctx), refused, p);
  }
  const ok = await readFileTool.handler({ path: ".codyrc" }, ctx);
  t.regex(ok.content, /SECRET_MARKER/);
});

test("writeFile and applyPatch cannot create, change or delete anything inside .cody", async (t) => {
  const ctx = stateWorkspace(t);
  const root = ctx.workspaceRoot;
  await t.throwsAsync(writeFileTool.handler({ path: ".cody/cache.key", content: "forged\n" }, ctx), refused);
  await t.throwsAsync(writeFileTool.handler({ path: ".cody/new/x.txt", content: "x", createDirs: true }, ctx), refused);
  await t.throwsAsync(writeFileTool.handler({ path: "deep/.cody/x.txt", content: "x", createDirs: true }, ctx), refused);
  const patches = [
    "*** Begin Patch\n*** Update File: .cody/cache.key\n@@\n-" + KEY + "\n+forged\n*** End Patch",
    "*** Begin Patch\n*** Add File: .cody/evil.txt\n+x\n*** End Patch",
    "*** Begin Patch\n*** Delete File: .cody/cache.key\n*** End Patch",
    "*** Begin Patch\n*** Update File: src/a.ts\n*** Move to: .cody/a.ts\n@@\n-export const SECRET_MARKER = 1;\n+x\n*** End Patch",
  ];
  for (const patch of patches) await t.throwsAsync(applyPatchTool.handler({ patch }, ctx), refused, patch);
  t.is(fs.readFileSync(path.join(root, ".cody/cache.key"), "utf8"), `${KEY}\n`);
  t.false(fs.existsSync(path.join(root, ".cody/new")));
  t.false(fs.existsSync(path.join(root, "deep")));
  t.false(fs.existsSync(path.join(root, ".cody/evil.txt")));
  t.true(fs.existsSync(path.join(root, "src/a.ts")));
});

test("listDir, glob and search skip .cody when walking and refuse it when asked for directly", async (t) => {
  const ctx = stateWorkspace(t);
  const listed = await listDirTool.handler({ path: ".", depth: 10 }, ctx);
  t.deepEqual(
    listed.entries.map((e) => e.path),
    [".codyrc", "nested", "src", "src/a.ts"],
  );
  await t.throwsAsync(listDirTool.handler({ path: ".cody" }, ctx), refused);

  const globbed = await globTool.handler({ pattern: "**/*", cwd: "." }, ctx);
  t.deepEqual(globbed.paths, ["src/a.ts"]);
  const dotted = await globTool.handler({ pattern: "**/.*/**" }, ctx);
  t.deepEqual(dotted.paths, []);
  await t.throwsAsync(globTool.handler({ pattern: ".cody/**/*.d.ts" }, ctx), refused);
  await t.throwsAsync(globTool.handler({ pattern: ".cody/cache.key" }, ctx), refused);
  await t.throwsAsync(globTool.handler({ pattern: "*", cwd: ".cody" }, ctx), refused);

  const hits = await searchTool.handler({ pattern: "SECRET_MARKER" }, ctx);
  t.deepEqual(hits.map((h) => h.path), [".codyrc", "src/a.ts"]);
  const keyHits = await searchTool.handler({ pattern: KEY, literal: true }, ctx);
  t.deepEqual(keyHits, []);
  await t.throwsAsync(searchTool.handler({ pattern: "x", path: ".cody" }, ctx), refused);
  await t.throwsAsync(searchTool.handler({ pattern: "x", path: ".cody/cache.key" }, ctx), refused);
});

test("exec refuses a working directory inside .cody", async (t) => {
  const ctx = stateWorkspace(t);
  await t.throwsAsync(execTool.handler({ command: ["true"], cwd: ".cody" }, ctx), refused);
  await t.throwsAsync(execTool.handler({ command: ["true"], cwd: ".cody/dts" }, ctx), refused);
});

test("symlinks leading into .cody are refused when named and skipped when walked", async (t) => {
  const ctx = stateWorkspace(t);
  const root = ctx.workspaceRoot;
  fs.symlinkSync(".cody", path.join(root, "state"));
  fs.symlinkSync(".cody/cache.key", path.join(root, "key.txt"));
  fs.symlinkSync(path.join(root, ".cody/dts/tools.d.ts"), path.join(root, "src/types.d.ts"));
  await t.throwsAsync(readFileTool.handler({ path: "key.txt" }, ctx), refused);
  await t.throwsAsync(readFileTool.handler({ path: "state/cache.key" }, ctx), refused);
  await t.throwsAsync(writeFileTool.handler({ path: "key.txt", content: "forged\n" }, ctx), refused);
  await t.throwsAsync(writeFileTool.handler({ path: "state/new.txt", content: "x" }, ctx), refused);
  await t.throwsAsync(listDirTool.handler({ path: "state" }, ctx), refused);
  await t.throwsAsync(searchTool.handler({ pattern: "x", path: "state" }, ctx), refused);
  const patch = "*** Begin Patch\n*** Update File: key.txt\n@@\n-" + KEY + "\n+forged\n*** End Patch";
  await t.throwsAsync(applyPatchTool.handler({ patch }, ctx), refused);
  t.is(fs.readFileSync(path.join(root, ".cody/cache.key"), "utf8"), `${KEY}\n`);
  // Walks follow file links only when they lead somewhere allowed.
  t.deepEqual((await searchTool.handler({ pattern: "SECRET_MARKER" }, ctx)).map((h) => h.path), [".codyrc", "src/a.ts"]);
  t.deepEqual((await searchTool.handler({ pattern: KEY, literal: true }, ctx)), []);
  t.deepEqual((await globTool.handler({ pattern: "**/*.{ts,txt}" }, ctx)).paths, ["src/a.ts"]);
});
