import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AbortedError, PathOutsideWorkspaceError, ToolError } from "../../src/errors/index.js";
import { createListDirTool, LIST_DIR_DEFAULT_LIMIT, listDirTool } from "../../src/tools/handlers/list-dir.js";
import { MAX_GITIGNORE_BYTES } from "../../src/tools/fs-walk.js";
import { workspace } from "./helpers.js";


test("direct children are listed by default, sorted, with types and sizes", async (t) => {
  const ctx = workspace(t, { "b.txt": "bb", "a.txt": "a", "src/x.ts": "x", "Z.md": "" });
  const r = await listDirTool.handler({ path: "." }, ctx);
  t.deepEqual(r, {
    entries: [
      { path: "Z.md", type: "file", size: 0 },
      { path: "a.txt", type: "file", size: 1 },
      { path: "b.txt", type: "file", size: 2 },
      { path: "src", type: "dir", size: 0 },
    ],
    truncated: false,
  });
});

test("depth descends that many levels and lists in tree order", async (t) => {
  const ctx = workspace(t, { "a/b/c/d.txt": "d", "a/b.txt": "b", "a-z.txt": "z" });
  const two = await listDirTool.handler({ path: ".", depth: 2 }, ctx);
  t.deepEqual(
    two.entries.map((e) => e.path),
    ["a", "a/b", "a/b.txt", "a-z.txt"],
  );
  const all = await listDirTool.handler({ path: "a", depth: 10 }, ctx);
  t.deepEqual(
    all.entries.map((e) => e.path),
    ["a/b", "a/b/c", "a/b/c/d.txt", "a/b.txt"],
  );
});

test(".git and .gitignored entries are skipped, including rules from nested .gitignore files", async (t) => {
  const ctx = workspace(t, {
    ".git/HEAD": "ref",
    ".gitignore": "node_modules/\n*.log\n!keep.log\n",
    "node_modules/dep/index.js": "",
    "app.log": "",
    "keep.log": "",
    "src/.gitignore": "generated/\n*.tmp\n!important.log\n",
    "src/generated/out.ts": "",
    "src/main.ts": "",
    "src/scratch.tmp": "",
    "src/important.log": "",
    "src/debug.log": "",
    "other/scratch.tmp": "",
  });
  const r = await listDirTool.handler({ path: ".", depth: 5 }, ctx);
  t.deepEqual(
    r.entries.map((e) => e.path),
    [".gitignore", "keep.log", "other", "other/scratch.tmp", "src", "src/.gitignore", "src/important.log", "src/main.ts"],
  );
});

test("listing a subdirectory applies the .gitignore files of its ancestors", async (t) => {
  const ctx = workspace(t, { ".gitignore": "*.o\n", "lib/a.c": "", "lib/a.o": "" });
  const r = await listDirTool.handler({ path: "lib" }, ctx);
  t.deepEqual(
    r.entries.map((e) => e.path),
    ["lib/a.c"],
  );
});

test("an explicitly requested ignored directory is listed", async (t) => {
  const ctx = workspace(t, { ".gitignore": "build/\n", "build/out.js": "" });
  t.deepEqual((await listDirTool.handler({ path: "." }, ctx)).entries, [{ path: ".gitignore", type: "file", size: 7 }]);
  t.deepEqual(
    (await listDirTool.handler({ path: "build" }, ctx)).entries.map((e) => e.path),
    ["build/out.js"],
  );
});

test("limit keeps the shallowest entries and sets truncated; exactly the limit is not truncated", async (t) => {
  const ctx = workspace(t, { "a/1.txt": "", "a/2.txt": "", "b.txt": "", "c.txt": "" });
  const cut = await listDirTool.handler({ path: ".", depth: 3, limit: 3 }, ctx);
  t.deepEqual(
    cut.entries.map((e) => e.path),
    ["a", "b.txt", "c.txt"],
  );
  t.true(cut.truncated);
  const exact = await listDirTool.handler({ path: ".", depth: 3, limit: 5 }, ctx);
  t.is(exact.entries.length, 5);
  t.false(exact.truncated);
  t.is(LIST_DIR_DEFAULT_LIMIT, 1000);
});

