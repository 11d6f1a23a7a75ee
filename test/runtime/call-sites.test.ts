import test from "ava";
import { callSiteFor, findToolCallSites } from "../../src/runtime/call-sites.js";

test("tool call starts are found outside strings, comments, templates and regular expressions", (t) => {
  const source = [
    'const a = "tools.readFile(";',
    "// tools.listDir(",
    "/* tools.glob( */ const b = x.tools.readFile(1); const re = /tools.exec(/g;",
    "const t = `${tools.readFile({ path: `${n}` })} tools.search(`;",
    'const p = tools.applyPatch({ patch }).then((r) => r).join(); await tools.spawn.exec({ cmd: "ls" });',
    "const z = tools",
    "  .everything.echo({ m: 1 }); const q = 4 / 2 / tools.glob({});",
  ].join("\n");
  t.deepEqual(findToolCallSites(source), [
    { line: 4, column: 13, tool: "readFile" },
    { line: 5, column: 10, tool: "applyPatch" },
    { line: 5, column: 67, tool: "exec" },
    { line: 6, column: 10, tool: "everything.echo" },
    { line: 7, column: 48, tool: "glob" },
  ]);
});

test("a frame is moved to the call of its tool on its line, else to the call that spans down to it", (t) => {
  const sites = findToolCallSites("const a = [tools.readFile(x), tools.readFile(y)].join();\nconst b = tools.glob({\n  pattern: f(),\n});");
  // Inside the second call's arguments: that call, not the first.
  t.like(callSiteFor(sites, "readFile", 1, 45), { line: 1, column: 30 });
  // Before any call on the line (e.g. at `const`): the first call after it.
  t.like(callSiteFor(sites, "readFile", 1, 0), { line: 1, column: 11 });
  // Reported on an argument's line: the call that started above.
  t.like(callSiteFor(sites, "glob", 3, 11), { line: 2, column: 10 });
  t.is(callSiteFor(sites, "exec", 1, 5), undefined);
});
