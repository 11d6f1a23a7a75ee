import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AbortedError, PathOutsideWorkspaceError, ToolError } from "../../src/errors/index.js";
import { writeFileTool } from "../../src/tools/handlers/write-file.js";
import { workspace } from "./helpers.js";


function outsideDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-write-out-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a new file is written and its UTF-8 byte count returned", async (t) => {
  const ctx = workspace(t);
  const r = await writeFileTool.handler({ path: "a.txt", content: "hé ✓\n" }, ctx);
  t.deepEqual(r, { path: "a.txt", bytes: Buffer.byteLength("hé ✓\n") });
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "a.txt"), "utf8"), "hé ✓\n");
});

test("an existing file is replaced atomically and keeps its permissions", async (t) => {
  const ctx = workspace(t);
  const file = path.join(ctx.workspaceRoot, "run.sh");
  fs.writeFileSync(file, "old");
  fs.chmodSync(file, 0o751);
  const inodeBefore = fs.statSync(file).ino;
  await writeFileTool.handler({ path: "run.sh", content: "new content" }, ctx);
  t.is(fs.readFileSync(file, "utf8"), "new content");
  t.is(fs.statSync(file).mode & 0o777, 0o751);
  // Replaced by rename, not rewritten in place: a reader holding the old file never saw a partial write.
  t.not(fs.statSync(file).ino, inodeBefore);
  t.deepEqual(fs.readdirSync(ctx.workspaceRoot), ["run.sh"], "no temp file is left behind");
});

test("an empty content writes an empty file", async (t) => {
  const ctx = workspace(t);
  t.is((await writeFileTool.handler({ path: "e.txt", content: "" }, ctx)).bytes, 0);
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "e.txt"), "utf8"), "");
});

test("a missing parent directory is a clear ToolError unless createDirs is set", async (t) => {
  const ctx = workspace(t);
  const e = await t.throwsAsync(writeFileTool.handler({ path: "a/b/c.txt", content: "x" }, ctx), {
    instanceOf: ToolError,
    message: /parent directory `a\/b` does not exist.*createDirs/,
  });
  t.is(e?.details["tool"], "writeFile");
  t.false(fs.existsSync(path.join(ctx.workspaceRoot, "a")));
  const r = await writeFileTool.handler({ path: "a/b/c.txt", content: "x", createDirs: true }, ctx);
  t.is(r.path, "a/b/c.txt");
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "a/b/c.txt"), "utf8"), "x");
});

test("writing over a directory, under a file, or to the root is refused", async (t) => {
  const ctx = workspace(t);
  fs.mkdirSync(path.join(ctx.workspaceRoot, "dir"));
  fs.writeFileSync(path.join(ctx.workspaceRoot, "file"), "f");
  await t.throwsAsync(writeFileTool.handler({ path: "dir", content: "x" }, ctx), {
    instanceOf: ToolError,
    message: /not a regular file/,
  });
  await t.throwsAsync(writeFileTool.handler({ path: "file/x.txt", content: "x", createDirs: true }, ctx), {
    instanceOf: ToolError,
  });
  await t.throwsAsync(writeFileTool.handler({ path: ".", content: "x" }, ctx), { instanceOf: ToolError });
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "file"), "utf8"), "f");
});

test("paths outside the workspace are refused and nothing is written there", async (t) => {
  const ctx = workspace(t);
  const outside = outsideDir(t);
  fs.writeFileSync(path.join(outside, "victim.txt"), "safe");
  fs.symlinkSync(path.join(outside, "victim.txt"), path.join(ctx.workspaceRoot, "file-link"));
  fs.symlinkSync(outside, path.join(ctx.workspaceRoot, "dir-link"));
  fs.symlinkSync(path.join(outside, "not-yet"), path.join(ctx.workspaceRoot, "dangling"));
  const attempts = [
    { path: "../escape.txt", content: "x" },
    { path: path.join(outside, "abs.txt"), content: "x" },
    { path: "file-link", content: "x" },
    { path: "dir-link/new.txt", content: "x" },
    { path: "dir-link/sub/new.txt", content: "x", createDirs: true },
    { path: "dangling", content: "x" },
    { path: "dangling/new.txt", content: "x", createDirs: true },
  ];
  for (const args of attempts) {
    await t.throwsAsync(writeFileTool.handler(args, ctx), { instanceOf: PathOutsideWorkspaceError }, args.path);
  }
  t.deepEqual(fs.readdirSync(outside), ["victim.txt"]);
  t.is(fs.readFileSync(path.join(outside, "victim.txt"), "utf8"), "safe");
});

test("writing through a symlink that stays inside replaces its target and keeps the link", async (t) => {
  const ctx = workspace(t);
  fs.writeFileSync(path.join(ctx.workspaceRoot, "target.txt"), "old");
  fs.symlinkSync("target.txt", path.join(ctx.workspaceRoot, "link.txt"));
  const r = await writeFileTool.handler({ path: "link.txt", content: "new" }, ctx);
  t.is(r.path, "target.txt");
  t.true(fs.lstatSync(path.join(ctx.workspaceRoot, "link.txt")).isSymbolicLink());
  t.is(fs.readFileSync(path.join(ctx.workspaceRoot, "target.txt"), "utf8"), "new");
});

test("an aborted call writes nothing", async (t) => {
  const ctx = workspace(t);
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(writeFileTool.handler({ path: "a.txt", content: "x" }, { ...ctx, signal: controller.signal }), {
    instanceOf: AbortedError,
  });
  t.deepEqual(fs.readdirSync(ctx.workspaceRoot), []);
});
