import fs from "node:fs";
import path from "node:path";
import test from "ava";
import { applyPatch } from "../../../src/tools/patch/index.js";
import { envelope, workspace } from "./helpers.js";

test("Add File creates the file, and its parent directories, with each + line followed by a newline", async (t) => {
  const ws = workspace(t);
  const result = await applyPatch(ws.root, envelope("*** Add File: nested/dir/new.txt", "+hello", "+", "+world"));
  t.deepEqual(result, { added: ["nested/dir/new.txt"], modified: [], deleted: [], moved: [] });
  t.is(ws.read("nested/dir/new.txt"), "hello\n\nworld\n");
});

test("Delete File removes the file and leaves its siblings alone", async (t) => {
  const ws = workspace(t);
  ws.write("obsolete.txt", "bye\n");
  ws.write("keep.txt", "stay\n");
  const result = await applyPatch(ws.root, envelope("*** Delete File: obsolete.txt"));
  t.deepEqual(result.deleted, ["obsolete.txt"]);
  t.false(ws.exists("obsolete.txt"));
  t.is(ws.read("keep.txt"), "stay\n");
});

test("Update File replaces the matched lines", async (t) => {
  const ws = workspace(t);
  ws.write("update.txt", "foo\nbar\n");
  const result = await applyPatch(ws.root, envelope("*** Update File: update.txt", "@@", " foo", "-bar", "+baz"));
  t.deepEqual(result, { added: [], modified: ["update.txt"], deleted: [], moved: [] });
  t.is(ws.read("update.txt"), "foo\nbaz\n");
});

test("an update keeps the file's permission bits", async (t) => {
  const ws = workspace(t);
  ws.write("run.sh", "echo a\n");
  fs.chmodSync(path.join(ws.root, "run.sh"), 0o755);
  await applyPatch(ws.root, envelope("*** Update File: run.sh", "-echo a", "+echo b"));
  t.is(fs.statSync(path.join(ws.root, "run.sh")).mode & 0o777, 0o755);
  t.is(ws.read("run.sh"), "echo b\n");
});

test("Move to with changes writes the new path and removes the old one, creating directories", async (t) => {
  const ws = workspace(t);
  ws.write("old/name.txt", "old content\n");
  ws.write("old/other.txt", "other\n");
  const result = await applyPatch(
    ws.root,
    envelope("*** Update File: old/name.txt", "*** Move to: renamed/dir/name.txt", "@@", "-old content", "+new content"),
  );
  t.deepEqual(result, { added: [], modified: [], deleted: [], moved: [{ from: "old/name.txt", to: "renamed/dir/name.txt" }] });
  t.false(ws.exists("old/name.txt"));
  t.is(ws.read("renamed/dir/name.txt"), "new content\n");
  t.is(ws.read("old/other.txt"), "other\n");
});

test("Move to whose only hunk keeps every line renames the file unchanged", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "one\ntwo\n");
  const result = await applyPatch(ws.root, envelope("*** Update File: a.txt", "*** Move to: b.txt", "@@", " one"));
  t.deepEqual(result.moved, [{ from: "a.txt", to: "b.txt" }]);
  t.false(ws.exists("a.txt"));
  t.is(ws.read("b.txt"), "one\ntwo\n");
});

test("several hunks in one section apply in order and the file is reported once", async (t) => {
  const ws = workspace(t);
  ws.write("multi.txt", "foo\nbar\nbaz\nqux\n");
  const result = await applyPatch(
    ws.root,
    envelope("*** Update File: multi.txt", "@@", " foo", "-bar", "+BAR", "@@", " baz", "-qux", "+QUX"),
  );
  t.deepEqual(result.modified, ["multi.txt"]);
  t.is(ws.read("multi.txt"), "foo\nBAR\nbaz\nQUX\n");
});

test("each hunk searches after the previous one, so repeated lines are changed in patch order", async (t) => {
  const ws = workspace(t);
  ws.write("r.txt", "x = 1\nsep\nx = 1\nsep\nx = 1\n");
  await applyPatch(ws.root, envelope("*** Update File: r.txt", "@@", "-x = 1", "+x = A", "@@", "-x = 1", "+x = B"));
  t.is(ws.read("r.txt"), "x = A\nsep\nx = B\nsep\nx = 1\n");
});

test("an @@ context header moves the cursor past that line before the hunk is searched", async (t) => {
  const ws = workspace(t);
  ws.write(
    "code.py",
    ["def a():", "    return 1", "", "def b():", "    return 1", ""].join("\n"),
  );
  await applyPatch(ws.root, envelope("*** Update File: code.py", "@@ def b():", "-    return 1", "+    return 2"));
  t.is(ws.read("code.py"), ["def a():", "    return 1", "", "def b():", "    return 2", ""].join("\n"));
});

test("an *** End of File hunk matches the last lines even when the same lines appear earlier", async (t) => {
  const ws = workspace(t);
  ws.write("tail.txt", "end\nmiddle\nend\n");
  await applyPatch(ws.root, envelope("*** Update File: tail.txt", "@@", "-end", "+END", "*** End of File"));
  t.is(ws.read("tail.txt"), "end\nmiddle\nEND\n");
});

