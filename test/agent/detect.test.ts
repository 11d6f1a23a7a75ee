import test from "ava";
import { StreamingDetector, detectToolCalls, mergeText, type DetectorItem } from "../../src/agent/index.js";

function feed(chunks: string[]): DetectorItem[] {
  const d = new StreamingDetector();
  const items: DetectorItem[] = [];
  for (const c of chunks) items.push(...d.push(c));
  items.push(...d.finish());
  return mergeText(items);
}

/** Every split of `reply` into two pieces, and one character at a time, must give the unsplit result. */
function assertSplitInvariant(t: import("ava").ExecutionContext, reply: string): void {
  const whole = detectToolCalls(reply);
  for (let p = 0; p <= reply.length; p++) {
    t.deepEqual(feed([reply.slice(0, p), reply.slice(p)]), whole, `split at ${p}`);
  }
  t.deepEqual(feed([...reply]), whole, "one character at a time");
}

const blocks = (items: DetectorItem[]) => items.filter((i) => i.type === "block").map((i) => (i.type === "block" ? i.source : ""));
const text = (items: DetectorItem[]) => items.map((i) => (i.type === "text" ? i.text : "")).join("");

test("text before, between and after blocks stays the message and blocks come out in order", (t) => {
  const items = detectToolCalls("Let me look.\n<tool-calls>\nreturn 1;\n</tool-calls>\nAnd then\n<tool-calls>return 2</tool-calls> done.");
  t.deepEqual(items, [
    { type: "text", text: "Let me look.\n" },
    { type: "block", index: 1, source: "return 1;", attributes: "", fenced: false },
    { type: "text", text: "\nAnd then\n" },
    { type: "block", index: 2, source: "return 2", attributes: "", fenced: false },
    { type: "text", text: " done." },
  ]);
});

test("a body fenced as ts, typescript, js or bare ``` is unwrapped", (t) => {
  for (const lang of ["ts", "typescript", "js", ""]) {
    const items = detectToolCalls(`<tool-calls>\n\`\`\`${lang}\nconst a = 1;\nreturn a;\n\`\`\`\n</tool-calls>`);
    t.deepEqual(items, [{ type: "block", index: 1, source: "const a = 1;\nreturn a;", attributes: "", fenced: true }], lang);
  }
  const tight = detectToolCalls("<tool-calls>```ts\nreturn 1\n```</tool-calls>");
  t.deepEqual(blocks(tight), ["return 1"]);
});

test("a closing tag inside a string, template, comment or regex does not close the block", (t) => {
  const src = [
    'const a = "</tool-calls>";',
    "const b = '</tool-calls>';",
    "const c = `x ${'</tool-calls>'} </tool-calls>`;",
    "// </tool-calls>",
    "/* </tool-calls> */",
    "const r = /<\\/tool-calls>/;",
    "return [a, b, c];",
  ].join("\n");
  const items = detectToolCalls(`<tool-calls>\n${src}\n</tool-calls>after`);
  t.deepEqual(blocks(items), [src]);
  t.is(text(items), "after");
  assertSplitInvariant(t, `<tool-calls>\n${src}\n</tool-calls>after`);
});

test("division is not mistaken for a regex and a quote in a regex does not open a string", (t) => {
  const src = "const x = 4 / 2; const y = (x) / 1; const q = /[\"'`]/g.test(s);\nreturn x / y;";
  t.deepEqual(blocks(detectToolCalls(`<tool-calls>${src}</tool-calls>`)), [src]);
  const afterReturn = "return /'/.test(\"'\")";
  t.deepEqual(blocks(detectToolCalls(`<tool-calls>${afterReturn}</tool-calls>`)), [afterReturn]);
});

test("an unterminated quoted string ends at its line, so the closing tag on the next line still closes", (t) => {
  const src = "console.log('it's here');\nreturn 1;";
  t.deepEqual(blocks(detectToolCalls(`<tool-calls>\n${src}\n</tool-calls>`)), [src]);
});

test("an unclosed block is reported as an error item and nothing is run", (t) => {
  const items = detectToolCalls("Sure.\n<tool-calls>\nreturn 1;\n");
  t.is(items.length, 2);
  const err = items[1];
  t.is(err?.type, "error");
  if (err?.type !== "error") return;
  t.is(err.kind, "unclosed");
  t.is(err.index, 1);
  t.is(err.source, "return 1;");
  t.regex(err.message, /ended before `<\/tool-calls>`/);
});

test("an unterminated template literal swallowing the closing tag is explained", (t) => {
  const items = detectToolCalls("<tool-calls>\nconst s = `oops;\nreturn s;\n</tool-calls>\n");
  const err = items.find((i) => i.type === "error");
  t.truthy(err);
  if (err?.type !== "error") return;
  t.is(err.kind, "unclosed");
  t.regex(err.message, /line 3 .*template literal/);
});

