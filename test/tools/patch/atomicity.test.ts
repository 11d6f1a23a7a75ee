import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { AbortedError, PatchError } from "../../../src/errors/index.js";
import { applyPatch, nodePatchIo, type PatchIo } from "../../../src/tools/patch/index.js";
import { envelope, workspace, type Workspace } from "./helpers.js";

/** Apply, expect a PatchError, and prove the workspace is byte-for-byte (and mtime-for-mtime) unchanged. */
async function failsWithoutWriting(
  t: import("ava").ExecutionContext,
  ws: Workspace,
  patch: string,
  io?: PatchIo,
): Promise<PatchError> {
  const before = ws.snapshot();
  const e = await t.throwsAsync(applyPatch(ws.root, patch, io ? { io } : {}), { instanceOf: PatchError });
  t.deepEqual(ws.snapshot(), before);
  if (!e) throw new Error("expected a PatchError");
  return e;
}

test("when the second file's hunk fails, the first file is not written either", async (t) => {
  const ws = workspace(t);
  ws.write("one.txt", "a\nb\n");
  ws.write("two.txt", "x\ny\n");
  const e = await failsWithoutWriting(
    t,
    ws,
    envelope(
      "*** Add File: created.txt",
      "+new",
      "*** Update File: one.txt",
      "@@",
      "-a",
      "+A",
      "*** Delete File: two.txt",
      "*** Update File: one.txt",
      "@@ b",
      "-missing line",
      "+whatever",
    ),
  );
  t.false(ws.exists("created.txt"));
  // The second Update of one.txt sees the first one's result in memory; its hunk is what fails.
  t.is(e.details["reason"], "lines-not-found");
  t.is(e.details["path"], "one.txt");
  t.is(e.details["hunk"], 1);
  t.is(e.details["header"], "@@ b");
  t.is(e.details["line"], 10);
});

test("a hunk that does not match names the file, the hunk index and header, and shows the expected lines", async (t) => {
  const ws = workspace(t);
  ws.write("src/app.ts", "function main() {\n  run();\n}\n");
  const e = await failsWithoutWriting(
    t,
    ws,
    envelope(
      "*** Update File: src/app.ts",
      "@@ function main() {",
      "-  run();",
      "+  start();",
      "@@ function main() {",
      "-  stop();",
      "+  halt();",
    ),
  );
  t.is(e.code, "CODY_PATCH_FAILED");
  t.is(e.details["reason"], "context-not-found");
  t.is(e.details["hunk"], 2);
  t.is(e.details["line"], 6);
  t.regex(e.message, /hunk 2 \(`@@ function main\(\) \{`, patch line 6\) of `src\/app\.ts`/);
  t.regex(e.message, /Nothing was changed/);
});

test("missing expected lines are quoted in the message and listed in details", async (t) => {
  const ws = workspace(t);
  ws.write("m.txt", "alpha\nbeta\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: m.txt", "@@", " alpha", "-gamma", "+delta"));
  t.is(e.details["reason"], "lines-not-found");
  t.deepEqual(e.details["expected"], ["alpha", "gamma"]);
  t.regex(e.message, /\n {2}\| alpha\n {2}\| gamma\n/);
  t.is(e.location?.file, "m.txt");
});

test("an End of File hunk whose lines are not at the end fails and says so", async (t) => {
  const ws = workspace(t);
  ws.write("t.txt", "last\nnot last\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: t.txt", "@@", "-last", "+LAST", "*** End of File"));
  t.is(e.details["endOfFile"], true);
  t.regex(e.message, /at the end of the file/);
});

test("an End of File hunk overlapping an earlier hunk is refused instead of corrupting the file", async (t) => {
  const ws = workspace(t);
  ws.write("o.txt", "a\nb\nc\n");
  const e = await failsWithoutWriting(
    t,
    ws,
    envelope("*** Update File: o.txt", "@@", " a", "-b", "-c", "+B", "@@", "-c", "+C", "*** End of File"),
  );
  t.is(e.details["reason"], "overlapping-hunks");
  t.is(e.details["hunk"], 2);
});

test("Add File on an existing file fails with its path", async (t) => {
  const ws = workspace(t);
  ws.write("dup.txt", "keep\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Add File: dup.txt", "+replace"));
  t.is(e.details["reason"], "file-exists");
  t.is(e.details["path"], "dup.txt");
  t.regex(e.message, /`dup\.txt`/);
});

