import test from "ava";
import {
  buildSystemPrompt,
  cap,
  formatFunctionOutput,
  formatScriptOutput,
  DEFAULT_OUTPUT_CAPS,
  ToolNameMap,
} from "../../src/agent/index.js";
import type { RunResult } from "../../src/runtime/contract.js";
import { normalizeLimits } from "../../src/limits.js";

function run(over: Partial<RunResult>): RunResult {
  return {
    runId: "run_1",
    ok: true,
    console: [],
    consoleTruncated: false,
    toolCalls: [],
    abortedCalls: [],
    durationMs: 3,
    hash: "abc",
    cache: "miss",
    ...over,
  };
}

test("cap keeps text at the limit and cuts one character past it, saying how much was dropped", (t) => {
  t.is(cap("abcd", 4), "abcd");
  t.is(cap("abcde", 4), "abcd\n… [truncated: 1 more characters]");
});

test("a result value at the value cap is whole and one past it is cut with a hint", (t) => {
  const caps = { ...DEFAULT_OUTPUT_CAPS, maxValueChars: 10 };
  const atEdge = formatScriptOutput("block #1", run({ value: "0123456789" }), caps);
  t.true(atEdge.includes("result (string):\n0123456789"));
  t.false(atEdge.includes("truncated"));
  const past = formatScriptOutput("block #1", run({ value: "0123456789X" }), caps);
  t.regex(past, /0123456789\n… \[truncated: 1 more characters; return less/);
});

test("the whole output is capped and console output is cut at its own cap", (t) => {
  const caps = { maxOutputChars: 200, maxValueChars: 10_000, maxConsoleChars: 20 };
  const out = formatScriptOutput(
    "block #1",
    run({ value: { big: "x".repeat(1000) }, console: [{ level: "log", text: "y".repeat(50), atMs: 0 }], consoleTruncated: true }),
    caps,
  );
  t.true(out.length <= 200 + 60);
  t.regex(out, /truncated: \d+ more characters\]$/);
  const consoleOnly = formatScriptOutput("block #1", run({ console: [{ level: "error", text: "z".repeat(50), atMs: 0 }], consoleTruncated: true }), caps);
  t.regex(consoleOnly, /console \(cut by the runtime's console limit\):\n\[error\] z+\n… \[truncated: 38 more characters; log less\]/);
});

test("undefined results, spawned calls and aborted calls are described", (t) => {
  const out = formatScriptOutput(
    "block #2",
    run({
      toolCalls: [{ id: "c1", tool: "exec", ms: 5, ok: false, outcome: "pending", detached: true }],
      abortedCalls: ["c2"],
    }),
  );
  t.regex(out, /result: undefined \(nothing returned\)/);
  t.regex(out, /exec pending 5 ms spawned/);
  t.regex(out, /aborted when the script returned: c2/);
});

test("structured outputs are the JSON result, or the typed error", (t) => {
  t.is(formatFunctionOutput({ ok: true, value: { a: 1 } }), "{\"a\":1}");
  t.is(formatFunctionOutput({ ok: true, value: "plain" }), "plain");
  const err = formatFunctionOutput({ ok: false, error: { name: "ToolArgumentError", code: "CODY_TOOL_INVALID_ARGS", message: "path is required", details: { tool: "readFile" } } });
  t.is(err, "error: ToolArgumentError [CODY_TOOL_INVALID_ARGS]: path is required\ndetails: {\"tool\":\"readFile\"}");
});

test("the system prompt embeds the tools .d.ts verbatim and the real limits", (t) => {
  const dts = "declare const tools: {\n  /** Read. */\n  readFile(args: { path: string }): Promise<string>;\n};";
  const prompt = buildSystemPrompt({ toolsDts: dts, limits: { timeoutMs: 2000, maxToolCalls: 7 } });
  t.true(prompt.includes("```ts\n" + dts + "\n```"));
  t.regex(prompt, /2 s of run time, 7 tool calls \(4 at once\)/);
  t.regex(prompt, /20 KB of source/);
  t.regex(prompt, /<tool-calls>/);
  t.regex(prompt, /# Scripts or function calls/);
  t.notRegex(buildSystemPrompt({ toolsDts: dts, structuredTools: false }), /# Scripts or function calls/);
  t.throws(() => buildSystemPrompt({ toolsDts: dts, limits: { timeoutMs: 0 } }), { message: /limits\.timeoutMs/ });
  t.is(normalizeLimits().maxSourceBytes, 20 * 1024);
});

test("tool names are aliased for the wire and mapped back, without collisions", (t) => {
  const names = new ToolNameMap(["readFile", "mcp.a.b", "mcp__a__b", "x".repeat(70)]);
  t.is(names.toWire("readFile"), "readFile");
  t.is(names.toWire("mcp.a.b"), "mcp__a__b");
  t.is(names.toWire("mcp__a__b"), "mcp__a__b_2");
  t.is(names.fromWire("mcp__a__b"), "mcp.a.b");
  t.is(names.fromWire("mcp__a__b_2"), "mcp__a__b");
  const long = names.toWire("x".repeat(70));
  t.true(long.length <= 64);
  t.is(names.fromWire(long), "x".repeat(70));
  t.is(names.fromWire("unknown"), "unknown");
});