test("an empty block is an error item", (t) => {
  for (const reply of ["<tool-calls></tool-calls>", "<tool-calls>\n  \n</tool-calls>", "<tool-calls>\n```ts\n```\n</tool-calls>"]) {
    const items = detectToolCalls(reply);
    t.is(items.length, 1, reply);
    t.like(items[0], { type: "error", kind: "empty", index: 1 });
  }
});

test("a nested opening tag is script text and the first closing tag in code ends the block", (t) => {
  const items = detectToolCalls("<tool-calls>\na <tool-calls>\nb\n</tool-calls>\n</tool-calls>");
  t.deepEqual(blocks(items), ["a <tool-calls>\nb"]);
  t.is(text(items), "\n</tool-calls>");
});

test("a tag inside a prose code fence or inline code is an example, not a call", (t) => {
  const reply = "Example:\n```\n<tool-calls>\nreturn 1\n</tool-calls>\n```\nInline `<tool-calls>` too.\n~~~\n<tool-calls>x</tool-calls>\n~~~\n";
  const items = detectToolCalls(reply);
  t.deepEqual(items, [{ type: "text", text: reply }]);
  assertSplitInvariant(t, reply);
});

test("a fence of four backticks is closed only by four or more", (t) => {
  const reply = "````md\n```\n<tool-calls>return 1</tool-calls>\n```\n````\n<tool-calls>return 2</tool-calls>";
  t.deepEqual(blocks(detectToolCalls(reply)), ["return 2"]);
});

test("upper-case tags and attributes are accepted; look-alikes are not tags", (t) => {
  const items = detectToolCalls('<TOOL-CALLS lang="ts">return 1</Tool-Calls >');
  t.deepEqual(items, [{ type: "block", index: 1, source: "return 1", attributes: 'lang="ts"', fenced: false }]);
  for (const notTag of ["<tool-calls/>", "<tool-callsx>", "<tool-calls-v2>", "< tool-calls>"]) {
    t.deepEqual(detectToolCalls(notTag + " return 1"), [{ type: "text", text: notTag + " return 1" }], notTag);
  }
});

test("CRLF line endings and a leading BOM are normalised", (t) => {
  const reply = "\uFEFFHi\r\n<tool-calls>\r\n```ts\r\nconst s = 'a';\r\nreturn s;\r\n```\r\n</tool-calls>\r\n";
  const items = detectToolCalls(reply);
  t.deepEqual(items, [
    { type: "text", text: "Hi\r\n" },
    { type: "block", index: 1, source: "const s = 'a';\nreturn s;", attributes: "", fenced: true },
    { type: "text", text: "\r\n" },
  ]);
  assertSplitInvariant(t, reply);
});

test("a reply split at every position gives the same items as unsplit", (t) => {
  const reply =
    "I'll check `x`.\n<tool-calls>\n```ts\nconst r = await tools.readFile({ path: \"a</tool-calls>\" }); // </tool-calls>\n" +
    "return `${r.text}` / 1;\n```\n</tool-calls>\nthen <TOOL-CALLS a=\"1\">return 2</tool-calls >!\n<tool-calls>\nreturn 3";
  const whole = detectToolCalls(reply);
  t.is(whole.filter((i) => i.type === "block").length, 2);
  t.like(whole[whole.length - 1], { type: "error", kind: "unclosed", index: 3 });
  assertSplitInvariant(t, reply);
});

test("text streams out as it arrives, holding back only a possible partial tag", (t) => {
  const d = new StreamingDetector();
  t.deepEqual(d.push("Hello wor"), [{ type: "text", text: "Hello wor" }]);
  t.deepEqual(d.push("ld <tool-"), [{ type: "text", text: "ld " }]);
  t.deepEqual(d.push("x> ok"), [{ type: "text", text: "<tool-x> ok" }]);
  t.deepEqual(d.push(" <tool-calls>return 1"), [{ type: "text", text: " " }]);
  t.deepEqual(d.push("</tool-calls>"), [{ type: "block", index: 1, source: "return 1", attributes: "", fenced: false }]);
  t.deepEqual(d.finish(), []);
});

test("opening-tag attributes may be 256 characters long but not 257", (t) => {
  const atLimit = " " + "a".repeat(255);
  t.like(detectToolCalls(`<tool-calls${atLimit}>return 1</tool-calls>`)[0], { type: "block", attributes: "a".repeat(255) });
  const past = `<tool-calls ${"a".repeat(256)}>return 1</tool-calls>`;
  t.deepEqual(detectToolCalls(past), [{ type: "text", text: past }]);
  assertSplitInvariant(t, `x<tool-calls${atLimit}>return 1</tool-calls>`);
});

test("a stray opening tag with overlong attributes is text, not a held-back tag", (t) => {
  const reply = "<tool-calls " + "a".repeat(300) + " more";
  t.deepEqual(detectToolCalls(reply), [{ type: "text", text: reply }]);
});