test("Update File on a missing file fails with its path", async (t) => {
  const ws = workspace(t);
  ws.write("other.txt", "o\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: nope.txt", "@@", "-a", "+b"));
  t.is(e.details["reason"], "file-missing");
  t.is(e.details["path"], "nope.txt");
});

test("Delete File on a missing file fails with its path", async (t) => {
  const ws = workspace(t);
  const e = await failsWithoutWriting(t, ws, envelope("*** Delete File: gone.txt"));
  t.is(e.details["reason"], "file-missing");
  t.is(e.details["path"], "gone.txt");
});

test("Delete File on a directory fails", async (t) => {
  const ws = workspace(t);
  ws.write("dir/foo.txt", "x\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Delete File: dir"));
  t.is(e.details["reason"], "not-a-file");
  t.true(ws.exists("dir/foo.txt"));
});

test("Move to onto an existing file fails instead of overwriting it", async (t) => {
  const ws = workspace(t);
  ws.write("src.txt", "s\n");
  ws.write("dst.txt", "d\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: src.txt", "*** Move to: dst.txt", "@@", "-s", "+t"));
  t.is(e.details["reason"], "file-exists");
  t.is(e.details["path"], "dst.txt");
});

test("updating a file that is not UTF-8 fails without writing", async (t) => {
  const ws = workspace(t);
  ws.write("bin.dat", Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]));
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: bin.dat", "@@", "-A", "+B"));
  t.is(e.details["reason"], "not-utf8");
});

test("adding a file below an existing file fails before anything is written", async (t) => {
  const ws = workspace(t);
  ws.write("plain", "p\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Add File: ok.txt", "+ok", "*** Add File: plain/child.txt", "+c"));
  t.is(e.details["reason"], "parent-not-directory");
  t.false(ws.exists("ok.txt"));
});

test("updating a file deleted earlier in the same patch fails", async (t) => {
  const ws = workspace(t);
  ws.write("d.txt", "a\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Delete File: d.txt", "*** Update File: d.txt", "@@", "-a", "+b"));
  t.is(e.details["reason"], "file-missing");
  t.regex(e.message, /already deleted or moved by this patch/);
});

test("a malformed later section stops the whole patch before anything is read or written", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  const e = await failsWithoutWriting(t, ws, envelope("*** Update File: a.txt", "@@", "-a", "+b", "*** Rename File: a.txt"));
  t.is(e.details["reason"], "syntax");
  t.is(e.details["line"], 6);
});

test("an aborted signal stops the patch before anything is written", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  const before = ws.snapshot();
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(applyPatch(ws.root, envelope("*** Update File: a.txt", "-a", "+b"), { signal: controller.signal }), {
    instanceOf: AbortedError,
  });
  t.deepEqual(ws.snapshot(), before);
});

/** Files with mode and content, dirs by name, and file mtimes (ns) apart so they can be compared with a tolerance. */
function contentsAndMtimes(ws: Workspace): { entries: Record<string, string>; mtimes: Record<string, bigint> } {
  const entries: Record<string, string> = {};
  const mtimes: Record<string, bigint> = {};
  for (const [rel, entry] of Object.entries(ws.snapshot())) {
    if (entry.startsWith("dir")) {
      entries[rel] = "dir";
      continue;
    }
    entries[rel] = entry.replace(/ mtime=(\d+)/, (_m, ns: string) => {
      mtimes[rel] = BigInt(ns);
      return "";
    });
  }
  return { entries, mtimes };
}

/** The real filesystem, except that the `failOn`-th atomic write throws. */
function failingIo(failOn: number, alsoFailRestoreOf?: string): PatchIo {
  let writes = 0;
  return {
    ...nodePatchIo,
    async writeFileAtomic(abs, data, mode) {
      writes++;
      if (writes === failOn) throw Object.assign(new Error("disk on fire"), { code: "EIO" });
      if (alsoFailRestoreOf !== undefined && writes > failOn && abs.endsWith(alsoFailRestoreOf)) {
        throw new Error("still on fire");
      }
      return nodePatchIo.writeFileAtomic(abs, data, mode);
    },
  };
}

