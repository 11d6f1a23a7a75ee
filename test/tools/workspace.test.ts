import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PathOutsideWorkspaceError, ToolArgumentError } from "../../src/errors/index.js";
import { isInsideRoot, realWorkspaceRoot, resolveInWorkspace } from "../../src/tools/workspace.js";

function tempTree(t: { teardown(fn: () => void): void }): { root: string; outside: string } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cody-ws-")));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, "ws");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.txt"), "secret");
  return { root: realWorkspaceRoot(root), outside };
}

test("a relative path inside the workspace resolves to its absolute and relative forms", (t) => {
  const { root } = tempTree(t);
  fs.mkdirSync(path.join(root, "src"));
  t.deepEqual(resolveInWorkspace(root, "src/a.ts"), { abs: path.join(root, "src/a.ts"), rel: "src/a.ts" });
  t.deepEqual(resolveInWorkspace(root, "."), { abs: root, rel: "." });
  t.deepEqual(resolveInWorkspace(root, "src/../b.ts"), { abs: path.join(root, "b.ts"), rel: "b.ts" });
});

test("dot-dot segments that leave the workspace are refused", (t) => {
  const { root } = tempTree(t);
  t.throws(() => resolveInWorkspace(root, ".."), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "../outside/secret.txt"), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "a/../../x"), { instanceOf: PathOutsideWorkspaceError });
});

test("a name that merely starts with two dots stays inside the workspace", (t) => {
  const { root } = tempTree(t);
  fs.writeFileSync(path.join(root, "..foo"), "x");
  t.is(resolveInWorkspace(root, "..foo").rel, "..foo");
  t.true(isInsideRoot(root, path.join(root, "..foo")));
  t.false(isInsideRoot(root, path.dirname(root)));
});

test("a sibling whose name extends the workspace's is outside it, written or reached through a symlink", (t) => {
  const { root } = tempTree(t);
  // `<base>/ws-evil` starts with the characters of `<base>/ws`: only a whole segment may match.
  const sibling = `${root}-evil`;
  fs.mkdirSync(sibling);
  fs.writeFileSync(path.join(sibling, "secret.txt"), "secret");
  t.throws(() => resolveInWorkspace(root, path.join(sibling, "secret.txt")), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "../ws-evil/secret.txt"), { instanceOf: PathOutsideWorkspaceError });
  fs.symlinkSync(sibling, path.join(root, "link"));
  t.throws(() => resolveInWorkspace(root, "link/secret.txt"), { instanceOf: PathOutsideWorkspaceError });
});

test("an absolute path is accepted inside the workspace and refused outside it", (t) => {
  const { root, outside } = tempTree(t);
  t.is(resolveInWorkspace(root, path.join(root, "x.txt")).rel, "x.txt");
  t.throws(() => resolveInWorkspace(root, path.join(outside, "secret.txt")), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "/etc/passwd"), { instanceOf: PathOutsideWorkspaceError });
});

test("file and directory symlinks pointing outside are refused, at any level", (t) => {
  const { root, outside } = tempTree(t);
  fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "file-link"));
  fs.symlinkSync(outside, path.join(root, "dir-link"));
  fs.mkdirSync(path.join(root, "deep"));
  fs.symlinkSync(path.join(root, "dir-link"), path.join(root, "deep", "chain"));
  t.throws(() => resolveInWorkspace(root, "file-link"), { instanceOf: PathOutsideWorkspaceError, message: /symlink/ });
  t.throws(() => resolveInWorkspace(root, "dir-link/secret.txt"), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "dir-link/not-yet/new.txt"), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "deep/chain/secret.txt"), { instanceOf: PathOutsideWorkspaceError });
});

test("a dangling symlink pointing outside is refused even for paths that do not exist yet", (t) => {
  const { root, outside } = tempTree(t);
  fs.symlinkSync(path.join(outside, "missing-dir"), path.join(root, "dangling"));
  t.throws(() => resolveInWorkspace(root, "dangling"), { instanceOf: PathOutsideWorkspaceError });
  t.throws(() => resolveInWorkspace(root, "dangling/new.txt"), { instanceOf: PathOutsideWorkspaceError });
});

test("a symlink inside the workspace pointing inside resolves to its target", (t) => {
  const { root } = tempTree(t);
  fs.mkdirSync(path.join(root, "real"));
  fs.writeFileSync(path.join(root, "real", "a.txt"), "a");
  fs.symlinkSync("real", path.join(root, "alias"));
  fs.symlinkSync(path.join(root, "real", "missing.txt"), path.join(root, "dangling-inside"));
  t.is(resolveInWorkspace(root, "alias/a.txt").rel, "real/a.txt");
  t.is(resolveInWorkspace(root, "dangling-inside").rel, "real/missing.txt");
});

test("a symlink loop is refused with a clear error", (t) => {
  const { root } = tempTree(t);
  fs.symlinkSync("loop-b", path.join(root, "loop-a"));
  fs.symlinkSync("loop-a", path.join(root, "loop-b"));
  t.throws(() => resolveInWorkspace(root, "loop-a/x"), { instanceOf: ToolArgumentError, message: /loop/ });
});

test("empty paths and paths with NUL bytes are invalid arguments", (t) => {
  const { root } = tempTree(t);
  t.throws(() => resolveInWorkspace(root, ""), { instanceOf: ToolArgumentError });
  t.throws(() => resolveInWorkspace(root, "a\0b"), { instanceOf: ToolArgumentError });
});