test("a pure-addition hunk appends at the end of the file, as in Codex", async (t) => {
  const ws = workspace(t);
  ws.write("input.txt", "line1\nline2\n");
  await applyPatch(ws.root, envelope("*** Update File: input.txt", "@@", "+added line 1", "+added line 2"));
  t.is(ws.read("input.txt"), "line1\nline2\nadded line 1\nadded line 2\n");
});

test("a deletion-only hunk removes lines", async (t) => {
  const ws = workspace(t);
  ws.write("lines.txt", "line1\nline2\nline3\n");
  await applyPatch(ws.root, envelope("*** Update File: lines.txt", "@@", " line1", "-line2", " line3"));
  t.is(ws.read("lines.txt"), "line1\nline3\n");
});

test("an updated file without a final newline gains one, as in Codex", async (t) => {
  const ws = workspace(t);
  ws.write("no_newline.txt", "no newline at end");
  await applyPatch(ws.root, envelope("*** Update File: no_newline.txt", "@@", "-no newline at end", "+first line", "+second line"));
  t.is(ws.read("no_newline.txt"), "first line\nsecond line\n");
});

test("a hunk whose old lines end with an empty line still matches at the end of the file", async (t) => {
  const ws = workspace(t);
  ws.write("e.txt", "a\nb\n");
  await applyPatch(ws.root, envelope("*** Update File: e.txt", "@@", " a", "-b", "+c", "", "*** End of File"));
  t.is(ws.read("e.txt"), "a\nc\n");
});

test("trailing whitespace drift in the file does not stop a hunk from matching", async (t) => {
  const ws = workspace(t);
  ws.write("w.txt", "alpha  \nbeta\t\ngamma\n");
  await applyPatch(ws.root, envelope("*** Update File: w.txt", "@@", " alpha", "-beta", "+BETA"));
  // As in Codex, the whole matched region (context lines included) is replaced by the patch's version of it.
  t.is(ws.read("w.txt"), "alpha\nBETA\ngamma\n");
});

test("leading indentation drift does not stop a hunk from matching", async (t) => {
  const ws = workspace(t);
  ws.write("i.py", "class A:\n        def f(self):\n            pass\n");
  await applyPatch(ws.root, envelope("*** Update File: i.py", "@@", "     def f(self):", "-        pass", "+        return 1"));
  t.is(ws.read("i.py"), "class A:\n    def f(self):\n        return 1\n");
});

test("Unicode punctuation drift (dashes, curly quotes, non-breaking spaces) does not stop a hunk from matching", async (t) => {
  const ws = workspace(t);
  ws.write("u.txt", "title \u2014 \u201cquoted\u201d\nit\u2019s\u00a0here\n");
  await applyPatch(ws.root, envelope("*** Update File: u.txt", "@@", ' title - "quoted"', "-it's here", "+it is here"));
  // Context lines are written as the patch spells them (Codex replaces the whole matched region).
  t.is(ws.read("u.txt"), 'title - "quoted"\nit is here\n');
});

test("CRLF files keep CRLF on untouched lines and inserted lines take CRLF too", async (t) => {
  const ws = workspace(t);
  ws.write("win.txt", "one\r\ntwo\r\nthree\r\n");
  await applyPatch(ws.root, envelope("*** Update File: win.txt", "@@", " one", "-two", "+TWO", "+two and a half"));
  t.is(ws.read("win.txt"), "one\r\nTWO\r\ntwo and a half\r\nthree\r\n");
});

test("in a file mixing LF and CRLF, only the lines a patch changes change: context lines keep their own endings", async (t) => {
  const ws = workspace(t);
  const before = "a\r\nb\nc\r\nd\ne\r\nf\n";
  ws.write("mixed.txt", before);
  await applyPatch(
    ws.root,
    envelope("*** Update File: mixed.txt", "@@", " b", " c", "-d", "+D", " e", " f", "*** End of File"),
  );
  // Byte-exact: b (LF), c (CRLF), e (CRLF) and f (LF) as they were; D takes the preferred ending (the first break's).
  const after = fs.readFileSync(path.join(ws.root, "mixed.txt"));
  t.deepEqual(after, Buffer.from("a\r\nb\nc\r\nD\r\ne\r\nf\n"));
});

test("a trailing empty context line standing for the final newline does not disturb the other lines' endings", async (t) => {
  const ws = workspace(t);
  ws.write("tail.txt", "x\r\ny\nz\n");
  await applyPatch(ws.root, envelope("*** Update File: tail.txt", "@@", " y", "-z", "+Z", " "));
  t.deepEqual(fs.readFileSync(path.join(ws.root, "tail.txt")), Buffer.from("x\r\ny\nZ\r\n"));
});

test("a UTF-8 byte-order mark is kept and does not disturb matching of the first line", async (t) => {
  const ws = workspace(t);
  ws.write("bom.txt", "\ufefffirst\nsecond\n");
  await applyPatch(ws.root, envelope("*** Update File: bom.txt", "@@", "-first", "+FIRST"));
  t.is(ws.read("bom.txt"), "\ufeffFIRST\nsecond\n");
});

