import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { PatchError } from "../../../src/errors/index.js";
import { applyPatch, nodePatchIo, parsePatch, type PatchIo } from "../../../src/tools/patch/index.js";
import { checkUnchanged } from "../../../src/tools/patch/disk-state.js";
import { planPatch } from "../../../src/tools/patch/plan.js";
import { envelope, workspace } from "./helpers.js";

test("concurrent patches on the same file are applied one after the other and both changes survive", async (t) => {
  const ws = workspace(t);
  ws.write("shared.txt", "a\nb\nc\nd\n");
  const results = await Promise.all([
    applyPatch(ws.root, envelope("*** Update File: shared.txt", "@@", "-a", "+A")),
    applyPatch(ws.root, envelope("*** Update File: shared.txt", "@@", "-d", "+D")),
    applyPatch(ws.root, envelope("*** Update File: shared.txt", "@@", "-zzz", "+never")).catch((e: unknown) => e),
    applyPatch(ws.root, envelope("*** Add File: other.txt", "+o")),
  ]);
  t.true(results[2] instanceof PatchError);
  t.is(ws.read("shared.txt"), "A\nb\nc\nD\n");
  t.is(ws.read("other.txt"), "o\n");
});

test("eight concurrent applyPatch calls on different lines of one file all land", async (t) => {
  const ws = workspace(t);
  const lines = Array.from({ length: 8 }, (_, i) => `line ${i}`);
  ws.write("many.txt", `${lines.join("\n")}\n`);
  const results = await Promise.all(
    lines.map((line, i) => applyPatch(ws.root, envelope("*** Update File: many.txt", "@@", `-${line}`, `+LINE ${i}`))),
  );
  t.is(results.length, 8);
  t.is(ws.read("many.txt"), `${lines.map((_, i) => `LINE ${i}`).join("\n")}\n`);
});

test("a second applyPatch on the same workspace waits until the first has written; another workspace does not wait", async (t) => {
  const ws = workspace(t);
  const other = workspace(t);
  ws.write("f.txt", "one\ntwo\n");
  other.write("g.txt", "x\n");
  // The first patch's write is held open until released, so the second could only overlap it if nothing queued them.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let firstWriting!: () => void;
  const firstIsWriting = new Promise<void>((resolve) => (firstWriting = resolve));
  const order: string[] = [];
  const gatedIo: PatchIo = {
    ...nodePatchIo,
    async writeFileAtomic(abs, data, mode) {
      order.push("first: writing");
      firstWriting();
      await held;
      await nodePatchIo.writeFileAtomic(abs, data, mode);
      order.push("first: written");
    },
  };
  const recordingIo: PatchIo = {
    ...nodePatchIo,
    async writeFileAtomic(abs, data, mode) {
      order.push(`second: writing, sees ${JSON.stringify(fs.readFileSync(abs, "utf8"))}`);
      await nodePatchIo.writeFileAtomic(abs, data, mode);
    },
  };
  const first = applyPatch(ws.root, envelope("*** Update File: f.txt", "@@", "-one", "+ONE"), { io: gatedIo });
  await firstIsWriting;
  const second = applyPatch(ws.root, envelope("*** Update File: f.txt", "@@", "-two", "+TWO"), { io: recordingIo });
  // A patch on another workspace finishes while the first is still held: the queue is per workspace.
  await applyPatch(other.root, envelope("*** Update File: g.txt", "@@", "-x", "+y"));
  t.is(other.read("g.txt"), "y\n");
  t.deepEqual(order, ["first: writing"], "the second patch did not start writing while the first was held");
  release();
  await Promise.all([first, second]);
  t.deepEqual(order, ["first: writing", "first: written", 'second: writing, sees "ONE\\ntwo\\n"']);
  t.is(ws.read("f.txt"), "ONE\nTWO\n");
});

test("a patch that fails in the queue does not block the ones behind it", async (t) => {
  const ws = workspace(t);
  ws.write("f.txt", "a\n");
  const [bad, good] = await Promise.allSettled([
    applyPatch(ws.root, envelope("*** Update File: f.txt", "@@", "-missing", "+x")),
    applyPatch(ws.root, envelope("*** Update File: f.txt", "@@", "-a", "+b")),
  ]);
  t.is(bad?.status, "rejected");
  t.true(bad?.status === "rejected" && bad.reason instanceof PatchError);
  t.is(good?.status, "fulfilled");
  t.is(ws.read("f.txt"), "b\n");
});

test("a file changed on disk after it was read is not overwritten", async (t) => {
  const ws = workspace(t);
  ws.write("f.txt", "one\n");
  const plan = await planPatch(ws.root, parsePatch(envelope("*** Update File: f.txt", "-one", "+two")));
  fs.writeFileSync(path.join(ws.root, "f.txt"), "someone else\n");
  const e = await t.throwsAsync(checkUnchanged(plan.paths), { instanceOf: PatchError });
  t.is(e?.details["reason"], "changed-on-disk");
  t.is(e?.details["path"], "f.txt");
  t.is(ws.read("f.txt"), "someone else\n");
});

test("a file created on disk after the patch decided to add it is not overwritten", async (t) => {
  const ws = workspace(t);
  const plan = await planPatch(ws.root, parsePatch(envelope("*** Add File: n.txt", "+mine")));
  ws.write("n.txt", "theirs\n");
  await t.throwsAsync(checkUnchanged(plan.paths), { instanceOf: PatchError, message: /changed on disk/ });
});

test("an untouched plan passes the unchanged check", async (t) => {
  const ws = workspace(t);
  ws.write("f.txt", "one\n");
  const plan = await planPatch(ws.root, parsePatch(envelope("*** Update File: f.txt", "-one", "+two")));
  await t.notThrowsAsync(checkUnchanged(plan.paths));
});
