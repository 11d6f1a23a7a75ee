import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { PatchError } from "../../../src/errors/index.js";
import { applyPatch, parsePatch } from "../../../src/tools/patch/index.js";
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
