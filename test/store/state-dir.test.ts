import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { openDatabase } from "../../src/store/index.js";

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cody-state-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("opening a database in a .cody folder writes a .gitignore of * there, and keeps one that exists", (t) => {
  const dir = tempDir(t);
  openDatabase(path.join(dir, ".cody", "cache.db")).close();
  t.is(fs.readFileSync(path.join(dir, ".cody", ".gitignore"), "utf8"), "*\n");

  fs.mkdirSync(path.join(dir, "other", ".cody"), { recursive: true });
  fs.writeFileSync(path.join(dir, "other", ".cody", ".gitignore"), "cache.*\n");
  openDatabase(path.join(dir, "other", ".cody", "cache.db")).close();
  t.is(fs.readFileSync(path.join(dir, "other", ".cody", ".gitignore"), "utf8"), "cache.*\n");
});

test("a database elsewhere (--db state/x.db) gets no .gitignore beside it", (t) => {
  const dir = tempDir(t);
  openDatabase(path.join(dir, "state", "x.db")).close();
  t.false(fs.existsSync(path.join(dir, "state", ".gitignore")));
});
