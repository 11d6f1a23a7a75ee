import test from "ava";
import { extractBlocks, extractTsBlocks } from "./extract.js";

const md = (...lines: string[]): string => lines.join("\n");

test("only blocks whose info string starts with the word ts are extracted, with their line and flags", (t) => {
  const text = md(
    "# Title", //                1
    "```ts", //                  2
    "return 1;", //              3
    "```", //                    4
    "```typescript", //          5
    "interface A { x: 1 }", //   6
    "```", //                    7
    "```ts run", //              8
    "return 2;", //              9
    "```", //                    10
    "```tsx", //                 11
    "x", //                      12
    "```", //                    13
  );
  const blocks = extractTsBlocks(text, "doc.md");
  t.deepEqual(
    blocks.map((b) => [b.line, b.flags, b.source, b.closed]),
    [
      [2, [], "return 1;", true],
      [8, ["run"], "return 2;", true],
    ],
  );
  t.true(blocks.every((b) => b.file === "doc.md"));
});

test("a ts fence inside a text block is content of the text block, not a block of its own", (t) => {
  const text = md("````text", "<tool-calls>", "```ts", "return 1;", "```", "</tool-calls>", "````", "```ts", "return 2;", "```");
  t.deepEqual(
    extractTsBlocks(text, "doc.md").map((b) => [b.line, b.source]),
    [[8, "return 2;"]],
  );
});

test("a closing fence must use the same character, be at least as long and carry no info string", (t) => {
  const text = md("````ts", "const a = 1;", "```", "~~~~", "```` js", "return a;", "````", "after");
  const [block] = extractTsBlocks(text, "doc.md");
  t.is(block?.source, md("const a = 1;", "```", "~~~~", "```` js", "return a;"));
  t.true(block?.closed);
});

test("an indented fence has its indentation removed from the block's lines, and an unclosed block is marked", (t) => {
  const text = md("- item", "  ```ts", "  const x = 1;", "    return x;", "");
  const [block] = extractTsBlocks(text, "doc.md");
  t.is(block?.source, md("const x = 1;", "  return x;", ""));
  t.false(block?.closed);
});

test("CRLF line ends do not change the extracted text and a backtick in the info string is not a fence", (t) => {
  const text = "```ts\r\nreturn 1;\r\n```\r\n``` ts `inline`\r\n";
  t.deepEqual(
    extractTsBlocks(text, "doc.md").map((b) => b.source),
    ["return 1;"],
  );
});

test("every block is extracted with its language, and docs-test comments before a fence travel with it", (t) => {
  const text = md(
    "<!-- docs-test: skip — a diagram -->", // 1
    "```", //                                  2
    "a ─► b", //                               3
    "```", //                                  4
    "<!-- docs-test: declare declare const a: number; -->", // 5
    "", //                                     6
    "<!-- docs-test: declare declare const b: string; -->", // 7
    "```typescript", //                        8
    "a + b;", //                               9
    "```", //                                  10
    "Some text.", //                           11
    "```json POST /v1/runs", //                12
    "{}", //                                   13
    "```", //                                  14
  );
  const blocks = extractBlocks(text, "doc.md");
  t.deepEqual(
    blocks.map((b) => [b.line, b.lang, b.flags, b.skip, b.declare]),
    [
      [2, "", [], "a diagram", undefined],
      [8, "typescript", [], undefined, "declare const a: number;\ndeclare const b: string;"],
      [12, "json", ["POST", "/v1/runs"], undefined, undefined],
    ],
  );
});
