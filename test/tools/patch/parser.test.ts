import test from "ava";
import { PatchError } from "../../../src/errors/index.js";
import { parsePatch } from "../../../src/tools/patch/index.js";
import { envelope } from "./helpers.js";

function syntaxFailure(t: import("ava").ExecutionContext, text: string): PatchError {
  const e = t.throws(() => parsePatch(text), { instanceOf: PatchError });
  if (!e) throw new Error("expected a PatchError");
  return e;
}

test("a patch with add, delete and update-with-move sections parses into those sections in order", (t) => {
  const parsed = parsePatch(
    envelope(
      "*** Add File: path/add.py",
      "+abc",
      "+def",
      "*** Delete File: path/delete.py",
      "*** Update File: path/update.py",
      "*** Move to: path/update2.py",
      "@@ def f():",
      "-    pass",
      "+    return 123",
    ),
  );
  t.deepEqual(parsed.sections, [
    { kind: "add", path: "path/add.py", contents: "abc\ndef\n", line: 2 },
    { kind: "delete", path: "path/delete.py", line: 5 },
    {
      kind: "update",
      path: "path/update.py",
      movePath: "path/update2.py",
      line: 6,
      hunks: [
        {
          context: "def f():",
          header: "@@ def f():",
          oldLines: ["    pass"],
          newLines: ["    return 123"],
          newFromOld: [-1],
          isEndOfFile: false,
          line: 8,
        },
      ],
    },
  ]);
});

test("the first hunk of an update may omit its @@ header, as Codex allows", (t) => {
  const parsed = parsePatch(envelope("*** Update File: file2.py", " import foo", "+bar"));
  const section = parsed.sections[0];
  t.is(section?.kind, "update");
  if (section?.kind !== "update") return;
  t.deepEqual(section.hunks[0]?.oldLines, ["import foo"]);
  t.deepEqual(section.hunks[0]?.newLines, ["import foo", "bar"]);
  t.is(section.hunks[0]?.header, "");
});

test("a later hunk without an @@ header is refused with its line number", (t) => {
  // `x` (line 8) ends the second hunk, so it must start a third one.
  const e = syntaxFailure(t, envelope("*** Update File: f", "@@", "-a", "+b", "@@", "-c", "x"));
  t.is(e.details["line"], 8);
  t.regex(e.message, /line 8: expected '@@' or '@@ <context line>'/);
});

test("blank lines between hunks are skipped and an empty line inside a hunk is an empty context line", (t) => {
  const parsed = parsePatch(envelope("*** Update File: f", "@@ ctx", "", " a", "-b", "+c", "*** End of File", "", "@@", "-z"));
  const section = parsed.sections[0];
  if (section?.kind !== "update") return t.fail();
  t.is(section.hunks.length, 2);
  t.deepEqual(section.hunks[0]?.oldLines, ["", "a", "b"]);
  t.deepEqual(section.hunks[0]?.newLines, ["", "a", "c"]);
  t.true(section.hunks[0]?.isEndOfFile);
  t.false(section.hunks[1]?.isEndOfFile);
  t.deepEqual(section.hunks[1]?.oldLines, ["z"]);
});

test("whitespace around the envelope and around marker lines is tolerated", (t) => {
  const parsed = parsePatch(
    "\n\n   *** Begin Patch \n  *** Update File: foo.txt\n@@\n-old\n+new\n *** End Patch  \n\n",
  );
  t.is(parsed.sections[0]?.path, "foo.txt");
});

test("CRLF line breaks in the patch text are accepted", (t) => {
  const parsed = parsePatch("*** Begin Patch\r\n*** Add File: a.txt\r\n+one\r\n+two\r\n*** End Patch\r\n");
  t.deepEqual(parsed.sections, [{ kind: "add", path: "a.txt", contents: "one\ntwo\n", line: 2 }]);
});