test("the hard cap on entries applies whatever limit is asked, at the edge and past it", async (t) => {
  const ctx = workspace(t, { "1": "", "2": "", "3": "" });
  const atCap = await createListDirTool({ maxEntries: 3 }).handler({ path: ".", limit: 100 }, ctx);
  t.is(atCap.entries.length, 3);
  t.false(atCap.truncated);
  const pastCap = await createListDirTool({ maxEntries: 2 }).handler({ path: ".", limit: 100 }, ctx);
  t.is(pastCap.entries.length, 2);
  t.true(pastCap.truncated);
});

test("symlinks are listed as symlinks and never followed", async (t) => {
  const ctx = workspace(t, { "real/inner.txt": "" });
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "cody-ls-out-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  fs.writeFileSync(path.join(outside, "secret.txt"), "s");
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "out-link"));
  fs.symlinkSync("real", path.join(ctx.workspaceRoot, "in-link"));
  const r = await listDirTool.handler({ path: ".", depth: 5 }, ctx);
  t.deepEqual(r.entries, [
    { path: "in-link", type: "symlink", size: 0 },
    { path: "out-link", type: "symlink", size: 0 },
    { path: "real", type: "dir", size: 0 },
    { path: "real/inner.txt", type: "file", size: 0 },
  ]);
});

test("listing outside the workspace is refused: dot-dot, absolute, and a symlinked directory pointing out", async (t) => {
  const ctx = workspace(t);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "cody-ls-out-"));
  t.teardown(() => fs.rmSync(outside, { recursive: true, force: true }));
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "out-link"));
  for (const p of ["..", outside, "out-link", "out-link/sub"]) {
    await t.throwsAsync(listDirTool.handler({ path: p }, ctx), { instanceOf: PathOutsideWorkspaceError }, p);
  }
});

test("listing a symlinked directory that points inside lists its target", async (t) => {
  const ctx = workspace(t, { "real/x.txt": "" });
  fs.symlinkSync("real", path.join(ctx.workspaceRoot, "alias"));
  t.deepEqual(
    (await listDirTool.handler({ path: "alias" }, ctx)).entries.map((e) => e.path),
    ["real/x.txt"],
  );
});

test("a missing path or a file is a ToolError", async (t) => {
  const ctx = workspace(t, { "f.txt": "" });
  await t.throwsAsync(listDirTool.handler({ path: "missing" }, ctx), { instanceOf: ToolError, message: /not found/ });
  await t.throwsAsync(listDirTool.handler({ path: "f.txt" }, ctx), { instanceOf: ToolError, message: /not a directory/ });
});

test("an aborted call ends with AbortedError", async (t) => {
  const ctx = workspace(t, { "a/b.txt": "" });
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(listDirTool.handler({ path: "." }, { ...ctx, signal: controller.signal }), {
    instanceOf: AbortedError,
  });
});

test("a .gitignore of exactly the size cap is honoured and one byte larger is not read", async (t) => {
  const rules = "*.log\n";
  const padding = (size: number): string => `#${"x".repeat(size - rules.length - 2)}\n${rules}`;
  const at = workspace(t, { ".gitignore": padding(MAX_GITIGNORE_BYTES), "a.log": "", "b.txt": "" });
  t.is(fs.statSync(path.join(at.workspaceRoot, ".gitignore")).size, MAX_GITIGNORE_BYTES);
  t.deepEqual(
    (await listDirTool.handler({ path: "." }, at)).entries.map((e) => e.path),
    [".gitignore", "b.txt"],
  );
  const past = workspace(t, { ".gitignore": padding(MAX_GITIGNORE_BYTES + 1), "a.log": "", "b.txt": "" });
  t.deepEqual(
    (await listDirTool.handler({ path: "." }, past)).entries.map((e) => e.path),
    [".gitignore", "a.log", "b.txt"],
  );
});
