import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { PathOutsideWorkspaceError } from "../../../src/errors/index.js";
import { applyPatch } from "../../../src/tools/patch/index.js";
import { envelope, workspace } from "./helpers.js";

/** A directory outside every workspace, with one file in it, removed after the test. */
function outsideDir(t: import("ava").ExecutionContext): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cody-patch-outside-")));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "secret.txt"), "secret\n");
  return dir;
}

test("a `..` path is refused and nothing is written, not even earlier sections", async (t) => {
  const ws = workspace(t);
  const before = ws.snapshot();
  await t.throwsAsync(applyPatch(ws.root, envelope("*** Add File: ok.txt", "+ok", "*** Add File: ../escape.txt", "+x")), {
    instanceOf: PathOutsideWorkspaceError,
  });
  t.deepEqual(ws.snapshot(), before);
  t.false(fs.existsSync(path.join(path.dirname(ws.root), "escape.txt")));
});

test("an absolute path outside the workspace is refused for update and delete", async (t) => {
  const ws = workspace(t);
  const outside = outsideDir(t);
  const secret = path.join(outside, "secret.txt");
  await t.throwsAsync(applyPatch(ws.root, envelope(`*** Update File: ${secret}`, "-secret", "+pwned")), {
    instanceOf: PathOutsideWorkspaceError,
  });
  await t.throwsAsync(applyPatch(ws.root, envelope(`*** Delete File: ${secret}`)), { instanceOf: PathOutsideWorkspaceError });
  t.is(fs.readFileSync(secret, "utf8"), "secret\n");
});

test("an absolute path inside the workspace is accepted and reported relative", async (t) => {
  const ws = workspace(t);
  const result = await applyPatch(ws.root, envelope(`*** Add File: ${path.join(ws.root, "abs.txt")}`, "+a"));
  t.deepEqual(result.added, ["abs.txt"]);
  t.is(ws.read("abs.txt"), "a\n");
});

test("a symlinked directory pointing outside cannot be written through", async (t) => {
  const ws = workspace(t);
  const outside = outsideDir(t);
  fs.symlinkSync(outside, path.join(ws.root, "out"));
  const before = ws.snapshot();
  await t.throwsAsync(applyPatch(ws.root, envelope("*** Update File: out/secret.txt", "-secret", "+pwned")), {
    instanceOf: PathOutsideWorkspaceError,
  });
  await t.throwsAsync(applyPatch(ws.root, envelope("*** Add File: out/new.txt", "+x")), {
    instanceOf: PathOutsideWorkspaceError,
  });
  t.deepEqual(ws.snapshot(), before);
  t.deepEqual(fs.readdirSync(outside), ["secret.txt"]);
  t.is(fs.readFileSync(path.join(outside, "secret.txt"), "utf8"), "secret\n");
});

test("a Move to target outside the workspace is refused and the source stays", async (t) => {
  const ws = workspace(t);
  const outside = outsideDir(t);
  fs.symlinkSync(outside, path.join(ws.root, "out"));
  ws.write("src.txt", "s\n");
  for (const dest of ["../moved.txt", path.join(outside, "moved.txt"), "out/moved.txt"]) {
    await t.throwsAsync(applyPatch(ws.root, envelope("*** Update File: src.txt", `*** Move to: ${dest}`, "-s", "+t")), {
      instanceOf: PathOutsideWorkspaceError,
    });
  }
  t.is(ws.read("src.txt"), "s\n");
  t.deepEqual(fs.readdirSync(outside), ["secret.txt"]);
});

test("updating through a symlink inside the workspace edits the target and keeps the link", async (t) => {
  const ws = workspace(t);
  ws.write("real.txt", "r\n");
  fs.symlinkSync("real.txt", path.join(ws.root, "link.txt"));
  const result = await applyPatch(ws.root, envelope("*** Update File: link.txt", "-r", "+R"));
  t.deepEqual(result.modified, ["real.txt"]);
  t.true(fs.lstatSync(path.join(ws.root, "link.txt")).isSymbolicLink());
  t.is(ws.read("real.txt"), "R\n");
});

test("deleting a symlink removes the link, not the file it points to", async (t) => {
  const ws = workspace(t);
  ws.write("real.txt", "r\n");
  fs.symlinkSync("real.txt", path.join(ws.root, "link.txt"));
  const result = await applyPatch(ws.root, envelope("*** Delete File: link.txt"));
  t.deepEqual(result.deleted, ["link.txt"]);
  t.false(ws.exists("link.txt"));
  t.is(ws.read("real.txt"), "r\n");
});