for (const opener of ["<<EOF", "<<'EOF'", '<<"EOF"']) {
  test(`a patch wrapped in a ${opener} heredoc is unwrapped like Codex's lenient mode`, (t) => {
    const parsed = parsePatch(`${opener}\n${envelope("*** Add File: a", "+x")}\nEOF\n`);
    t.deepEqual(parsed.sections, [{ kind: "add", path: "a", contents: "x\n", line: 3 }]);
  });
}

test("a heredoc with mismatched quotes is not unwrapped", (t) => {
  const e = syntaxFailure(t, `<<"EOF'\n${envelope("*** Add File: a", "+x")}\nEOF\n`);
  t.regex(e.message, /line 1: expected '\*\*\* Begin Patch'/);
});

test("text that does not start with *** Begin Patch names line 1 and what it got", (t) => {
  const e = syntaxFailure(t, "bad\n*** End Patch");
  t.is(e.code, "CODY_PATCH_FAILED");
  t.is(e.details["reason"], "syntax");
  t.is(e.details["line"], 1);
  t.is(e.details["got"], "bad");
  t.is(e.location?.line, 1);
});

test("a missing *** End Patch names the last line", (t) => {
  const e = syntaxFailure(t, "*** Begin Patch\n*** Add File: a\n+x");
  t.is(e.details["line"], 3);
  t.regex(e.message, /'\*\*\* End Patch' as the last line/);
});

test("an empty patch text is refused", (t) => {
  const e = syntaxFailure(t, "   \n  ");
  t.regex(e.message, /Begin Patch/);
});

test("line numbers count the blank lines trimmed before the envelope", (t) => {
  const e = syntaxFailure(t, "\n\n*** Begin Patch\n*** Frobnicate File: a\n*** End Patch");
  t.is(e.details["line"], 4);
  t.regex(e.message, /Add File: PATH', '\*\*\* Delete File: PATH' or '\*\*\* Update File: PATH'/);
});

test("an envelope without sections is refused like Codex's 'No files were modified'", (t) => {
  const e = syntaxFailure(t, "*** Begin Patch\n*** End Patch");
  t.is(e.details["reason"], "empty");
});

test("an Update File section without hunks is refused", (t) => {
  const e = syntaxFailure(t, envelope("*** Update File: test.py"));
  t.regex(e.message, /at least one hunk/);
  t.is(e.details["line"], 3);
});

test("a hunk with only a header is refused at the line after the header", (t) => {
  const e = syntaxFailure(t, envelope("*** Update File: a", "@@", "*** End of File"));
  t.is(e.details["line"], 4);
  t.regex(e.message, /hunk line starting with ' ' \(context\), '-' \(remove\) or '\+' \(add\)/);
});

test("a hunk line with an unknown prefix right after @@ is refused", (t) => {
  const e = syntaxFailure(t, envelope("*** Update File: a", "@@", "bad"));
  t.is(e.details["line"], 4);
  t.is(e.details["got"], "bad");
});

test("a section header without a path is refused", (t) => {
  const e = syntaxFailure(t, envelope("*** Delete File:   "));
  t.is(e.details["line"], 2);
});

test("an Add File section may have no lines, creating an empty file", (t) => {
  t.deepEqual(parsePatch(envelope("*** Add File: empty.txt")).sections, [
    { kind: "add", path: "empty.txt", contents: "", line: 2 },
  ]);
});

test("'@@ ' followed only by spaces counts as a bare @@ instead of seeking a blank line", (t) => {
  const section = parsePatch(envelope("*** Update File: a", "@@   ", "-x", "+y")).sections[0];
  if (section?.kind !== "update") return t.fail();
  t.is(section.hunks[0]?.context, undefined);
});

test("an indented *** Move to: line is still read as the move destination", (t) => {
  const section = parsePatch(envelope("*** Update File: a", "  *** Move to: b ", "@@", "-x", "+y")).sections[0];
  if (section?.kind !== "update") return t.fail();
  t.is(section.movePath, "b");
});