test("a later section sees the result of an earlier section on the same file", async (t) => {
  const ws = workspace(t);
  const result = await applyPatch(
    ws.root,
    envelope("*** Add File: a.txt", "+one", "*** Update File: a.txt", "@@", "-one", "+two"),
  );
  t.is(ws.read("a.txt"), "two\n");
  t.deepEqual(result.added, ["a.txt"]);
  t.deepEqual(result.modified, ["a.txt"]);
});

test("a file deleted earlier in the patch can be added again", async (t) => {
  const ws = workspace(t);
  ws.write("x.txt", "old\n");
  await applyPatch(ws.root, envelope("*** Delete File: x.txt", "*** Add File: x.txt", "+new"));
  t.is(ws.read("x.txt"), "new\n");
});

test("a deleted file can make room for a directory of the same name", async (t) => {
  const ws = workspace(t);
  ws.write("node", "file\n");
  await applyPatch(ws.root, envelope("*** Delete File: node", "*** Add File: node/child.txt", "+c"));
  t.is(ws.read("node/child.txt"), "c\n");
});

test("a patch wrapped in a heredoc applies", async (t) => {
  const ws = workspace(t);
  await applyPatch(ws.root, `<<'EOF'\n${envelope("*** Add File: h.txt", "+hi")}\nEOF\n`);
  t.is(ws.read("h.txt"), "hi\n");
});

test("an update whose result equals the file leaves its mtime alone", async (t) => {
  const ws = workspace(t);
  ws.write("same.txt", "a\nb\n");
  const before = ws.snapshot();
  const result = await applyPatch(ws.root, envelope("*** Update File: same.txt", "@@", " a", "-b", "+b"));
  t.deepEqual(result.modified, ["same.txt"]);
  t.deepEqual(ws.snapshot(), before);
});

test("no temp files are left behind after a successful patch", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  await applyPatch(ws.root, envelope("*** Update File: a.txt", "-a", "+b", "*** Add File: d/c.txt", "+c"));
  t.deepEqual(Object.keys(ws.snapshot()).sort(), ["a.txt", "d", "d/c.txt"]);
});

test("add, delete and update sections in one patch are all applied and reported", async (t) => {
  const ws = workspace(t);
  ws.write("modify.txt", "line1\nline2\n");
  ws.write("delete.txt", "obsolete\n");
  const result = await applyPatch(
    ws.root,
    envelope(
      "*** Add File: nested/new.txt",
      "+created",
      "*** Delete File: delete.txt",
      "  *** Update File: modify.txt  ",
      "@@",
      "-line2",
      "+changed",
    ),
  );
  t.deepEqual(result, { added: ["nested/new.txt"], modified: ["modify.txt"], deleted: ["delete.txt"], moved: [] });
  t.is(ws.read("nested/new.txt"), "created\n");
  t.false(ws.exists("delete.txt"));
  t.is(ws.read("modify.txt"), "line1\nchanged\n");
});

test("non-ASCII text matches exactly and is written back as UTF-8", async (t) => {
  const ws = workspace(t);
  ws.write("foo.txt", "line1\nna\u00efve caf\u00e9\nline3\n");
  await applyPatch(ws.root, envelope("*** Update File: foo.txt", "@@", " line1", "-na\u00efve caf\u00e9", "+na\u00efve caf\u00e9 \u2705"));
  t.is(ws.read("foo.txt"), "line1\nna\u00efve caf\u00e9 \u2705\nline3\n");
});

test("an empty file can receive lines from a pure-addition hunk", async (t) => {
  const ws = workspace(t);
  ws.write("empty.txt", "");
  await applyPatch(ws.root, envelope("*** Update File: empty.txt", "@@", "+first"));
  t.is(ws.read("empty.txt"), "first\n");
});

test("a file moved after a delete of its destination takes the destination's place", async (t) => {
  const ws = workspace(t);
  ws.write("src.txt", "s\n");
  ws.write("dst.txt", "d\n");
  const result = await applyPatch(
    ws.root,
    envelope("*** Delete File: dst.txt", "*** Update File: src.txt", "*** Move to: dst.txt", "@@", " s"),
  );
  t.deepEqual(result.moved, [{ from: "src.txt", to: "dst.txt" }]);
  t.is(ws.read("dst.txt"), "s\n");
  t.false(ws.exists("src.txt"));
});

test("a file of 300,000 lines is patched without overflowing the stack", async (t) => {
  const ws = workspace(t);
  const lines = Array.from({ length: 300_000 }, (_, i) => `l${i}`);
  ws.write("big.txt", `${lines.join("\n")}\n`);
  await applyPatch(ws.root, envelope("*** Update File: big.txt", "@@", " l149999", "-l150000", "+middle", "@@", "-l299999", "+last"));
  const out = ws.read("big.txt").split("\n");
  t.is(out.length, 300_001);
  t.is(out[150_000], "middle");
  t.is(out[299_999], "last");
});