test("a write failing midway rolls back every file already written, deleted or moved", async (t) => {
  const ws = workspace(t);
  ws.write("keep/a.txt", "a1\na2\n");
  ws.write("gone.txt", "bye\n");
  ws.write("from.txt", "f\n");
  fs.chmodSync(path.join(ws.root, "keep/a.txt"), 0o640);
  const patch = envelope(
    "*** Update File: keep/a.txt",
    "@@",
    "-a1",
    "+A1",
    "*** Delete File: gone.txt",
    "*** Update File: from.txt",
    "*** Move to: new/deep/to.txt",
    "@@",
    "-f",
    "+F",
    "*** Add File: brand/new.txt",
    "+n",
  );
  const before = contentsAndMtimes(ws);
  // Writes happen in order: keep/a.txt, new/deep/to.txt, brand/new.txt — the third one fails.
  const e = await t.throwsAsync(applyPatch(ws.root, patch, { io: failingIo(3) }), { instanceOf: PatchError });
  if (!e) return;
  // Same files, bytes and modes; created directories removed; mtimes restored as far as utimes can (about 1 µs).
  const after = contentsAndMtimes(ws);
  t.deepEqual(after.entries, before.entries);
  for (const [rel, ns] of Object.entries(before.mtimes)) {
    const diff = (after.mtimes[rel] ?? 0n) - ns;
    t.true(diff < 1_000_000n && diff > -1_000_000n, `${rel} mtime moved by ${diff} ns`);
  }
  t.is(e.details["reason"], "write-failed");
  t.is(e.details["path"], "brand/new.txt");
  t.deepEqual(e.details["unrestored"], []);
  t.regex(e.message, /disk on fire.*rolled back/);
  t.true(e.cause instanceof Error);
});

test("a rollback that cannot restore a file says which one", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  ws.write("b.txt", "b\n");
  const patch = envelope("*** Update File: a.txt", "-a", "+A", "*** Update File: b.txt", "-b", "+B");
  const e = await t.throwsAsync(applyPatch(ws.root, patch, { io: failingIo(2, "a.txt") }), { instanceOf: PatchError });
  t.deepEqual(e?.details["unrestored"], ["a.txt"]);
  t.regex(e?.message ?? "", /Rollback could not restore: `a\.txt`/);
  t.is(ws.read("b.txt"), "b\n");
});

test("a rollback recreates a deleted symlink and removes a file that was added", async (t) => {
  const ws = workspace(t);
  ws.write("target.txt", "t\n");
  ws.write("b.txt", "b\n");
  fs.symlinkSync("target.txt", path.join(ws.root, "link.txt"));
  const before = ws.snapshot();
  const patch = envelope("*** Delete File: link.txt", "*** Add File: added.txt", "+a", "*** Update File: b.txt", "-b", "+B");
  const e = await t.throwsAsync(applyPatch(ws.root, patch, { io: failingIo(2) }), { instanceOf: PatchError });
  t.deepEqual(e?.details["unrestored"], []);
  const after = ws.snapshot();
  t.is(after["link.txt"], "link -> target.txt");
  t.false(ws.exists("added.txt"));
  t.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  t.is(ws.read("b.txt"), "b\n");
});

test("a rollback gives a deleted file its name back even when a directory was created in its place", async (t) => {
  const ws = workspace(t);
  ws.write("node", "file\n");
  ws.write("b.txt", "b\n");
  const before = ws.snapshot();
  const patch = envelope("*** Delete File: node", "*** Add File: node/child.txt", "+c", "*** Update File: b.txt", "-b", "+B");
  const e = await t.throwsAsync(applyPatch(ws.root, patch, { io: failingIo(2) }), { instanceOf: PatchError });
  t.deepEqual(e?.details["unrestored"], []);
  t.deepEqual(Object.keys(ws.snapshot()).sort(), Object.keys(before).sort());
  t.is(ws.read("node"), "file\n");
  t.is(ws.read("b.txt"), "b\n");
});

test("matching many hunks against a large file yields to the event loop, so the call's signal can stop it", async (t) => {
  // 100,000 indented lines and 20,000 hunks that only match once indentation is ignored: each hunk's exact and
  // trim-end passes scan the rest of the file, about 4·10⁹ line comparisons in all. A timer's abort can only fire
  // if the matching yields; without that the call would run far past ava's timeout before seeing it.
  const ws = workspace(t);
  const lines = Array.from({ length: 100_000 }, (_, i) => `    line ${i}`);
  ws.write("big.txt", `${lines.join("\n")}\n`);
  const hunks: string[] = [];
  for (let i = 0; i < 20_000; i++) hunks.push("@@", `-line ${i * 5}`, `+LINE ${i * 5}`);
  const before = ws.snapshot();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await t.throwsAsync(applyPatch(ws.root, envelope("*** Update File: big.txt", ...hunks), { signal: controller.signal }), {
    instanceOf: AbortedError,
  });
  t.deepEqual(ws.snapshot(), before);
});
