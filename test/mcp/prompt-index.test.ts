import test from "ava";
import { toolsNamedOnLine } from "../../src/compiler/index.js";
import { matchTools } from "../../src/tools/index.js";
import { buildToolIndex, firstSentence } from "../../src/tools/mcp/index.js";
import type { ToolSpec } from "../../src/tools/index.js";

const spec = (name: string, description = ""): ToolSpec => ({ name, description, argsSchema: { type: "object" }, resultSchema: {}, risk: "read-only" });

test("the index groups MCP tools by server, one line each, and leaves out other tools", (t) => {
  const index = buildToolIndex([
    spec("readFile", "Reads."),
    spec("mcp.gh.get_issue", "Get one issue. Fails when missing."),
    spec("mcp.gh.list", ""),
    spec("mcp.everything.get-sum", "Adds two numbers\nand more"),
  ]);
  t.is(index, "mcp.gh (2 tools):\n- get_issue: Get one issue.\n- list\nmcp.everything (1 tool):\n- get-sum: Adds two numbers");
});

test("an index line keeps the first sentence, cut at 100 characters with an ellipsis", (t) => {
  t.is(firstSentence("  One. Two."), "One.");
  t.is(firstSentence("a".repeat(100)), "a".repeat(100));
  t.is(firstSentence("a".repeat(101)), `${"a".repeat(99)}…`);
  t.is(firstSentence("v1.2 is a version"), "v1.2 is a version");
});

test("describe patterns: an exact name, * globs (case-insensitive), or words that must all appear", (t) => {
  const specs = [spec("mcp.gh.get_issue", "Get an issue"), spec("mcp.gh.list_issues", "List issues"), spec("mcp.jira.get_issue", "Get a Jira issue"), spec("readFile", "Read a file")];
  t.deepEqual(matchTools(specs, "mcp.gh.get_issue").map((s) => s.name), ["mcp.gh.get_issue"]);
  t.deepEqual(matchTools(specs, "tools.mcp.gh.get_issue").map((s) => s.name), ["mcp.gh.get_issue"]);
  t.deepEqual(matchTools(specs, "mcp.gh.*").map((s) => s.name), ["mcp.gh.get_issue", "mcp.gh.list_issues"]);
  t.deepEqual(matchTools(specs, "*GET_ISSUE").map((s) => s.name), ["mcp.gh.get_issue", "mcp.jira.get_issue"]);
  t.deepEqual(matchTools(specs, "jira issue").map((s) => s.name), ["mcp.jira.get_issue"]);
  t.deepEqual(matchTools(specs, "mcp.(gh)"), [], "regex characters are literal");
});

test("the tools a line calls are found through dots, quoted keys, ?. and spawn; unknown chains are ignored", (t) => {
  const known = new Set(["mcp.gh.get_issue", "mcp.everything.get-sum", "readFile"]);
  const isTool = (n: string) => known.has(n);
  t.deepEqual(toolsNamedOnLine('const x = await tools.mcp.gh.get_issue({ a: 1 }).then((r) => r);', isTool), ["mcp.gh.get_issue"]);
  t.deepEqual(toolsNamedOnLine('tools.mcp.everything["get-sum"]({}); tools.spawn.readFile({}); tools.mcp?.gh?.get_issue()', isTool), [
    "mcp.everything.get-sum",
    "readFile",
    "mcp.gh.get_issue",
  ]);
  t.deepEqual(toolsNamedOnLine("tools.nope.x(); mytools.readFile()", isTool), []);
});
