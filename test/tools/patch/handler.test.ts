import test from "ava";
import { PatchError, ToolArgumentError } from "../../../src/errors/index.js";
import { applyPatchTool } from "../../../src/tools/handlers/apply-patch.js";
import { envelope, workspace } from "./helpers.js";

test("the applyPatch tool applies a patch in the context's workspace and returns the changed paths", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  t.is(applyPatchTool.name, "applyPatch");
  t.is(applyPatchTool.risk, "writes");
  const result = await applyPatchTool.handler(
    { patch: envelope("*** Update File: a.txt", "@@", "-a", "+b", "*** Add File: c.txt", "+c") },
    { workspaceRoot: ws.root, signal: new AbortController().signal },
  );
  t.deepEqual(result, { added: ["c.txt"], modified: ["a.txt"], deleted: [], moved: [] });
  t.is(ws.read("a.txt"), "b\n");
});

test("the applyPatch tool reports a failed hunk as a PatchError", async (t) => {
  const ws = workspace(t);
  ws.write("a.txt", "a\n");
  await t.throwsAsync(
    applyPatchTool.handler(
      { patch: envelope("*** Update File: a.txt", "@@", "-zzz", "+b") },
      { workspaceRoot: ws.root, signal: new AbortController().signal },
    ),
    { instanceOf: PatchError, message: /hunk 1 .* of `a\.txt`/ },
  );
  t.is(ws.read("a.txt"), "a\n");
});

test("the applyPatch tool refuses a missing patch argument", async (t) => {
  const ws = workspace(t);
  await t.throwsAsync(
    applyPatchTool.handler({} as never, { workspaceRoot: ws.root, signal: new AbortController().signal }),
    { instanceOf: ToolArgumentError },
  );
});
